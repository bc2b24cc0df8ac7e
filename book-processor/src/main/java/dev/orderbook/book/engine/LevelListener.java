package dev.orderbook.book.engine;

import dev.orderbook.codec.model.Product;

/**
 * Told by the {@link BookEngine} about every level it changes, so that a caller can persist exactly those levels
 * (the streaming processor writes them to its changelogged store). Called on the engine's thread, after the change.
 */
public interface LevelListener {
    /** A listener that does nothing. */
    LevelListener NONE = new LevelListener() {
        @Override
        public void onLevel(final Product product, final byte sideCode, final long priceTicks, final long sizeLots) {
        }

        @Override
        public void onBookReplaced(final ProductBook book) {
        }
    };

    /**
     * One level changed by an update (or removed by {@link CrossedPolicy#TRIM}).
     *
     * @param sideCode {@link dev.orderbook.codec.model.Side#BID_CODE} or {@link dev.orderbook.codec.model.Side#ASK_CODE}
     * @param sizeLots the new absolute size; 0 means the level is gone
     */
    void onLevel(Product product, byte sideCode, long priceTicks, long sizeLots);

    /** A snapshot replaced every level of the book; read the new levels from {@link ProductBook#book()}. */
    void onBookReplaced(ProductBook book);
}
