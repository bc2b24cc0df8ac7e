package dev.orderbook.codec.io;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * SWAR ("SIMD within a register") byte scanning: eight bytes of a {@code byte[]} read as one little-endian
 * {@code long} and tested at once, for the hot loops that look for a few special bytes in long runs of ordinary ones
 * (newlines in a feed file, quotes and backslashes in JSON strings).
 *
 * <p>The tests return a mask with bit 7 of each flagged byte set. Only the <em>lowest</em> flagged byte is exact
 * (a borrow can flag a byte above a true match, never one below), so callers take
 * {@link #firstByte(long)} and nothing else.
 *
 * <p>Stateless and thread-safe.
 */
public final class Swar {
    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long ONES = 0x0101010101010101L;
    private static final long HIGH_BITS = 0x8080808080808080L;

    private Swar() {
    }

    /** The eight bytes {@code bytes[at, at+8)} as a little-endian long (byte {@code at} lowest). Bounds-checked. */
    public static long readLong(final byte[] bytes, final int at) {
        return (long) LONG_LE.get(bytes, at);
    }

    /** {@code value} in every byte of a long, for {@link #equalTo}. */
    public static long broadcast(final byte value) {
        return (value & 0xFFL) * ONES;
    }

    /** Flags the bytes of {@code word} equal to the byte broadcast in {@code pattern}; 0 if none. */
    public static long equalTo(final long word, final long pattern) {
        final long x = word ^ pattern;
        return (x - ONES) & ~x & HIGH_BITS;
    }

    /** Flags the bytes of {@code word} in 0x00..0x1F (JSON's control characters); 0 if none. */
    public static long controlChars(final long word) {
        return below(word, 0x2020202020202020L);
    }

    /**
     * Flags the bytes of {@code word} below the byte {@code n} broadcast in {@code limit} (0 < n <= 0x80), bytes
     * 0x80..0xFF never; 0 if none.
     */
    public static long below(final long word, final long limit) {
        return (word - limit) & ~word & HIGH_BITS;
    }

    /**
     * The lowest set bit of the 128-bit mask {@code high:low} (0..127), or 128 if both are zero; without a branch
     * on which word holds it.
     */
    public static int firstBit(final long low, final long high) {
        final int inLow = Long.numberOfTrailingZeros(low);
        // inLow is 64 exactly when low is 0; only then does high count.
        return inLow + (Long.numberOfTrailingZeros(high) & -(inLow >>> 6));
    }

    /** Index (0..7) of the lowest flagged byte of a non-zero mask. */
    public static int firstByte(final long mask) {
        return Long.numberOfTrailingZeros(mask) >>> 3;
    }
}
