package dev.orderbook.simulator.market.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderbook.simulator.market.SyntheticMarket;

import org.junit.jupiter.api.Test;

class WireTimestampsTest {
    private static final long START_NS = SyntheticMarket.START_EPOCH_NS;

    private final WireTimestamps timestamps = new WireTimestamps();

    @Test
    void microsShouldBeIsoUtcWithSixFractionDigits() {
        final StringBuilder out = new StringBuilder();
        timestamps.appendMicros(out, START_NS + 123_456_789L);
        assertThat(out).hasToString("2026-11-23T19:00:00.123456Z");
    }

    @Test
    void nanosShouldBeIsoUtcWithNineFractionDigits() {
        final StringBuilder out = new StringBuilder();
        timestamps.appendNanos(out, START_NS + 5_005_000_007L);
        assertThat(out).hasToString("2026-11-23T19:00:05.005000007Z");
    }

    @Test
    void dateShouldRollOverAtMidnight() {
        final StringBuilder out = new StringBuilder();
        timestamps.appendMicros(out, START_NS);
        out.append(' ');
        timestamps.appendMicros(out, START_NS + 5L * 3_600 * 1_000_000_000L + 1_000L);
        assertThat(out).hasToString("2026-11-23T19:00:00.000000Z 2026-11-24T00:00:00.000001Z");
    }

    @Test
    void goTimeShouldCutTrailingFractionZeros() {
        final StringBuilder out = new StringBuilder();
        timestamps.appendGoTime(out, START_NS + 500_000_000L);
        out.append('|');
        timestamps.appendGoTime(out, START_NS + 1_000_000_000L);
        out.append('|');
        timestamps.appendGoTime(out, START_NS + 674_409_000L);
        assertThat(out).hasToString("2026-11-23 19:00:00.5 +0000 UTC|2026-11-23 19:00:01 +0000 UTC"
                + "|2026-11-23 19:00:00.674409 +0000 UTC");
    }

    @Test
    void monotonicReadingShouldHaveNineFractionDigits() {
        final StringBuilder out = new StringBuilder();
        WireTimestamps.appendSecondsNanos(out, 139_651_272_674_714L);
        assertThat(out).hasToString("139651.272674714");
    }
}
