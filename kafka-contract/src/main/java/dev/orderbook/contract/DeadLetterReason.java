package dev.orderbook.contract;

import dev.orderbook.codec.DecodeError;

/**
 * Why a record went to the dead-letter topic; the name is the {@link Header#DLQ_REASON} header and the dead-letter
 * metrics' {@code reason} tag. The codec's own reasons come first (one per {@link DecodeError}, same names), then the
 * ingestor's and the processor's.
 */
public enum DeadLetterReason {
    // The codec's (DecodeError), same names.
    OVERSIZED,
    INVALID_JSON,
    NOT_AN_OBJECT,
    MISSING_FIELD,
    WRONG_TYPE,
    UNKNOWN_SIDE,
    BAD_PRODUCT,
    UNKNOWN_PRODUCT,
    BAD_PRICE,
    BAD_SIZE,
    BAD_EVENT_TYPE,

    // The ingestor's.
    /** A frame from the exchange claims one of the project's own reserved types (a gap marker, a liveness record). */
    RESERVED_TYPE,

    // The processor's.
    /** The record has no value (a tombstone): there is nothing to apply. */
    NULL_VALUE,
    /** A book message or marker without a key; raw records are keyed by product id. */
    NULL_KEY,
    /** The key is not a valid product id. */
    BAD_KEY,
    /** The key names another product than the message: it may sit on the wrong partition, out of order. */
    KEY_MISMATCH,
    /** A well-formed message of an unknown type that looks like book data (it has bids, asks, changes or updates). */
    UNKNOWN_BOOK_TYPE,
    /** A message the engine refused (an unexpected failure while applying it); the detail says what. */
    APPLY_FAILED,
    /**
     * A raw record of an ingestor deposed since: its {@link Header#LEADER_EPOCH} is older than that of its product's
     * chain, which a newer ingestor keeps alive. Not applied; the book is the newer ingestor's.
     */
    FENCED,

    // Control topic (the ingestor, reading requests).
    /** A control request that cannot be read or names a product this ingestor does not carry. */
    BAD_CONTROL_REQUEST;

    /** The reason for a codec failure. */
    public static DeadLetterReason of(final DecodeError error) {
        return valueOf(error.name());
    }
}
