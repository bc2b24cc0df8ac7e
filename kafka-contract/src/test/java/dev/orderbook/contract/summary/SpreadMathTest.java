package dev.orderbook.contract.summary;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class SpreadMathTest {

    @Test
    void shouldRoundSpreadBpsHalfUpToFourDecimals() {
        // 0.01 / 65000.02 * 10^4 = 0.0015384...
        assertThat(SpreadMath.spreadBpsE4(650_000_100_000_000L, 650_000_200_000_000L)).isEqualTo(15);
        assertThat(SpreadMath.spreadBpsE4(99, 100)).isEqualTo(1_000_000); // 100 bps
        assertThat(SpreadMath.spreadBpsE4(101, 100)).isEqualTo(-1_000_000);
    }

    @Test
    void shouldAgreeWithBigDecimalOnRandomPrices() {
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 50_000; i++) {
            final long ask = random.nextLong(1, Long.MAX_VALUE);
            final long bid = random.nextLong(1, Long.MAX_VALUE);
            final BigDecimal magnitude = new BigDecimal(ask).subtract(new BigDecimal(bid)).abs()
                    .multiply(BigDecimal.valueOf(100_000_000L))
                    .divide(new BigDecimal(ask), 0, RoundingMode.HALF_UP);
            final long actual = SpreadMath.spreadBpsE4(bid, ask);
            assertThat(Math.abs(actual)).as("bid=%d ask=%d", bid, ask).isEqualTo(magnitude.longValueExact());
            assertThat(Long.signum(actual)).isEqualTo(Long.signum(ask - bid));
        }
    }

    @Test
    void shouldCompareThresholdExactlyWithoutRounding() {
        // spread exactly 10 bps of the ask: not exceeding
        assertThat(SpreadMath.spreadExceeds(9990, 10_000, 100_000)).isFalse();
        assertThat(SpreadMath.spreadExceeds(9989, 10_000, 100_000)).isTrue();
        assertThat(SpreadMath.spreadExceeds(10_001, 10_000, 0)).isFalse();
        assertThat(SpreadMath.spreadExceeds(1, Long.MAX_VALUE, 100_000)).isTrue();
    }
}
