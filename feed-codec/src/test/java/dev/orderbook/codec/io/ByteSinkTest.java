package dev.orderbook.codec.io;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class ByteSinkTest {

    @Test
    void shouldWriteLongsLikeLongToString() {
        final ByteSink sink = new ByteSink(4);
        final long[] edges = {0, 9, 10, 99, 100, 101, 999, 1000, Long.MAX_VALUE, Long.MIN_VALUE, -1, -10, -123};
        for (final long v : edges) {
            sink.clear();
            assertThat(sink.append(v).toString()).isEqualTo(Long.toString(v));
        }
        final SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 100_000; i++) {
            final long v = random.nextLong() >> random.nextInt(64);
            sink.clear();
            assertThat(sink.append(v).toString()).isEqualTo(Long.toString(v));
        }
    }

    @Test
    void shouldWriteShortestExactDecimals() {
        final ByteSink sink = new ByteSink();
        final SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < 100_000; i++) {
            final int scale = random.nextInt(0, 19);
            final long v = random.nextLong(0, Long.MAX_VALUE) >> random.nextInt(63);
            sink.clear();
            final String expected = BigDecimal.valueOf(v, scale).stripTrailingZeros().toPlainString();
            assertThat(sink.appendDecimal(v, scale).toString()).isEqualTo(expected);
        }
    }

    @Test
    void shouldStripEveryCountOfTrailingFractionZeros() {
        final ByteSink sink = new ByteSink();
        final SplittableRandom random = new SplittableRandom(6);
        for (int i = 0; i < 100_000; i++) {
            final int scale = random.nextInt(0, 19);
            // A few significant digits followed by 0..scale zeros, as prices and sizes at scale 10 are.
            final long digits = random.nextLong(1, 100_000);
            final int zeros = random.nextInt(0, scale + 1);
            final long v = digits * Math.max(1, (long) Math.pow(10, Math.min(zeros, 13)));
            final long signed = random.nextBoolean() ? v : -v;
            sink.clear();
            final String expected = BigDecimal.valueOf(signed, scale).stripTrailingZeros().toPlainString();
            assertThat(sink.appendDecimal(signed, scale).toString()).as("%d at scale %d", signed, scale)
                    .isEqualTo(expected);
        }
    }

    @Test
    void shouldEscapeJsonStringsAfterAPlainPrefix() throws Exception {
        final ObjectMapper jackson = new ObjectMapper();
        final ByteSink sink = new ByteSink(16);
        for (final String s : new String[] {"", "2026-11-23T19:00:00.067185525Z", "a\"b", "ab\\", "x\ny\u0001",
            "\t", "caf\u00e9", "\ud83d\ude00 ok", "long plain text that outgrows the sink's first capacity"}) {
            sink.clear();
            assertThat(sink.appendJsonString(s).toString()).isEqualTo(jackson.writeValueAsString(s));
        }
    }

    @Test
    void shouldCountDigits() {
        assertThat(ByteSink.digitCount(0)).isEqualTo(1);
        assertThat(ByteSink.digitCount(9)).isEqualTo(1);
        assertThat(ByteSink.digitCount(10)).isEqualTo(2);
        assertThat(ByteSink.digitCount(999_999_999_999_999_999L)).isEqualTo(18);
        assertThat(ByteSink.digitCount(1_000_000_000_000_000_000L)).isEqualTo(19);
        assertThat(ByteSink.digitCount(Long.MAX_VALUE)).isEqualTo(19);
        for (long p = 1; p > 0 && p <= Long.MAX_VALUE / 10 * 10; p *= 10) {
            for (final long v : new long[] {p - 1, p, p + 1, 2 * p - 1, 2 * p, 5 * p, 9 * p}) {
                if (v >= 0) {
                    assertThat(ByteSink.digitCount(v)).as("%d", v).isEqualTo(Long.toString(v).length());
                }
            }
            if (p > Long.MAX_VALUE / 10) {
                break;
            }
        }
        for (int bits = 0; bits < 63; bits++) {
            for (final long v : new long[] {(1L << bits) - 1, 1L << bits, (1L << bits) + 1}) {
                assertThat(ByteSink.digitCount(v)).as("%d", v).isEqualTo(Long.toString(v).length());
            }
        }
    }
}
