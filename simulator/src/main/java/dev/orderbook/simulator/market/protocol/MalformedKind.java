package dev.orderbook.simulator.market.protocol;

import java.util.SplittableRandom;

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
    EXPONENT;

    private static final String[] UNKNOWN_SIDES = {"hold", "ask", "both"};
    private static final String[] NON_NUMERIC_PRICES = {"NaN", "abc", "65k"};

    /** The side to write: the protocol's own name, or for {@link #UNKNOWN_SIDE} one it does not have. */
    String side(final SplittableRandom random, final String protocolSide) {
        return this == UNKNOWN_SIDE ? UNKNOWN_SIDES[random.nextInt(UNKNOWN_SIDES.length)] : protocolSide;
    }

    /** Appends the price digits (no quotes), spoiled as this kind says. */
    void appendPrice(final StringBuilder out, final SplittableRandom random, final long priceTicks, final int scale) {
        if (this == NON_NUMERIC_PRICE) {
            out.append(NON_NUMERIC_PRICES[random.nextInt(NON_NUMERIC_PRICES.length)]);
        } else if (this == EXPONENT) {
            WireDecimals.appendExponentForm(out, priceTicks, scale);
        } else {
            WireDecimals.appendFixed(out, priceTicks, scale, scale);
        }
    }

    /** Appends the size digits (no quotes), negative for {@link #NEGATIVE_SIZE}. */
    void appendSize(final StringBuilder out, final long sizeLots, final int scale) {
        if (this == NEGATIVE_SIZE) {
            out.append('-');
        }
        WireDecimals.appendFixed(out, sizeLots, scale, scale);
    }
}
