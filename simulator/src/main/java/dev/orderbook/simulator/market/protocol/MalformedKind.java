package dev.orderbook.simulator.market.protocol;

/**
 * Kinds of bad line a feed can be salted with, to test that consumers reject them (and carry on). Each is an
 * otherwise ordinary one-change book update.
 */
public enum MalformedKind {
    /** Not JSON at all: a message cut off part way, as a torn write leaves it. */
    INVALID_JSON,
    /** A negative size ({@code "-0.25"}). */
    NEGATIVE_SIZE,
    /** A price that is not a number ({@code "NaN"}, {@code "abc"}). */
    NON_NUMERIC_PRICE,
    /** A side the protocol does not have ({@code "hold"}, {@code "ask"}). */
    UNKNOWN_SIDE,
    /** A price in exponent form ({@code "6500001E-2"}), which the exchange never sends. */
    EXPONENT
}
