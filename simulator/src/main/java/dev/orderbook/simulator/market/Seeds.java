package dev.orderbook.simulator.market;

/**
 * Derives independent, reproducible seeds for the separate random streams of one run (market, encoder,
 * generator) from the single user seed, so that changing how often one component draws never shifts another.
 * Stateless.
 */
public final class Seeds {
    /** Stream of the market model. */
    public static final long MARKET_STREAM = 1;
    /** Stream of a protocol encoder's spelling choices. */
    public static final long ENCODER_STREAM = 2;
    /** Stream of the file generator's own choices (multi-product messages, bad lines). */
    public static final long GENERATOR_STREAM = 3;
    /** Stream of the exchange simulator's Advanced Trade publishing delays (one per market message). */
    public static final long PUBLISH_STREAM = 4;

    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private Seeds() {
    }

    /** SplitMix64 finaliser of {@code seed + stream * golden gamma}: a well-mixed seed per stream. */
    public static long derive(final long seed, final long stream) {
        final long z0 = seed + stream * GOLDEN_GAMMA;
        final long z1 = (z0 ^ (z0 >>> 30)) * 0xBF58476D1CE4E5B9L;
        final long z2 = (z1 ^ (z1 >>> 27)) * 0x94D049BB133111EBL;
        return z2 ^ (z2 >>> 31);
    }
}
