package dev.orderbook.book.engine;

import dev.orderbook.book.orderbook.OrderBook;
import dev.orderbook.contract.summary.BookState;
import dev.orderbook.contract.summary.StateReason;
import dev.orderbook.codec.model.Product;

/**
 * One product's book plus what the engine needs around it: its {@link BookState} and why it is not live
 * ({@link StateReason}), its alert threshold, and the top of book last emitted (so a summary is written only when the
 * top, the state or its reason changes).
 *
 * <p>Single thread; not thread-safe.
 */
public final class ProductBook {
    private final Product product;
    private final OrderBook book;
    private final long alertBpsE4;
    BookState state = BookState.STALE;
    /** Why the book is not live; null when it is. */
    StateReason reason = StateReason.NO_SNAPSHOT;
    private boolean emitted;
    private long lastBidPrice;
    private long lastBidSize;
    private long lastAskPrice;
    private long lastAskSize;
    private BookState lastState;
    private StateReason lastReason;

    ProductBook(final Product product, final long alertBpsE4) {
        this.product = product;
        this.book = new OrderBook();
        this.alertBpsE4 = alertBpsE4;
    }

    public Product product() {
        return product;
    }

    /** The levels. Read-only for callers outside the engine. */
    public OrderBook book() {
        return book;
    }

    public BookState state() {
        return state;
    }

    /** Why the book is not live; null when it is. */
    public StateReason reason() {
        return reason;
    }

    /**
     * Whether only a snapshot can make the book live again: it is not live, and not merely silent (a silence that
     * lost nothing resumes by itself).
     */
    public boolean needsSnapshot() {
        return state != BookState.LIVE && !reason.isResumable();
    }

    long alertBpsE4() {
        return alertBpsE4;
    }

    /** True if the top of book or the state differs from what was last emitted (or nothing was). */
    boolean topChangedSinceEmit() {
        return !emitted
                || state != lastState
                || reason != lastReason
                || book.bestBidPrice() != lastBidPrice
                || book.bestBidSize() != lastBidSize
                || book.bestAskPrice() != lastAskPrice
                || book.bestAskSize() != lastAskSize;
    }

    /** State and last-emitted top of book, for persisting. */
    public BookMeta meta() {
        return new BookMeta(state, reason, emitted, lastState == null ? state : lastState, lastReason, lastBidPrice,
                lastBidSize, lastAskPrice, lastAskSize);
    }

    void restoreMeta(final BookMeta meta) {
        state = meta.state();
        reason = meta.reason();
        emitted = meta.emitted();
        lastState = meta.emitted() ? meta.lastState() : null;
        lastReason = meta.emitted() ? meta.lastReason() : null;
        lastBidPrice = meta.lastBidPrice();
        lastBidSize = meta.lastBidSize();
        lastAskPrice = meta.lastAskPrice();
        lastAskSize = meta.lastAskSize();
    }

    void markEmitted() {
        emitted = true;
        lastState = state;
        lastReason = reason;
        lastBidPrice = book.bestBidPrice();
        lastBidSize = book.bestBidSize();
        lastAskPrice = book.bestAskPrice();
        lastAskSize = book.bestAskSize();
    }
}
