package dev.orderbook.book.engine;

import dev.orderbook.contract.summary.BookState;
import dev.orderbook.contract.summary.StateReason;

/**
 * What a {@link ProductBook} holds besides its levels: its state and why, and the top of book it last emitted (so that
 * a restored book emits exactly when an uninterrupted one would). Persisted by the streaming processor.
 *
 * @param state the book's state
 * @param reason why it is not live; null when it is
 * @param emitted whether a summary was ever emitted; the {@code last*} fields are meaningful only if so
 * @param lastState state of the last emitted summary
 * @param lastReason reason of the last emitted summary; null when it was live
 */
public record BookMeta(BookState state, StateReason reason, boolean emitted, BookState lastState,
                       StateReason lastReason, long lastBidPrice, long lastBidSize, long lastAskPrice,
                       long lastAskSize) {
    public BookMeta {
        if (state == null || lastState == null) {
            throw new IllegalArgumentException("states may not be null");
        }
        if ((state == BookState.LIVE) != (reason == null)) {
            throw new IllegalArgumentException("a book has a reason exactly when it is not live: " + state + " "
                    + reason);
        }
    }
}
