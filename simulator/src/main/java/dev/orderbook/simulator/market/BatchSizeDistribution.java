package dev.orderbook.simulator.market;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * How many level changes one message carries: a geometric distribution truncated to
 * {@code [minChanges, maxChanges]}, its ratio solved so that the mean is {@code meanChanges}. Skewed like real
 * {@code level2_batch} traffic: many small batches, a tail of large ones.
 *
 * <p>Immutable after construction; {@link #sample} draws from the caller's random source, so the instance may be
 * shared by threads that each own their source.
 */
public final class BatchSizeDistribution {
    /** Largest supported batch, so that the sampling table stays small. */
    public static final int MAX_CHANGES_LIMIT = 10_000;

    private static final int SOLVER_ITERATIONS = 200;
    private static final double LOG_RATIO_BOUND = 50.0;

    private final int minChanges;
    private final int maxChanges;
    private final double meanChanges;
    private final double[] cumulative;

    /**
     * @param minChanges  smallest batch, {@code >= 1}
     * @param maxChanges  largest batch, {@code minChanges <= maxChanges <= MAX_CHANGES_LIMIT}
     * @param meanChanges mean batch size, in {@code [minChanges, maxChanges]}
     * @throws IllegalArgumentException if the bounds are inconsistent
     */
    public BatchSizeDistribution(final int minChanges, final int maxChanges, final double meanChanges) {
        if (minChanges < 1 || maxChanges < minChanges || maxChanges > MAX_CHANGES_LIMIT) {
            throw new IllegalArgumentException("need 1 <= minChanges <= maxChanges <= " + MAX_CHANGES_LIMIT
                    + ", was " + minChanges + ".." + maxChanges);
        }
        if (!(meanChanges >= minChanges && meanChanges <= maxChanges)) {
            throw new IllegalArgumentException("meanChanges must lie in [" + minChanges + ", " + maxChanges
                    + "], was " + meanChanges);
        }
        this.minChanges = minChanges;
        this.maxChanges = maxChanges;
        this.meanChanges = meanChanges;
        this.cumulative = cumulativeFor(maxChanges - minChanges, meanChanges - minChanges);
    }

    /** The default of the options: 1 to 20 changes, mean 8. */
    public static BatchSizeDistribution defaults() {
        return new BatchSizeDistribution(1, 20, 8.0);
    }

    public int minChanges() {
        return minChanges;
    }

    public int maxChanges() {
        return maxChanges;
    }

    /** The configured mean; the distribution's exact mean matches it to within 1e-6. */
    public double meanChanges() {
        return meanChanges;
    }

    /** Draws one batch size in {@code [minChanges, maxChanges]}. */
    public int sample(final SplittableRandom random) {
        final double u = random.nextDouble();
        final int index = Arrays.binarySearch(cumulative, u);
        final int offset = index >= 0 ? index + 1 : -index - 1;
        return minChanges + Math.min(offset, cumulative.length - 1);
    }

    /** The exact mean of the sampled distribution; equals {@link #meanChanges()} up to solver precision. */
    public double exactMean() {
        double mean = 0;
        double previous = 0;
        for (int k = 0; k < cumulative.length; k++) {
            mean += (cumulative[k] - previous) * (minChanges + k);
            previous = cumulative[k];
        }
        return mean;
    }

    private static double[] cumulativeFor(final int span, final double targetOffsetMean) {
        final double[] weights = new double[span + 1];
        if (span == 0) {
            weights[0] = 1.0;
            return weights;
        }
        double low = -LOG_RATIO_BOUND;
        double high = LOG_RATIO_BOUND;
        for (int i = 0; i < SOLVER_ITERATIONS; i++) {
            final double middle = (low + high) / 2;
            if (offsetMean(span, middle) < targetOffsetMean) {
                low = middle;
            } else {
                high = middle;
            }
        }
        final double logRatio = (low + high) / 2;
        fillWeights(weights, logRatio);
        double total = 0;
        for (int k = 0; k <= span; k++) {
            total += weights[k];
            weights[k] = total;
        }
        for (int k = 0; k <= span; k++) {
            weights[k] /= total;
        }
        weights[span] = 1.0;
        return weights;
    }

    private static double offsetMean(final int span, final double logRatio) {
        final double[] weights = new double[span + 1];
        fillWeights(weights, logRatio);
        double total = 0;
        double weighted = 0;
        for (int k = 0; k <= span; k++) {
            total += weights[k];
            weighted += weights[k] * k;
        }
        return weighted / total;
    }

    private static void fillWeights(final double[] weights, final double logRatio) {
        // Normalised in log space so that q^k never overflows, whichever way the ratio leans.
        final int span = weights.length - 1;
        final double largestExponent = Math.max(0.0, span * logRatio);
        for (int k = 0; k <= span; k++) {
            weights[k] = StrictMath.exp(k * logRatio - largestExponent);
        }
    }
}
