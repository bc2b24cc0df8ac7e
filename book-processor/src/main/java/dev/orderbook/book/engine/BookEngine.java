package dev.orderbook.book.engine;

import dev.orderbook.book.orderbook.OrderBook;
import dev.orderbook.codec.EventType;
import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.MessageKind;
import dev.orderbook.codec.Protocol;
import dev.orderbook.codec.StaleScope;
import dev.orderbook.codec.io.ByteSink;
import dev.orderbook.contract.GapReason;
import dev.orderbook.contract.summary.BookState;
import dev.orderbook.contract.summary.StateReason;
import dev.orderbook.codec.model.Product;
import dev.orderbook.codec.model.Side;
import dev.orderbook.contract.summary.SpreadMath;
import dev.orderbook.contract.summary.SummaryFormatter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The book logic: applies decoded Coinbase messages to one {@link OrderBook} per product and emits a summary
 * whenever a message changed a product's top of book or its state. The offline replay and the Kafka Streams processor
 * both drive this class, so they cannot disagree.
 *
 * <p>States (see {@link BookState}): a book is {@code stale} until its first snapshot (an update for a product
 * without one writes a single {@code stale} summary, so a missed snapshot is visible). A snapshot replaces the book
 * and makes it {@code live} (or {@code crossed}, if the snapshot itself is). A gap marker, or a gap in Advanced
 * Trade's per-connection {@code sequence_num}, makes a book {@code stale}. A book that becomes crossed after an
 * update is {@code crossed}. A stale or crossed book is frozen: updates are counted and skipped until the next
 * snapshot, so exactly one stale or crossed summary is written and no wrong top of book is ever reported as live.
 *
 * <p>Bad input: a message that could not be decoded may have carried level changes, so the books it concerned
 * ({@link StaleScope}) become {@code stale} through {@link #onUndecodable}, never staying {@code live} and wrong.
 *
 * <p>Alerts: a summary of a {@code live} book whose spread exceeds the product's threshold is flagged as an alert.
 *
 * <p>Single thread; not thread-safe. Allocates only when a product is first seen and when a summary is emitted.
 */
public final class BookEngine {
    private final AlertThresholds thresholds;
    private final boolean checkAdvancedSequence;
    private final CrossedPolicy crossedPolicy;
    private final LevelListener levels;
    private final EngineStats stats = new EngineStats();
    private final ByteSink summary = new ByteSink(512);
    private ProductBook[] books = new ProductBook[16];
    /** Books in order of creation: "every book" is visited in this order, so output is deterministic. */
    private final List<ProductBook> bookOrder = new ArrayList<>();
    private long lastAdvancedSequence = -1;

    /**
     * @param thresholds spread-alert thresholds
     * @param checkAdvancedSequence whether a gap in Advanced Trade's {@code sequence_num} makes every book stale.
     *     Right for one connection's messages in order (a recorded file); wrong for a topic that splits messages
     *     per product, whose ingestor writes gap markers instead.
     */
    public BookEngine(final AlertThresholds thresholds, final boolean checkAdvancedSequence) {
        this(thresholds, checkAdvancedSequence, CrossedPolicy.FLAG, LevelListener.NONE);
    }

    /**
     * @param crossedPolicy what an update that crosses the book does
     * @param levels told about every level change (for persisting them); {@link LevelListener#NONE} for none
     */
    public BookEngine(final AlertThresholds thresholds, final boolean checkAdvancedSequence,
                      final CrossedPolicy crossedPolicy, final LevelListener levels) {
        if (thresholds == null || crossedPolicy == null || levels == null) {
            throw new IllegalArgumentException("thresholds, crossedPolicy and levels may not be null");
        }
        this.thresholds = thresholds;
        this.checkAdvancedSequence = checkAdvancedSequence;
        this.crossedPolicy = crossedPolicy;
        this.levels = levels;
    }

    /** The books in order of creation (the order "every book" is visited in). */
    public List<ProductBook> books() {
        return Collections.unmodifiableList(bookOrder);
    }

    /**
     * Recreates a book from persisted state, after the books restored before it (call in their creation order),
     * and returns it empty of levels: load them with {@code book().beginLoad()/load()/endLoad()}. Emits nothing.
     *
     * @throws IllegalStateException if the engine already has a book for the product
     */
    public ProductBook restore(final Product product, final BookMeta meta) {
        if (book(product) != null) {
            throw new IllegalStateException("book already exists: " + product.id());
        }
        final ProductBook pb = bookFor(product);
        pb.restoreMeta(meta);
        return pb;
    }

    public EngineStats stats() {
        return stats;
    }

    /** The book of a product, or null if the engine has not seen it. */
    public ProductBook book(final Product product) {
        final int i = product.index();
        return i < books.length ? books[i] : null;
    }

    private ProductBook bookFor(final Product product) {
        final int i = product.index();
        if (i >= books.length) {
            books = Arrays.copyOf(books, Math.max(books.length * 2, i + 1));
        }
        ProductBook pb = books[i];
        if (pb == null) {
            pb = new ProductBook(product, thresholds.bpsE4For(product.id()));
            books[i] = pb;
            bookOrder.add(pb);
        }
        return pb;
    }

    /**
     * Applies one decoded message. An {@link MessageKind#INVALID} message must not be passed: the caller counts and
     * reports it (it would change nothing here anyway).
     */
    public void onMessage(final FeedMessage msg, final SummarySink sink) {
        final MessageKind kind = msg.kind();
        if (kind == MessageKind.INVALID) {
            throw new IllegalArgumentException("invalid messages are the caller's to report: " + msg);
        }
        stats.messages++;
        if (checkAdvancedSequence && msg.protocol() == Protocol.ADVANCED && msg.sequence() != FeedMessage.NO_SEQUENCE) {
            checkAdvancedSequence(msg, sink);
        }
        switch (kind) {
            case BOOK:
                for (int e = 0; e < msg.eventCount(); e++) {
                    applyEvent(msg, e, sink);
                }
                break;
            case GAP:
                stats.gapMarkers++;
                markStale(bookFor(msg.markerProduct()), StateReason.gap(GapReason.ofWireName(msg.gapReason())),
                        msg.time(), sink);
                break;
            case LIVENESS:
                // Proof of life only: what it means for freshness is the streaming processor's business.
                stats.liveness++;
                break;
            case EXCHANGE_ERROR:
                stats.exchangeErrors++;
                break;
            case IGNORED:
                stats.ignored++;
                break;
            default:
                break;
        }
    }

    /**
     * Advanced Trade numbers every message of a connection. A jump forward means messages were lost, and since the
     * counter is shared by all products, every product's book is stale. A counter that goes back is a new
     * connection, whose snapshots follow.
     */
    private void checkAdvancedSequence(final FeedMessage msg, final SummarySink sink) {
        final long seq = msg.sequence();
        if (lastAdvancedSequence >= 0 && seq > lastAdvancedSequence + 1) {
            stats.sequenceGaps++;
            for (final ProductBook pb : bookOrder) {
                markStale(pb, StateReason.SEQUENCE_GAP, msg.time(), sink);
            }
        }
        lastAdvancedSequence = seq;
    }

    /**
     * A message that could not be decoded: the books in its scope become stale (their summaries carry no time).
     * Every other book is untouched.
     */
    public void onUndecodable(final StaleScope scope, final SummarySink sink) {
        stats.undecodable++;
        if (scope.isAll()) {
            for (final ProductBook pb : bookOrder) {
                staleByBadInput(pb, sink);
            }
        } else {
            for (final Product product : scope.products()) {
                staleByBadInput(bookFor(product), sink);
            }
        }
    }

    private void staleByBadInput(final ProductBook pb, final SummarySink sink) {
        if (pb.state != BookState.STALE) {
            stats.staleByBadInput++;
        }
        markStale(pb, StateReason.BAD_INPUT, null, sink);
    }

    /**
     * Continuity of a product's records was lost in a way the messages themselves do not show (the streaming
     * processor's checks: a product sequence jump, another session, a raw offset gap): its book becomes stale with
     * {@code reason} until its next snapshot. Creates the book if the engine has not seen the product.
     *
     * @param time the exchange time to report, or null
     */
    public void markStale(final Product product, final StateReason reason, final CharSequence time,
                          final SummarySink sink) {
        if (reason == null || reason.isResumable()) {
            throw new IllegalArgumentException("a lasting reason is required, was " + reason);
        }
        stats.continuityLosses++;
        markStale(bookFor(product), reason, time, sink);
    }

    /**
     * Nothing has been heard of the product for a while (the streaming processor's watchdog): a live book becomes
     * stale ({@link StateReason#FEED_SILENT}), and becomes live again by itself if the next record proves that
     * nothing was lost ({@link #resume}). A book that is not live is left as it is.
     */
    public void markSilent(final Product product, final SummarySink sink) {
        final ProductBook pb = book(product);
        if (pb != null && pb.state == BookState.LIVE) {
            stats.silences++;
            markStale(pb, StateReason.FEED_SILENT, null, sink);
        }
    }

    /**
     * A record of the product arrived that continues its sequence: a book stale only for silence is live again
     * (nothing was lost meanwhile). Call before applying the record.
     *
     * @param time the exchange time to report for the book as it stands, or null (it is the state after an earlier
     *             message, not after the record that proved the continuity)
     */
    public void resume(final Product product, final CharSequence time, final SummarySink sink) {
        final ProductBook pb = book(product);
        if (pb != null && pb.state == BookState.STALE && pb.reason != null && pb.reason.isResumable()) {
            stats.resumes++;
            pb.state = BookState.LIVE;
            pb.reason = null;
            maybeEmit(pb, time, sink);
        }
    }

    private void applyEvent(final FeedMessage msg, final int e, final SummarySink sink) {
        final ProductBook pb = bookFor(msg.eventProduct(e));
        final OrderBook book = pb.book();
        final int from = msg.eventStart(e);
        final int to = msg.eventEnd(e);
        if (msg.eventType(e) == EventType.SNAPSHOT) {
            stats.snapshots++;
            stats.snapshotLevels += to - from;
            book.beginLoad();
            for (int i = from; i < to; i++) {
                book.load(msg.sideCode(i), msg.priceTicks(i), msg.sizeLots(i));
            }
            book.endLoad();
            levels.onBookReplaced(pb);
            if (book.isCrossed()) {
                stats.crossed++;
                pb.state = BookState.CROSSED;
                pb.reason = StateReason.CROSSED;
            } else {
                pb.state = BookState.LIVE;
                pb.reason = null;
            }
        } else {
            if (pb.state != BookState.LIVE) {
                stats.skippedUpdates++;
                // Says "stale" once for a product whose updates arrive before any snapshot (a missed snapshot).
                maybeEmit(pb, msg.time(), sink);
                return;
            }
            final LevelListener listener = levels;
            for (int i = from; i < to; i++) {
                final byte side = msg.sideCode(i);
                final long price = msg.priceTicks(i);
                final long size = msg.sizeLots(i);
                book.apply(side, price, size);
                listener.onLevel(pb.product(), side, price, size);
            }
            stats.changes += to - from;
            if (book.isCrossed()) {
                stats.crossed++;
                if (crossedPolicy == CrossedPolicy.TRIM && to > from) {
                    trim(pb, msg.sideCode(to - 1));
                } else {
                    pb.state = BookState.CROSSED;
                    pb.reason = StateReason.CROSSED;
                }
            }
        }
        maybeEmit(pb, msg.time(), sink);
    }

    /** Removes the levels of the side opposite {@code freshSide} that the book's other side crossed. */
    private void trim(final ProductBook pb, final byte freshSide) {
        final OrderBook book = pb.book();
        final byte staleSide = (byte) (1 - freshSide);
        while (book.isCrossed()) {
            final long price = staleSide == Side.BID_CODE ? book.bestBidPrice() : book.bestAskPrice();
            book.apply(staleSide, price, 0);
            levels.onLevel(pb.product(), staleSide, price, 0);
            stats.trimmedLevels++;
        }
    }

    private void markStale(final ProductBook pb, final StateReason reason, final CharSequence time,
                           final SummarySink sink) {
        pb.state = BookState.STALE;
        pb.reason = reason;
        maybeEmit(pb, time, sink);
    }

    private void maybeEmit(final ProductBook pb, final CharSequence time, final SummarySink sink) {
        if (!pb.topChangedSinceEmit()) {
            return;
        }
        pb.markEmitted();
        final OrderBook book = pb.book();
        final long bid = book.bestBidPrice();
        final long ask = book.bestAskPrice();
        final boolean hasBid = book.bidLevels() > 0;
        final boolean hasAsk = book.askLevels() > 0;
        summary.clear();
        SummaryFormatter.write(summary, pb.product(), time,
                hasBid ? bid : 0, book.bestBidSize(), hasAsk ? ask : 0, book.bestAskSize(),
                book.bidLevels(), book.askLevels(), pb.state, pb.reason);
        final boolean alert = pb.state == BookState.LIVE && hasBid && hasAsk
                && SpreadMath.spreadExceeds(bid, ask, pb.alertBpsE4());
        stats.summaries++;
        if (alert) {
            stats.alerts++;
        }
        sink.accept(pb.product(), summary, alert);
    }
}
