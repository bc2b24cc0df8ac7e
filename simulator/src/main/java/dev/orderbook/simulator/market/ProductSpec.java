package dev.orderbook.simulator.market;

import dev.orderbook.codec.decimal.Decimals;
import dev.orderbook.codec.model.ProductRegistry;

/**
 * Parameters of one synthetic product: price and size scales, starting mid price, typical level size, the
 * spacing of levels and how fast the mid price wanders.
 *
 * <p>A price is held in ticks: {@code 65000.01} at {@code priceScale} 2 is {@code 6500001}, and one tick is the
 * smallest price step. A size is held in lots at {@code sizeScale}. Immutable and thread-safe.
 *
 * @param productId           exchange product id such as {@code BTC-USD}
 * @param priceScale          decimal places of a price; one tick is {@code 10^-priceScale}
 * @param initialMidTicks     starting mid price, in ticks
 * @param sizeScale           decimal places of a size; one lot is {@code 10^-sizeScale}
 * @param meanSizeLots        typical size of a price level, in lots
 * @param meanLevelGapTicks   mean distance between neighbouring levels of one side, in ticks ({@code >= 1})
 * @param midStepTicks        standard deviation of the mid price's move per message, in ticks
 * @param activity            chance ({@code 0 < activity <= 1}) that the product sends a message in a given
 *                            batching window; quieter products skip windows
 */
public record ProductSpec(String productId, int priceScale, long initialMidTicks, int sizeScale,
                          long meanSizeLots, double meanLevelGapTicks, double midStepTicks, double activity) {

    /** Price scale of products not in the built-in table: 4 decimals, so a mid of 100 has room for deep books. */
    public static final int GENERIC_PRICE_SCALE = 4;
    /** Size scale of every built-in product: 8 decimals, as Coinbase sends sizes. */
    public static final int DEFAULT_SIZE_SCALE = 8;

    public ProductSpec {
        if (!ProductRegistry.isValidProductId(productId)) {
            throw new IllegalArgumentException("invalid product id: " + productId);
        }
        Decimals.checkScale(priceScale);
        Decimals.checkScale(sizeScale);
        if (initialMidTicks < 1000) {
            throw new IllegalArgumentException("initialMidTicks must be >= 1000 so the bid side has room, was "
                    + initialMidTicks);
        }
        if (meanSizeLots < 1) {
            throw new IllegalArgumentException("meanSizeLots must be positive, was " + meanSizeLots);
        }
        if (!(meanLevelGapTicks >= 1.0 && meanLevelGapTicks <= 1_000_000.0)) {
            throw new IllegalArgumentException("meanLevelGapTicks must be in [1, 1e6], was " + meanLevelGapTicks);
        }
        if (!(midStepTicks >= 0.0 && midStepTicks <= 1_000_000.0)) {
            throw new IllegalArgumentException("midStepTicks must be in [0, 1e6], was " + midStepTicks);
        }
        if (!(activity > 0.0 && activity <= 1.0)) {
            throw new IllegalArgumentException("activity must be in (0, 1], was " + activity);
        }
    }

    /**
     * Built-in parameters for a few well-known products (BTC-USD near 65000, BTC-EUR near 60000, ETH-USD near
     * 3500, SOL-USD near 150, all with a 0.01 tick and 8 size decimals); any other valid id gets generic
     * parameters (mid 100.0000, tick 0.0001).
     *
     * @param productId a valid product id; may not be null
     * @throws IllegalArgumentException if the id is not a valid product id
     */
    public static ProductSpec forId(final String productId) {
        switch (productId) {
            case "BTC-USD":
                return new ProductSpec(productId, 2, 6_500_000L, DEFAULT_SIZE_SCALE, 25_000_000L, 3.0, 6.0, 1.0);
            case "BTC-EUR":
                return new ProductSpec(productId, 2, 6_000_000L, DEFAULT_SIZE_SCALE, 10_000_000L, 4.0, 6.0, 0.6);
            case "ETH-USD":
                return new ProductSpec(productId, 2, 350_000L, DEFAULT_SIZE_SCALE, 300_000_000L, 2.0, 3.0, 0.9);
            case "SOL-USD":
                return new ProductSpec(productId, 2, 15_000L, DEFAULT_SIZE_SCALE, 2_000_000_000L, 1.2, 1.0, 0.7);
            default:
                return new ProductSpec(productId, GENERIC_PRICE_SCALE, 1_000_000L, DEFAULT_SIZE_SCALE,
                        2_500_000_000L, 3.0, 6.0, 0.5);
        }
    }
}
