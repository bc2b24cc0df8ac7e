package dev.orderbook.codec.io;

import dev.orderbook.codec.decimal.Decimals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable, reusable byte buffer for writing ASCII/UTF-8 output (JSON lines) without allocating per write.
 * Grows by doubling and never shrinks. Single thread; not thread-safe.
 */
public final class ByteSink {
    private static final byte[] DIGITS = "0123456789".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] SHORT_ESCAPES = new byte[0x20];

    static {
        SHORT_ESCAPES['\b'] = 'b';
        SHORT_ESCAPES['\f'] = 'f';
        SHORT_ESCAPES['\n'] = 'n';
        SHORT_ESCAPES['\r'] = 'r';
        SHORT_ESCAPES['\t'] = 't';
    }
    private static final byte[] DIGIT_PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    private byte[] bytes;
    private int length;

    public ByteSink() {
        this(256);
    }

    public ByteSink(final int initialCapacity) {
        bytes = new byte[Math.max(16, initialCapacity)];
    }

    public void clear() {
        length = 0;
    }

    public int length() {
        return length;
    }

    /** The backing array; valid from 0 to {@link #length()}, until the next write. */
    public byte[] array() {
        return bytes;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(bytes, length);
    }

    public void writeTo(final OutputStream out) throws IOException {
        out.write(bytes, 0, length);
    }

    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }

    private void ensure(final int extra) {
        if (length + extra > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + extra));
        }
    }

    public ByteSink append(final byte b) {
        ensure(1);
        bytes[length++] = b;
        return this;
    }

    public ByteSink append(final char c) {
        if (c >= 0x80) {
            throw new IllegalArgumentException("not ASCII: " + (int) c);
        }
        return append((byte) c);
    }

    /** Appends ASCII text verbatim; the caller guarantees it needs no JSON escaping. */
    public ByteSink appendAscii(final String s) {
        final int n = s.length();
        ensure(n);
        for (int i = 0; i < n; i++) {
            bytes[length++] = (byte) s.charAt(i);
        }
        return this;
    }

    /** Appends pre-encoded ASCII bytes verbatim (constants of a format); the caller guarantees no escaping is needed. */
    public ByteSink appendAscii(final byte[] ascii) {
        return append(ascii, 0, ascii.length);
    }

    public ByteSink append(final byte[] src, final int offset, final int count) {
        ensure(count);
        System.arraycopy(src, offset, bytes, length, count);
        length += count;
        return this;
    }

    public ByteSink append(final long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                return appendAscii(Long.toString(value));
            }
            append((byte) '-');
            return append(-value);
        }
        final int n = digitCount(value);
        ensure(n);
        final byte[] b = bytes;
        int at = length + n;
        long v = value;
        // Two digits per step from the right; division by the constant 100 compiles to a multiply.
        while (v >= 100) {
            final long q = v / 100;
            final int r = (int) (v - q * 100) << 1;
            b[--at] = DIGIT_PAIRS[r + 1];
            b[--at] = DIGIT_PAIRS[r];
            v = q;
        }
        if (v >= 10) {
            final int r = (int) v << 1;
            b[--at] = DIGIT_PAIRS[r + 1];
            b[--at] = DIGIT_PAIRS[r];
        } else {
            b[--at] = (byte) ('0' + v);
        }
        length += n;
        return this;
    }

    /** Decimal digits of a non-negative value (1 for 0). */
    static int digitCount(final long value) {
        // floor(log10) from the bit length (1233 / 4096 is just above log10(2)), corrected by one comparison: no
        // loop whose length varies with the value.
        // value | 1 makes 0 count as one digit and changes no other count (10^k - 1 is odd).
        final long v = value | 1;
        final int guess = ((Long.SIZE - Long.numberOfLeadingZeros(v)) * 1233) >>> 12;
        return guess + (v >= Decimals.pow10(guess) ? 1 : 0);
    }

    /** Appends the shortest exact decimal form of a fixed-point value (see {@link Decimals#appendTo}). */
    public ByteSink appendDecimal(final long value, final int scale) {
        long v = value;
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                throw new IllegalArgumentException("cannot format Long.MIN_VALUE");
            }
            append((byte) '-');
            v = -v;
        }
        final long factor = Decimals.pow10(scale);
        final long whole = v / factor;
        long frac = v - whole * factor;
        append(whole);
        if (frac != 0) {
            int digits = scale;
            // Strip trailing zeros eight, four, two, then one at a time: prices at scale 10 carry six to eight.
            while (digits >= 8 && frac % 100_000_000L == 0) {
                frac /= 100_000_000L;
                digits -= 8;
            }
            if (frac % 10_000 == 0) {
                frac /= 10_000;
                digits -= 4;
            }
            if (frac % 100 == 0) {
                frac /= 100;
                digits -= 2;
            }
            if (frac % 10 == 0) {
                frac /= 10;
                digits--;
            }
            ensure(digits + 1);
            final byte[] b = bytes;
            b[length] = '.';
            // Right to left, two digits per step; division by a constant compiles to a multiply.
            int at = length + digits;
            while (at > length + 1) {
                final long q = frac / 100;
                final int r = (int) (frac - q * 100) << 1;
                b[at--] = DIGIT_PAIRS[r + 1];
                b[at--] = DIGIT_PAIRS[r];
                frac = q;
            }
            if (at > length) {
                b[at] = DIGITS[(int) frac];
            }
            length += digits + 1;
        }
        return this;
    }

    /**
     * Appends {@code text} as a quoted JSON string, UTF-8 encoded, escaped as RFC 8259 requires and in the forms
     * Jackson writes ({@code \\t}, {@code \\n}, ..., {@code \\u001F}), so that common tools agree byte for byte.
     */
    public ByteSink appendJsonString(final CharSequence text) {
        final int n = text.length();
        // Common case first: printable ASCII needing no escape, written with one capacity check.
        ensure(n + 2);
        final byte[] b = bytes;
        int at = length;
        b[at++] = '"';
        int i = 0;
        for (; i < n; i++) {
            final char c = text.charAt(i);
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
                break;
            }
            b[at++] = (byte) c;
        }
        length = at;
        for (; i < n; i++) {
            final char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                append((byte) '\\').append((byte) c);
            } else if (c < 0x20) {
                final byte shortForm = SHORT_ESCAPES[c];
                if (shortForm != 0) {
                    append((byte) '\\').append(shortForm);
                } else {
                    ensure(6);
                    bytes[length++] = '\\';
                    bytes[length++] = 'u';
                    bytes[length++] = '0';
                    bytes[length++] = '0';
                    bytes[length++] = HEX[c >> 4];
                    bytes[length++] = HEX[c & 0xF];
                }
            } else if (c < 0x80) {
                append((byte) c);
            } else {
                final int cp = Character.isHighSurrogate(c) && i + 1 < n
                        && Character.isLowSurrogate(text.charAt(i + 1))
                        ? Character.toCodePoint(c, text.charAt(++i)) : c;
                final byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                append(utf8, 0, utf8.length);
            }
        }
        return append((byte) '"');
    }
}
