package dev.orderbook.common.http;

/** JSON string literals for the few hand-written JSON bodies of the HTTP endpoints. */
public final class JsonStrings {
    private JsonStrings() {
    }

    /** {@code s} as a JSON string literal, quotes included, with RFC 8259 escapes. */
    public static String quote(final String s) {
        final StringBuilder out = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
