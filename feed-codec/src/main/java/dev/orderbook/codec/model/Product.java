package dev.orderbook.codec.model;

import dev.orderbook.codec.decimal.Decimals;

/**
 * A traded product such as {@code BTC-USD}, with the fixed-point scales its prices and sizes are held at.
 *
 * <p>A price of {@code 65000.01} at {@code priceScale} 10 is held as the {@code long} 650000100000000
 * ("price ticks"); a size likewise as "size lots". Immutable; one instance per product per registry, so
 * identity comparison is valid within a registry. {@link #index()} is dense from 0 and suits array lookups.
 */
public final class Product {
    private final String id;
    private final int index;
    private final int priceScale;
    private final int sizeScale;

    public Product(final String id, final int index, final int priceScale, final int sizeScale) {
        if (!ProductRegistry.isValidProductId(id)) {
            throw new IllegalArgumentException("invalid product id: " + id);
        }
        if (index < 0) {
            throw new IllegalArgumentException("negative index " + index);
        }
        Decimals.checkScale(priceScale);
        Decimals.checkScale(sizeScale);
        this.id = id;
        this.index = index;
        this.priceScale = priceScale;
        this.sizeScale = sizeScale;
    }

    /** The exchange's product id, for example {@code BTC-USD}. Never null. */
    public String id() {
        return id;
    }

    /** Dense registry index, from 0. */
    public int index() {
        return index;
    }

    /** Decimal places of a price tick: a price {@code p} is held as {@code p * 10^priceScale}. */
    public int priceScale() {
        return priceScale;
    }

    /** Decimal places of a size lot: a size {@code s} is held as {@code s * 10^sizeScale}. */
    public int sizeScale() {
        return sizeScale;
    }

    @Override
    public String toString() {
        return id;
    }
}
