package dev.orderbook.ingestor.publish;

import dev.orderbook.contract.GapReason;

import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * Per product (by index in the publisher's product list), what the publisher knows about its continuity on the raw
 * topic:
 * <ul>
 *   <li><b>live</b>: a snapshot was published and no gap marker since (read by health checks, any thread);</li>
 *   <li><b>marked</b>: a gap marker was written (or is due) and no snapshot since; a second marker would change
 *       nothing downstream, so it is coalesced;</li>
 *   <li><b>pending</b>: a marker is due but Kafka is unavailable; it is written, with its reason and session, when
 *       Kafka is back;</li>
 *   <li><b>failed</b>: Kafka failed one of its data records or markers (set by producer callbacks, any thread); the
 *       publisher marks it, or writes the marker again, before its next record;</li>
 *   <li><b>sequence</b>: the number of its last record in the current session ({@code ob-product-seq}).</li>
 * </ul>
 *
 * <p>Threading: live and failed are atomics; the sequence is guarded by this object (the worker and the Kafka probe
 * both number records); everything else belongs to the publisher's thread.
 */
final class ProductContinuity {
    private final AtomicIntegerArray live;
    private final boolean[] marked;
    private final boolean[] pending;
    private final GapReason[] pendingReason;
    private final String[] pendingSession;
    private final AtomicIntegerArray recordFailed;
    private final AtomicIntegerArray markerFailed;
    private final String[] seqSession;
    private final long[] seq;

    ProductContinuity(final int products) {
        live = new AtomicIntegerArray(products);
        marked = new boolean[products];
        pending = new boolean[products];
        pendingReason = new GapReason[products];
        pendingSession = new String[products];
        recordFailed = new AtomicIntegerArray(products);
        markerFailed = new AtomicIntegerArray(products);
        seqSession = new String[products];
        seq = new long[products];
    }

    int size() {
        return marked.length;
    }

    /** Any thread. */
    boolean isLive(final int product) {
        return live.get(product) == 1;
    }

    /** A snapshot of the product was handed to Kafka: it is live, and the next gap will be marked. */
    void snapshotPublished(final int product) {
        marked[product] = false;
        live.set(product, 1);
    }

    /**
     * Continuity of the product is lost: it is no longer live.
     *
     * @return true if a marker must be written; false if one was written since its last snapshot (coalesced)
     */
    boolean lose(final int product) {
        live.set(product, 0);
        if (marked[product]) {
            return false;
        }
        marked[product] = true;
        return true;
    }

    /** The marker is to be written when Kafka is back. */
    void defer(final int product, final GapReason reason, final String sessionId) {
        pending[product] = true;
        pendingReason[product] = reason;
        pendingSession[product] = sessionId;
    }

    boolean isPending(final int product) {
        return pending[product];
    }

    GapReason pendingReason(final int product) {
        return pendingReason[product];
    }

    String pendingSession(final int product) {
        return pendingSession[product];
    }

    void clearPending(final int product) {
        pending[product] = false;
        pendingReason[product] = null;
        pendingSession[product] = null;
    }

    /** Any thread: Kafka failed one of the product's records ({@code marker}: a gap marker). */
    void failed(final int product, final boolean marker) {
        (marker ? markerFailed : recordFailed).set(product, 1);
    }

    /** Takes and clears the flag: Kafka failed one of the product's markers since the last call. */
    boolean takeMarkerFailure(final int product) {
        return markerFailed.getAndSet(product, 0) == 1;
    }

    /** Takes and clears the flag: Kafka failed one of the product's data records since the last call. */
    boolean takeRecordFailure(final int product) {
        return recordFailed.getAndSet(product, 0) == 1;
    }

    /** The marker Kafka failed is no longer in place: the next loss marks again. */
    void markerLost(final int product) {
        marked[product] = false;
    }

    boolean isMarked(final int product) {
        return marked[product];
    }

    /**
     * The number of the product's next record in {@code sessionId}: 1 for its first record of a session, then 2,
     * 3, ... Records are numbered in the order they are handed to the producer, which keeps them in that order on
     * the product's partition.
     */
    synchronized long nextSeq(final int product, final String sessionId) {
        if (!sessionId.equals(seqSession[product])) {
            seqSession[product] = sessionId;
            seq[product] = 0;
        }
        return ++seq[product];
    }
}
