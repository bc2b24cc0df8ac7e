package dev.orderbook.contract.summary;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;

/**
 * Exact spread arithmetic on fixed-point prices, in integers only, so every run on every JVM gives the same digits.
 * Stateless and thread-safe.
 */
public final class SpreadMath {
    /** Basis points are reported with this many decimal places. */
    public static final int BPS_DECIMALS = 4;
    private static final long BPS_E4_PER_UNIT = 100_000_000L; // 10^4 bps per unit * 10^4 decimal places

    private SpreadMath() {
    }

    /** Returned by {@link #spreadBpsE4} when the value does not fit a long (absurdly crossed books only). */
    public static final long DOES_NOT_FIT = Long.MIN_VALUE;

    /**
     * The spread relative to the ask, in units of 0.0001 basis point, rounded half-up (that is, away from zero):
     * {@code round((ask - bid) / ask * 10^4 * 10^4)}. Negative for a crossed book. An uncrossed book always fits
     * (below 10^8); a crossed one whose bid is more than ~9*10^10 times its ask does not: then
     * {@link #DOES_NOT_FIT}, and {@link #spreadBpsExact} gives the value.
     *
     * @param bidTicks best bid, {@code > 0}
     * @param askTicks best ask, {@code > 0}
     */
    public static long spreadBpsE4(final long bidTicks, final long askTicks) {
        if (askTicks <= 0 || bidTicks <= 0) {
            throw new IllegalArgumentException("prices must be positive: bid=" + bidTicks + " ask=" + askTicks);
        }
        final long spread = askTicks - bidTicks;
        final long magnitude = Math.abs(spread);
        final long result;
        if (magnitude <= Long.MAX_VALUE / BPS_E4_PER_UNIT) {
            result = divideRoundHalfUp(magnitude * BPS_E4_PER_UNIT, askTicks);
        } else {
            final BigInteger[] qr = BigInteger.valueOf(magnitude).multiply(BigInteger.valueOf(BPS_E4_PER_UNIT))
                    .divideAndRemainder(BigInteger.valueOf(askTicks));
            final boolean up = qr[1].shiftLeft(1).compareTo(BigInteger.valueOf(askTicks)) >= 0;
            final BigInteger rounded = up ? qr[0].add(BigInteger.ONE) : qr[0];
            if (rounded.bitLength() > 62) {
                return DOES_NOT_FIT;
            }
            result = rounded.longValue();
        }
        return spread < 0 ? -result : result;
    }

    /** The spread in basis points as an exact decimal string, rounded half-up to 4 places; any size. */
    public static String spreadBpsExact(final long bidTicks, final long askTicks) {
        return new BigDecimal(BigInteger.valueOf(askTicks).subtract(BigInteger.valueOf(bidTicks)))
                .multiply(BigDecimal.valueOf(10_000))
                .divide(new BigDecimal(askTicks), BPS_DECIMALS, RoundingMode.HALF_UP)
                .stripTrailingZeros().toPlainString();
    }

    private static long divideRoundHalfUp(final long dividend, final long divisor) {
        final long q = dividend / divisor;
        final long r = dividend - q * divisor;
        return r >= divisor - r ? q + 1 : q;
    }

    /**
     * True if the spread exceeds {@code thresholdBpsE4} (0.0001 bp units) exactly, without rounding:
     * {@code (ask - bid) * 10^8 > threshold * ask}, compared in 128 bits. Allocates nothing.
     */
    public static boolean spreadExceeds(final long bidTicks, final long askTicks, final long thresholdBpsE4) {
        final long spread = askTicks - bidTicks;
        if (spread <= 0) {
            return false;
        }
        if (thresholdBpsE4 < 0) {
            return true;
        }
        return compareUnsignedProducts(spread, BPS_E4_PER_UNIT, thresholdBpsE4, askTicks) > 0;
    }

    /** Compares {@code a*b} with {@code c*d} for non-negative longs, exactly. */
    static int compareUnsignedProducts(final long a, final long b, final long c, final long d) {
        final long hi1 = Math.multiplyHigh(a, b);
        final long hi2 = Math.multiplyHigh(c, d);
        if (hi1 != hi2) {
            return Long.compare(hi1, hi2);
        }
        return Long.compareUnsigned(a * b, c * d);
    }
}
