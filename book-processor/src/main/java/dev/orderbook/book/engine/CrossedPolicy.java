package dev.orderbook.book.engine;

/** What the {@link BookEngine} does when an update leaves a book crossed (best bid >= best ask). */
public enum CrossedPolicy {
    /**
     * The book becomes {@code crossed}: one {@code crossed} summary, counted, and updates are skipped until the next
     * snapshot. The default, and what the offline replay does.
     */
    FLAG,
    /**
     * The levels of the other side that the update crossed are removed (the latest change is taken to be right and
     * the older levels it crossed to be stale), counted, and the book stays {@code live}. A snapshot that is itself
     * crossed is still flagged: there is no newer side to trust.
     */
    TRIM
}
