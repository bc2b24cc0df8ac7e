package dev.orderbook.simulator.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class BatchSizeDistributionTest {

    @Test
    void samplesShouldStayWithinBoundsWithTheConfiguredMean() {
        final BatchSizeDistribution distribution = new BatchSizeDistribution(1, 20, 8.0);
        final SplittableRandom random = new SplittableRandom(3);
        final int[] histogram = new int[21];
        long total = 0;
        final int samples = 200_000;
        for (int i = 0; i < samples; i++) {
            final int size = distribution.sample(random);
            assertThat(size).isBetween(1, 20);
            histogram[size]++;
            total += size;
        }
        assertThat(distribution.exactMean()).isCloseTo(8.0, within(1e-6));
        assertThat((double) total / samples).isCloseTo(8.0, within(0.05));
        // Skewed like real traffic: small batches are the most common, yet the largest still occur.
        assertThat(histogram[1]).isGreaterThan(histogram[20]);
        assertThat(histogram[20]).isPositive();
    }

    @Test
    void meanAboveTheMiddleShouldLeanTowardsLargeBatches() {
        final BatchSizeDistribution distribution = new BatchSizeDistribution(5, 50, 40.0);
        assertThat(distribution.exactMean()).isCloseTo(40.0, within(1e-6));
    }

    @Test
    void fixedSizeShouldAlwaysGiveThatSize() {
        final BatchSizeDistribution distribution = new BatchSizeDistribution(7, 7, 7.0);
        final SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 1_000; i++) {
            assertThat(distribution.sample(random)).isEqualTo(7);
        }
    }

    @Test
    void inconsistentBoundsShouldBeRejected() {
        assertThatThrownBy(() -> new BatchSizeDistribution(0, 20, 8.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BatchSizeDistribution(5, 4, 4.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BatchSizeDistribution(1, 20, 21.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BatchSizeDistribution(1, 20, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
