package dev.orderbook.codec.io;

/** Searches in byte arrays, for the few places that look for a marker in a message's bytes off the hot path. */
public final class ByteArrays {
    private ByteArrays() {
    }

    /** The first index of {@code needle} in the whole of {@code haystack}, or -1. */
    public static int indexOf(final byte[] haystack, final byte[] needle) {
        return indexOf(haystack, 0, haystack.length, needle);
    }

    /** The first index {@code i} in {@code [from, end - needle.length]} where {@code needle} starts, or -1. */
    public static int indexOf(final byte[] haystack, final int from, final int end, final byte[] needle) {
        outer:
        for (int i = from; i <= end - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
