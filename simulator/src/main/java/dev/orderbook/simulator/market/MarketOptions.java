package dev.orderbook.simulator.market;

import java.util.List;

/**
 * What a {@link SyntheticMarket} simulates. Validated on construction; immutable.
 *
 * @param products      the products, in the order their books are indexed; at least one, ids distinct
 * @param seed          seed of every random choice; the same options give the same events
 * @param levelsPerSide levels per side in the initial book and the depth the market steers back towards
 *                      (more levels: bigger snapshots and more room for deep changes)
 * @param deepFraction  share of changes deep in the book (rank {@code >= NEAR_TOP_LEVELS}, uniform over depth);
 *                      the rest land within {@link SyntheticMarket#NEAR_TOP_LEVELS} of the best
 * @param batchSizes    distribution of changes per message
 */
public record MarketOptions(List<ProductSpec> products, long seed, int levelsPerSide, double deepFraction,
                            BatchSizeDistribution batchSizes) {

    /** Default depth per side: a deep book, as Coinbase's BTC-USD snapshots are. */
    public static final int LEVELS_PER_SIDE_DEFAULT = 10_000;
    /** Default share of changes deep in the book. */
    public static final double DEEP_FRACTION_DEFAULT = 0.2;
    /** Most levels per side a market will build. */
    public static final int LEVELS_PER_SIDE_MAX = 1_000_000;
    /** Fewest levels per side; deep changes need more than {@link SyntheticMarket#NEAR_TOP_LEVELS}. */
    public static final int LEVELS_PER_SIDE_MIN = 2;

    public MarketOptions {
        if (products == null || products.isEmpty()) {
            throw new IllegalArgumentException("at least one product is needed");
        }
        products = List.copyOf(products);
        for (int i = 0; i < products.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (products.get(i).productId().equals(products.get(j).productId())) {
                    throw new IllegalArgumentException("duplicate product " + products.get(i).productId());
                }
            }
        }
        if (levelsPerSide < LEVELS_PER_SIDE_MIN || levelsPerSide > LEVELS_PER_SIDE_MAX) {
            throw new IllegalArgumentException("levelsPerSide must be in [" + LEVELS_PER_SIDE_MIN + ", "
                    + LEVELS_PER_SIDE_MAX + "], was " + levelsPerSide);
        }
        if (!(deepFraction >= 0.0 && deepFraction <= 1.0)) {
            throw new IllegalArgumentException("deepFraction must be in [0, 1], was " + deepFraction);
        }
        if (batchSizes == null) {
            throw new IllegalArgumentException("batchSizes may not be null");
        }
    }

    /** Options for these product ids ({@link ProductSpec#forId}) with every other setting at its default. */
    public static MarketOptions of(final List<String> productIds, final long seed) {
        return new MarketOptions(specsFor(productIds), seed, LEVELS_PER_SIDE_DEFAULT, DEEP_FRACTION_DEFAULT,
                BatchSizeDistribution.defaults());
    }

    /** {@link ProductSpec#forId} for each id, in order. */
    public static List<ProductSpec> specsFor(final List<String> productIds) {
        return productIds.stream().map(ProductSpec::forId).toList();
    }
}
