package dev.orderbook.codec;

/** What a decoded feed message is. */
public enum MessageKind {
    /** Book data: one or more {@link FeedMessage} events, each a snapshot or an update of one product. */
    BOOK,
    /** Subscription confirmation; see {@link FeedMessage#subscriptions()}. */
    SUBSCRIPTIONS,
    /** Heartbeat: liveness, and for the Exchange feed a per-product sequence. */
    HEARTBEAT,
    /** The exchange reported an error; see {@link FeedMessage#errorMessage()}. */
    EXCHANGE_ERROR,
    /** Our own marker: continuity was lost for a product; its book is stale until the next snapshot. */
    GAP,
    /**
     * Our own liveness record: the ingestor's feed of a product is healthy, and every record of the product before
     * it has been written. A book that hears nothing of its product, data or liveness, for a while is stale.
     */
    LIVENESS,
    /** A well-formed message of a type we do not use (Coinbase may add types at any time). */
    IGNORED,
    /** The message could not be decoded; see {@link FeedMessage#error()} and {@link FeedMessage#errorDetail()}. */
    INVALID
}
