package dev.orderbook.book.orderbook;

/**
 * Primitive specialisation of {@code BiConsumer<Long, Long>}, in the style of Agrona's
 * {@code LongLongConsumer}: receives a price level without boxing.
 */
@FunctionalInterface
public interface LongLongConsumer {
    /**
     * Receives one level.
     *
     * @param priceTicks price of the level in ticks, {@code >= 0}
     * @param sizeLots   resting size at that price in lots, {@code > 0}
     */
    void accept(long priceTicks, long sizeLots);
}
