package dev.orderbook.support.http;

import dev.orderbook.codec.io.ByteSink;

/** JSON string literals for the few hand-written JSON bodies of the HTTP endpoints. */
public final class JsonStrings {
    private JsonStrings() {
    }

    /** {@code s} as a JSON string literal, quotes included, escaped as {@link ByteSink#appendJsonString} does. */
    public static String quote(final String s) {
        return new ByteSink(s.length() + 8).appendJsonString(s).toString();
    }
}
