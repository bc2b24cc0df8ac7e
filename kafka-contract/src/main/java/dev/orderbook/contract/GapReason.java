package dev.orderbook.contract;

/**
 * Why the ingestor wrote a gap marker for a product: continuity was lost, and the product's book is stale until its
 * next snapshot. The wire name is the marker's {@code reason} field and the {@code orderbook_ingest_gaps_total}
 * metric's tag; a stale summary that a marker caused names it ({@code "state_reason":"gap:disconnect"}).
 */
public enum GapReason {
    /** The connection to the exchange closed or failed. */
    DISCONNECT("disconnect"),
    /** An Advanced Trade {@code sequence_num} was skipped or repeated (every product: the counter is shared). */
    SEQUENCE("sequence"),
    /** Nothing arrived within the silence timeout, or this product's heartbeats stopped. */
    SILENCE("silence"),
    /** A frame that concerned the product could not be parsed (it went to the dead-letter topic). */
    INVALID("invalid"),
    /** Kafka did not accept one of the product's records. */
    PUBLISH_FAILED("publish-failed"),
    /** The ingestor's buffer budget was exhausted; frames were discarded. */
    BACKPRESSURE("backpressure"),
    /** Kafka could not be reached; frames were discarded. */
    KAFKA_UNAVAILABLE("kafka-unavailable"),
    /** The ingestor stopped: nothing more comes for the product until one runs again. */
    SHUTDOWN("shutdown"),
    /**
     * An ingestor started (or took over as the active one): whatever a previous one wrote last, a book must not
     * carry on from it as if nothing had happened.
     */
    STARTUP("startup"),
    /** The ingestor is fetching a fresh snapshot of the product because a book asked for one (control topic). */
    RESNAPSHOT_REQUESTED("resnapshot-requested"),
    /** A marker with a reason this version does not know (a newer ingestor, a hand-written file). */
    OTHER("other");

    private final String wireName;

    GapReason(final String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** The wire name, so that log lines read as the markers do. */
    @Override
    public String toString() {
        return wireName;
    }

    /** The reason of a wire name; {@link #OTHER} for one this version does not know (never fails). */
    public static GapReason ofWireName(final CharSequence name) {
        if (name != null) {
            for (final GapReason r : values()) {
                if (r.wireName.contentEquals(name)) {
                    return r;
                }
            }
        }
        return OTHER;
    }
}
