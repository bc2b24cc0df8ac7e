package dev.orderbook.codec.decimal;

import dev.orderbook.codec.io.Swar;

/**
 * Fixed-point decimals held in a {@code long}: a value {@code v} at scale {@code s} is the integer
 * {@code v * 10^s}. Parses exchange decimal strings straight from bytes and formats them back exactly,
 * allocating nothing (the {@link CharSequence} and {@link String} conveniences excepted).
 *
 * <p>Parsing never throws on bad input: it returns a negative error code (see {@link DecimalError}), since
 * every valid price or size is non-negative. Accepted syntax is the exchange's: digits, optionally a point
 * and more digits ({@code "65000.01"}, {@code "0.00000000"}, {@code ".5"} and {@code "5."} are rejected as
 * malformed). Signs, exponents, {@code NaN}, {@code Infinity}, blanks and more fraction digits than the scale
 * holds (unless they are trailing zeros) are errors, never rounded away.
 *
 * <p>Stateless and thread-safe.
 */
public final class Decimals {
    /** Largest supported scale: 10^18 still fits a {@code long}. */
    public static final int MAX_SCALE = 18;

    private static final long[] POW10 = new long[19];
    private static final long MAX_DIV_10 = Long.MAX_VALUE / 10;
    private static final int MAX_LAST_DIGIT = (int) (Long.MAX_VALUE % 10);
    private static final long NOT_HANDLED = Long.MIN_VALUE;
    private static final long DOTS = Swar.broadcast((byte) '.');
    private static final long ZEROS = Swar.broadcast((byte) '0');
    // HIGH_BITS_BELOW[n]: bit 7 of each of the lowest n bytes; TOP_BYTES[n]: all bits of the highest n bytes.
    private static final long[] HIGH_BITS_BELOW = new long[9];
    private static final long[] TOP_BYTES = new long[9];

    static {
        for (int n = 1; n <= 8; n++) {
            HIGH_BITS_BELOW[n] = 0x8080808080808080L & (-1L >>> ((8 - n) * Byte.SIZE));
            TOP_BYTES[n] = -1L << ((8 - n) * Byte.SIZE);
        }
    }

    static {
        long p = 1;
        for (int i = 0; i < POW10.length; i++) {
            POW10[i] = p;
            p *= 10;
        }
    }

    private Decimals() {
    }

    /** Throws {@link IllegalArgumentException} unless {@code 0 <= scale <= MAX_SCALE}. */
    public static void checkScale(final int scale) {
        if (scale < 0 || scale > MAX_SCALE) {
            throw new IllegalArgumentException("scale must be 0.." + MAX_SCALE + ", was " + scale);
        }
    }

    /** {@code 10^n} for {@code 0 <= n <= 18}. */
    public static long pow10(final int n) {
        return POW10[n];
    }

    /** True if {@code result} of a parse method is an error code rather than a value. */
    public static boolean isError(final long result) {
        return result < 0;
    }

    /**
     * Parses a non-negative decimal from ASCII bytes {@code bytes[offset, offset+length)} at {@code scale}.
     *
     * @return the fixed-point value ({@code >= 0}), or a negative {@link DecimalError} code
     */
    public static long parse(final byte[] bytes, final int offset, final int length, final int scale) {
        // Fastest path, for the usual decimal inside a larger buffer: up to 8 integer and 8 fraction digits read
        // eight bytes at a time, without a branch per digit. Anything else is left to the paths below.
        if (length > 0 && length <= 2 * Long.BYTES + 1 && offset >= Long.BYTES
                && bytes.length - offset >= 2 * Long.BYTES) {
            final long value = parseEightByEight(bytes, offset, length, scale);
            if (value != NOT_HANDLED) {
                return value;
            }
        }
        return parseByteByByte(bytes, offset, length, scale);
    }

    /** {@link #parse(byte[], int, int, int)} without its eight-byte path; the reference its tests compare with. */
    static long parseByteByByte(final byte[] bytes, final int offset, final int length, final int scale) {
        // Fast path: at most 18 characters cannot overflow a long while accumulating, so no per-digit checks.
        // Anything unusual (sign, exponent, second point, too many decimals) falls through to the full parser.
        if (length > 0 && length <= 18) {
            final int end = offset + length;
            long value = 0;
            int point = -1;
            for (int i = offset; i < end; i++) {
                final int d = bytes[i] - '0';
                if (d >= 0 && d <= 9) {
                    value = value * 10 + d;
                } else if (bytes[i] == '.' && point < 0 && i > offset && i < end - 1) {
                    point = i;
                } else {
                    return parseChecked(bytes, offset, length, scale);
                }
            }
            final int fracDigits = point < 0 ? 0 : end - point - 1;
            if (fracDigits <= scale) {
                return scaleUp(value, scale - fracDigits);
            }
        }
        return parseChecked(bytes, offset, length, scale);
    }

    /**
     * {@code digits[.digits]} with at most 8 digits on each side of the point, as the byte-by-byte fast path below
     * would parse it; {@link #NOT_HANDLED} for any other text (and for more fraction digits than the scale), which
     * the byte-by-byte paths then judge. Needs 8 readable bytes before {@code offset} and 16 from it.
     */
    private static long parseEightByEight(final byte[] bytes, final int offset, final int length, final int scale) {
        // The first '.' among the text's bytes (a borrow can only flag bytes above a true match). Written without
        // branches on the length or the point's place, which vary from one decimal to the next.
        final long dots0 = Swar.equalTo(Swar.readLong(bytes, offset), DOTS) & HIGH_BITS_BELOW[Math.min(length, 8)];
        final long dots1 = Swar.equalTo(Swar.readLong(bytes, offset + Long.BYTES), DOTS)
                & HIGH_BITS_BELOW[Math.max(0, Math.min(length - Long.BYTES, 8))];
        // 16 when there is no point among the first 16 bytes.
        final int point = Swar.firstBit(dots0, dots1) >>> 3;
        final int intDigits = Math.min(point, length);
        final int fracDigits = Math.max(0, length - point - 1);
        if (intDigits == 0 || intDigits > Long.BYTES || fracDigits > Long.BYTES || point == length - 1
                || fracDigits > scale) {
            return NOT_HANDLED;
        }
        final long whole = eightDigits(bytes, offset + intDigits, intDigits);
        final long frac = eightDigits(bytes, offset + length, fracDigits);
        if (whole < 0 || frac < 0) {
            return NOT_HANDLED;
        }
        return scaleUp(whole * POW10[fracDigits] + frac, scale - fracDigits);
    }

    /**
     * The value of the {@code n} (0..8) ASCII digits ending just before {@code end}, or -1 if one is not a digit.
     * Reads the eight bytes before {@code end} and treats the ones before the digits as leading zeros.
     */
    private static long eightDigits(final byte[] bytes, final int end, final int n) {
        final long keep = TOP_BYTES[n];
        final long word = (Swar.readLong(bytes, end - Long.BYTES) & keep) | (ZEROS & ~keep);
        // Every byte 0x30..0x39: high nibble 3, and still 3 after adding 6.
        if ((word & 0xF0F0F0F0F0F0F0F0L) != ZEROS
                || ((word + 0x0606060606060606L) & 0xF0F0F0F0F0F0F0F0L) != ZEROS) {
            return -1;
        }
        // Lemire's eight-digit conversion: pairs, then quads, then the whole; the first digit is the lowest byte.
        long v = word & 0x0F0F0F0F0F0F0F0FL;
        v = (v * 2561) >>> 8;
        v = ((v & 0x00FF00FF00FF00FFL) * 6553601) >>> 16;
        return ((v & 0x0000FFFF0000FFFFL) * 42949672960001L) >>> 32;
    }

    private static long parseChecked(final byte[] bytes, final int offset, final int length, final int scale) {
        if (length <= 0) {
            return DecimalError.EMPTY.code();
        }
        final int end = offset + length;
        long value = 0;
        int i = offset;
        int intDigits = 0;
        byte c = bytes[i];
        if (c == '-') {
            return DecimalError.NEGATIVE.code();
        }
        while (i < end && (c = bytes[i]) >= '0' && c <= '9') {
            if (value > MAX_DIV_10 || (value == MAX_DIV_10 && c - '0' > MAX_LAST_DIGIT)) {
                return DecimalError.OVERFLOW.code();
            }
            value = value * 10 + (c - '0');
            intDigits++;
            i++;
        }
        if (intDigits == 0) {
            return classify((char) c);
        }
        int fracDigits = 0;
        if (i < end) {
            if (bytes[i] != '.') {
                return classify((char) bytes[i]);
            }
            i++;
            if (i == end) {
                return DecimalError.MALFORMED.code();
            }
            while (i < end && (c = bytes[i]) >= '0' && c <= '9') {
                if (fracDigits < scale) {
                    if (value > MAX_DIV_10 || (value == MAX_DIV_10 && c - '0' > MAX_LAST_DIGIT)) {
                        return DecimalError.OVERFLOW.code();
                    }
                    value = value * 10 + (c - '0');
                    fracDigits++;
                } else if (c != '0') {
                    return DecimalError.TOO_PRECISE.code();
                }
                i++;
            }
            if (i < end) {
                return classify((char) bytes[i]);
            }
        }
        return scaleUp(value, scale - fracDigits);
    }

    /**
     * Parses a {@link CharSequence} by copying it to bytes and calling {@link #parse(byte[], int, int, int)};
     * allocates, so it is for use off the hot path (configuration, tests). A char outside ASCII cannot be part
     * of a valid decimal, so it is copied as {@code '?'}, which the parser rejects as malformed.
     */
    public static long parse(final CharSequence text, final int scale) {
        final byte[] bytes = new byte[text.length()];
        for (int i = 0; i < bytes.length; i++) {
            final char c = text.charAt(i);
            bytes[i] = c < 0x80 ? (byte) c : (byte) '?';
        }
        return parse(bytes, 0, bytes.length, scale);
    }

    /**
     * Parses or throws; for configuration and tests, never the hot path.
     *
     * @throws IllegalArgumentException with the reason, if {@code text} is not a valid decimal at {@code scale}
     */
    public static long parseOrThrow(final CharSequence text, final int scale) {
        final long v = parse(text, scale);
        if (v < 0) {
            throw new IllegalArgumentException(DecimalError.ofCode(v).reason() + ": \"" + text + "\"");
        }
        return v;
    }

    private static long scaleUp(final long value, final int missingDigits) {
        if (missingDigits == 0) {
            return value;
        }
        final long factor = POW10[missingDigits];
        if (value > Long.MAX_VALUE / factor) {
            return DecimalError.OVERFLOW.code();
        }
        return value * factor;
    }

    private static long classify(final char c) {
        switch (c) {
            case '-':
                return DecimalError.NEGATIVE.code();
            case 'e':
            case 'E':
                return DecimalError.EXPONENT.code();
            case 'N':
            case 'n':
            case 'I':
            case 'i':
                return DecimalError.NOT_A_NUMBER.code();
            default:
                return DecimalError.MALFORMED.code();
        }
    }

    /**
     * Appends the shortest exact decimal form of {@code value} at {@code scale}: no trailing fraction zeros, no
     * point for whole numbers ({@code 0.5}, {@code 65000.01}, {@code 3}). Negative values get a leading minus.
     */
    public static StringBuilder appendTo(final StringBuilder out, final long value, final int scale) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                throw new IllegalArgumentException("cannot format Long.MIN_VALUE");
            }
            out.append('-');
            return appendTo(out, -value, scale);
        }
        final long factor = POW10[scale];
        final long whole = value / factor;
        long frac = value - whole * factor;
        out.append(whole);
        if (frac != 0) {
            int digits = scale;
            while (frac % 10 == 0) {
                frac /= 10;
                digits--;
            }
            out.append('.');
            for (int d = digits - 1; d >= 0 && frac < POW10[d]; d--) {
                out.append('0');
            }
            out.append(frac);
        }
        return out;
    }

    /** The shortest exact decimal form, as a String. Allocates; for output and tests. */
    public static String toString(final long value, final int scale) {
        return appendTo(new StringBuilder(24), value, scale).toString();
    }
}
