package dev.orderbook.book.engine;

/**
 * Counters of a {@link BookEngine}. Plain fields, written by the engine's single thread; read them from that thread
 * or after it finished.
 */
public final class EngineStats {
    /** Messages handed to the engine (any kind but invalid). */
    public long messages;
    /** Level changes applied by updates (snapshot levels are counted in {@link #snapshotLevels}). */
    public long changes;
    /** Levels loaded from snapshots. */
    public long snapshotLevels;
    public long snapshots;
    /** Update events not applied because the book was stale or crossed (waiting for a snapshot). */
    public long skippedUpdates;
    /** Times a book became crossed. */
    public long crossed;
    /** Levels removed because an update crossed them ({@link CrossedPolicy#TRIM}). */
    public long trimmedLevels;
    /** Gap markers seen. */
    public long gapMarkers;
    /** Advanced Trade sequence_num gaps detected. */
    public long sequenceGaps;
    /** Messages that could not be decoded. */
    public long undecodable;
    /** Times bad input made a book stale (it was live or crossed before). */
    public long staleByBadInput;
    /** Liveness records seen. */
    public long liveness;
    /** Times the streaming processor's continuity checks made a book stale (sequence jump, session, offsets). */
    public long continuityLosses;
    /** Times a live book became stale because nothing was heard of its product for a while. */
    public long silences;
    /** Times a book stale for silence became live again, nothing having been lost. */
    public long resumes;
    public long summaries;
    public long alerts;
    public long exchangeErrors;
    public long ignored;
}
