package dev.orderbook.contract.summary;

/**
 * What a book's consumers may believe about it. The wire names are the lower-case names.
 *
 * <ul>
 *   <li>{@link #LIVE}: built from a snapshot and every update since; trustworthy.</li>
 *   <li>{@link #STALE}: continuity was lost (no snapshot yet, a gap marker, a sequence gap); the levels
 *       shown are the last known ones and must not be traded on. Cleared by the next snapshot.</li>
 *   <li>{@link #CROSSED}: best bid &gt;= best ask, an integrity fault. Counted, never reported as an
 *       opportunity, cleared by the next snapshot.</li>
 * </ul>
 */
public enum BookState {
    LIVE("live"),
    STALE("stale"),
    CROSSED("crossed");

    private final String wireName;

    BookState(final String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static BookState ofWireName(final String name) {
        for (final BookState s : values()) {
            if (s.wireName.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown book state: " + name);
    }
}
