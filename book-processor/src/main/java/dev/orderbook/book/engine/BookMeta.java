package dev.orderbook.book.engine;

import dev.orderbook.contract.summary.BookState;

/**
 * What a {@link ProductBook} holds besides its levels: its state and the top of book it last emitted (so that a
 * restored book emits exactly when an uninterrupted one would). Persisted by the streaming processor with the levels.
 *
 * @param state the book's state
 * @param emitted whether a summary was ever emitted; the {@code last*} fields are meaningful only if so
 * @param lastState state of the last emitted summary
 */
public record BookMeta(BookState state, boolean emitted, BookState lastState, long lastBidPrice, long lastBidSize,
                       long lastAskPrice, long lastAskSize) {
    public BookMeta {
        if (state == null || lastState == null) {
            throw new IllegalArgumentException("states may not be null");
        }
    }
}
