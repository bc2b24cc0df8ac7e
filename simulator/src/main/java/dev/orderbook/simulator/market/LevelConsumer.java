package dev.orderbook.simulator.market;

/** Receives price levels one at a time, best first; primitive so that walking a deep book allocates nothing. */
@FunctionalInterface
public interface LevelConsumer {
    /**
     * @param priceTicks price of the level, in the product's ticks
     * @param sizeLots   size of the level, in the product's lots; always positive
     */
    void accept(long priceTicks, long sizeLots);
}
