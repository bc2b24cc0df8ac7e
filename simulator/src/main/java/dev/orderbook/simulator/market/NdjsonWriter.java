package dev.orderbook.simulator.market;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Writes messages as NDJSON: each message's US-ASCII bytes and a {@code \n}, through its own buffer. Rejects a
 * message with a line break or a non-ASCII character, which would break the one-message-per-line framing.
 *
 * <p>Not thread-safe. Does not close the stream.
 */
final class NdjsonWriter {
    private static final int BUFFER_BYTES = 1 << 16;

    private final OutputStream out;
    private final byte[] buffer = new byte[BUFFER_BYTES];
    private char[] chars = new char[1 << 12];
    private int position;
    private long bytes;
    private long lines;

    NdjsonWriter(final OutputStream out) {
        this.out = out;
    }

    /**
     * Appends {@code message} and a line end.
     *
     * @throws UncheckedIOException if the stream fails
     */
    void write(final CharSequence message) {
        final int length = message.length();
        if (chars.length < length) {
            chars = new char[Math.max(length, chars.length * 2)];
        }
        if (message instanceof StringBuilder) {
            ((StringBuilder) message).getChars(0, length, chars, 0);
        } else if (message instanceof String) {
            ((String) message).getChars(0, length, chars, 0);
        } else {
            for (int i = 0; i < length; i++) {
                chars[i] = message.charAt(i);
            }
        }
        final char[] source = chars;
        final byte[] target = buffer;
        int i = 0;
        while (i < length) {
            if (position == target.length) {
                flushBuffer();
            }
            final int end = Math.min(length, i + target.length - position);
            int p = position;
            for (; i < end; i++) {
                final char c = source[i];
                if (c >= 0x80 || c == '\n' || c == '\r') {
                    throw new IllegalArgumentException("message has a line break or non-ASCII character at " + i);
                }
                target[p++] = (byte) c;
            }
            position = p;
        }
        if (position == target.length) {
            flushBuffer();
        }
        target[position++] = '\n';
        bytes += length + 1;
        lines++;
    }

    long bytes() {
        return bytes;
    }

    long lines() {
        return lines;
    }

    /** Writes out the buffer and flushes the stream. */
    void flush() {
        flushBuffer();
        try {
            out.flush();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void flushBuffer() {
        try {
            out.write(buffer, 0, position);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        position = 0;
    }
}
