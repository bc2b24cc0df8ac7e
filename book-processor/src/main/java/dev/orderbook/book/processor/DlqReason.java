package dev.orderbook.book.processor;

/**
 * Why a raw record went to the dead-letter topic, besides the codec's own reasons
 * ({@link dev.orderbook.codec.DecodeError} names, for example {@code INVALID_JSON} or {@code BAD_PRICE}). The
 * name is the {@code ob-dlq-reason} header.
 */
public enum DlqReason {
    /** The record has no value (a tombstone): there is nothing to apply. */
    NULL_VALUE,
    /** A book message or gap marker without a key; raw records are keyed by product id. */
    NULL_KEY,
    /** The key is not a valid product id. */
    BAD_KEY,
    /** The key names another product than the message: it may sit on the wrong partition, out of order. */
    KEY_MISMATCH,
    /** A well-formed message of an unknown type that looks like book data (it has bids, asks, changes or updates). */
    UNKNOWN_BOOK_TYPE,
    /** A message the engine refused (an unexpected failure while applying it); the detail says what. */
    APPLY_FAILED
}
