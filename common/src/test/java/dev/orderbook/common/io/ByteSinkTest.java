package dev.orderbook.common.io;

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
    void shouldCountDigits() {
        assertThat(ByteSink.digitCount(0)).isEqualTo(1);
        assertThat(ByteSink.digitCount(9)).isEqualTo(1);
        assertThat(ByteSink.digitCount(10)).isEqualTo(2);
        assertThat(ByteSink.digitCount(999_999_999_999_999_999L)).isEqualTo(18);
        assertThat(ByteSink.digitCount(1_000_000_000_000_000_000L)).isEqualTo(19);
        assertThat(ByteSink.digitCount(Long.MAX_VALUE)).isEqualTo(19);
    }
}
