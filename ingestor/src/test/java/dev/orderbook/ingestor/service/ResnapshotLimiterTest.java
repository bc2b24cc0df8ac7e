package dev.orderbook.ingestor.service;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ResnapshotLimiterTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void shouldAllowOneResnapshotPerProductPerInterval() {
        final ResnapshotLimiter limiter = new ResnapshotLimiter(Duration.ofSeconds(5), 100);
        final long t0 = System.nanoTime();
        assertThat(limiter.tryAcquire("BTC-USD", t0)).isTrue();
        assertThat(limiter.tryAcquire("BTC-USD", t0 + 4 * SECOND)).isFalse();
        assertThat(limiter.tryAcquire("ETH-USD", t0 + 4 * SECOND)).isTrue();
        assertThat(limiter.tryAcquire("BTC-USD", t0 + 5 * SECOND)).isTrue();
    }

    @Test
    void shouldAllowAtMostTheGlobalRatePerSecondAcrossProducts() {
        final ResnapshotLimiter limiter = new ResnapshotLimiter(Duration.ZERO, 5);
        final long t0 = System.nanoTime();
        int allowed = 0;
        for (int i = 0; i < 50; i++) {
            allowed += limiter.tryAcquire("P-" + i, t0) ? 1 : 0;
        }
        assertThat(allowed).isEqualTo(5);
        // Half a second later, half a second's worth more.
        allowed = 0;
        for (int i = 50; i < 100; i++) {
            allowed += limiter.tryAcquire("P-" + i, t0 + SECOND / 2) ? 1 : 0;
        }
        assertThat(allowed).isEqualTo(2);
    }
}
