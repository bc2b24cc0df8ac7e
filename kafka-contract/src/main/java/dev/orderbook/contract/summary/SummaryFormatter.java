package dev.orderbook.contract.summary;

import dev.orderbook.codec.io.ByteSink;
import dev.orderbook.contract.summary.BookState;
import dev.orderbook.codec.model.Product;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;

/**
 * Writes the summary JSON of shared/DESIGN.md (schema: {@code schema/orderbook-summary-v1.schema.json}) straight
 * from fixed-point values into a {@link ByteSink}: the one formatter the offline replay and the streaming processor
 * share, so the same book gives byte-identical output everywhere. Field order is fixed; prices, sizes, spread and mid
 * are exact decimal strings; {@code microprice} is rounded half-up to the price scale and {@code imbalance} to 4
 * decimal places; absent values (an empty side, no exchange time) are JSON {@code null}.
 *
 * <p>Stateless and thread-safe; allocates nothing except in overflow fallbacks that need prices above ~9*10^8 at
 * scale 10.
 */
public final class SummaryFormatter {
    // The fixed parts of the summary, encoded once.
    private static final byte[] PRODUCT_ID = ascii("{\"product_id\":\"");
    private static final byte[] TIME = ascii("\",\"time\":");
    private static final byte[] NULL = ascii("null");
    private static final byte[] BID_PRICE = ascii(",\"bid_price\":");
    private static final byte[] BID_SIZE = ascii(",\"bid_size\":");
    private static final byte[] ASK_PRICE = ascii(",\"ask_price\":");
    private static final byte[] ASK_SIZE = ascii(",\"ask_size\":");
    private static final byte[] SPREAD = ascii(",\"spread\":\"");
    private static final byte[] SPREAD_BPS = ascii("\",\"spread_bps\":");
    private static final byte[] MID = ascii(",\"mid\":\"");
    private static final byte[] NO_SPREAD = ascii(",\"spread\":null,\"spread_bps\":null,\"mid\":null");
    private static final byte[] BID_LEVELS = ascii(",\"bid_levels\":");
    private static final byte[] ASK_LEVELS = ascii(",\"ask_levels\":");
    private static final byte[] STATE = ascii(",\"state\":\"");
    private static final byte[] MICROPRICE = ascii(",\"microprice\":\"");
    private static final byte[] IMBALANCE = ascii("\",\"imbalance\":");
    private static final byte[] NO_MICROPRICE = ascii(",\"microprice\":null,\"imbalance\":null");
    private static final byte[] STATE_REASON = ascii(",\"state_reason\":");

    private SummaryFormatter() {
    }

    /**
     * Appends one summary object (no line terminator).
     *
     * @param bidPriceTicks best bid, or {@code <= 0} when the bid side is empty
     * @param askPriceTicks best ask, or {@code <= 0} when the ask side is empty
     * @param time the exchange's time of the message that produced this state, verbatim; null for none
     * @param reason why the book is not live; null when it is
     */
    public static void write(final ByteSink out, final Product product, final CharSequence time,
                             final long bidPriceTicks, final long bidSizeLots,
                             final long askPriceTicks, final long askSizeLots,
                             final int bidLevels, final int askLevels, final BookState state,
                             final StateReason reason) {
        final int ps = product.priceScale();
        final int ss = product.sizeScale();
        final boolean hasBid = bidPriceTicks > 0;
        final boolean hasAsk = askPriceTicks > 0;
        out.appendAscii(PRODUCT_ID).appendAscii(product.id()).appendAscii(TIME);
        if (time == null) {
            out.appendAscii(NULL);
        } else {
            out.appendJsonString(time);
        }
        out.appendAscii(BID_PRICE);
        decimalOrNull(out, hasBid, bidPriceTicks, ps);
        out.appendAscii(BID_SIZE);
        decimalOrNull(out, hasBid, bidSizeLots, ss);
        out.appendAscii(ASK_PRICE);
        decimalOrNull(out, hasAsk, askPriceTicks, ps);
        out.appendAscii(ASK_SIZE);
        decimalOrNull(out, hasAsk, askSizeLots, ss);
        if (hasBid && hasAsk) {
            out.appendAscii(SPREAD).appendDecimal(askPriceTicks - bidPriceTicks, ps).appendAscii(SPREAD_BPS);
            final long bpsE4 = SpreadMath.spreadBpsE4(bidPriceTicks, askPriceTicks);
            if (bpsE4 == SpreadMath.DOES_NOT_FIT) {
                out.appendAscii(SpreadMath.spreadBpsExact(bidPriceTicks, askPriceTicks));
            } else {
                out.appendDecimal(bpsE4, SpreadMath.BPS_DECIMALS);
            }
            out.appendAscii(MID);
            appendMid(out, bidPriceTicks, askPriceTicks, ps);
            out.append((byte) '"');
        } else {
            out.appendAscii(NO_SPREAD);
        }
        out.appendAscii(BID_LEVELS).append(bidLevels)
                .appendAscii(ASK_LEVELS).append(askLevels)
                .appendAscii(STATE).appendAscii(state.wireName()).append((byte) '"');
        // Added after the first version's fields (fields are only ever added, at the end).
        if (hasBid && hasAsk && bidSizeLots >= 0 && askSizeLots >= 0 && (bidSizeLots > 0 || askSizeLots > 0)) {
            out.appendAscii(MICROPRICE);
            appendMicroprice(out, bidPriceTicks, bidSizeLots, askPriceTicks, askSizeLots, ps);
            out.appendAscii(IMBALANCE);
            appendImbalance(out, bidSizeLots, askSizeLots);
        } else {
            out.appendAscii(NO_MICROPRICE);
        }
        out.appendAscii(STATE_REASON);
        if (reason == null) {
            out.appendAscii(NULL);
        } else {
            out.append((byte) '"').appendAscii(reason.wireBytes()).append((byte) '"');
        }
        out.append((byte) '}');
    }

    /**
     * The size-weighted microprice {@code (bid * askSize + ask * bidSize) / (bidSize + askSize)}, computed as
     * {@code bid + (ask - bid) * bidSize / (bidSize + askSize)} and rounded half-up (away from zero) to the price
     * scale. Integers only; falls back to {@link BigInteger} when the product does not fit a long.
     */
    static void appendMicroprice(final ByteSink out, final long bid, final long bidSize, final long ask,
                                 final long askSize, final int scale) {
        final long spread = ask - bid;
        final long total = bidSize + askSize;
        final long hi = Math.multiplyHigh(spread, bidSize);
        final long lo = spread * bidSize;
        long offset = SpreadMath.DOES_NOT_FIT;
        if (total > 0 && hi == (lo >> 63)) {
            offset = divideRoundHalfUp(lo, total);
        } else if (total > 0 && bidSize >= 0 && spread != Long.MIN_VALUE) {
            // Wide spreads times large sizes pass 2^63 at scale 10 (a $1 spread times 10 coins); exact in 128 bits.
            final long magnitude = multiplyDivideRoundHalfUp(Math.abs(spread), bidSize, total);
            offset = magnitude == SpreadMath.DOES_NOT_FIT ? SpreadMath.DOES_NOT_FIT : spread < 0 ? -magnitude : magnitude;
        }
        if (offset != SpreadMath.DOES_NOT_FIT) {
            final long micro = bid + offset;
            if (((bid ^ micro) & (offset ^ micro)) >= 0) { // no overflow
                out.appendDecimal(micro, scale);
                return;
            }
        }
        final BigInteger total2 = BigInteger.valueOf(bidSize).add(BigInteger.valueOf(askSize));
        final BigDecimal exactOffset = new BigDecimal(BigInteger.valueOf(spread).multiply(BigInteger.valueOf(bidSize)))
                .divide(new BigDecimal(total2), 0, RoundingMode.HALF_UP);
        final BigDecimal micro = new BigDecimal(BigInteger.valueOf(bid).add(exactOffset.toBigIntegerExact()), scale);
        out.appendAscii(micro.stripTrailingZeros().toPlainString());
    }

    /**
     * Top-level size imbalance {@code (bidSize - askSize) / (bidSize + askSize)}, from -1 (all ask) to 1 (all bid),
     * rounded half-up (away from zero) to {@link SpreadMath#BPS_DECIMALS} decimal places, as a JSON number.
     */
    static void appendImbalance(final ByteSink out, final long bidSize, final long askSize) {
        final long diff = bidSize - askSize;
        final long total = bidSize + askSize;
        final long factor = 10_000L;
        if (total > 0 && Math.abs(diff) <= Long.MAX_VALUE / factor) {
            out.appendDecimal(divideRoundHalfUp(diff * factor, total), SpreadMath.BPS_DECIMALS);
            return;
        }
        final BigDecimal value = new BigDecimal(BigInteger.valueOf(bidSize).subtract(BigInteger.valueOf(askSize)))
                .divide(new BigDecimal(BigInteger.valueOf(bidSize).add(BigInteger.valueOf(askSize))),
                        SpreadMath.BPS_DECIMALS, RoundingMode.HALF_UP);
        out.appendAscii(value.signum() == 0 ? "0" : value.stripTrailingZeros().toPlainString());
    }

    /**
     * {@code a * b / divisor} rounded half up, exactly, for {@code a, b >= 0} and {@code divisor > 0} whose product
     * may pass 64 bits; {@link SpreadMath#DOES_NOT_FIT} if the quotient does not fit a long or the double estimate below is
     * too far off to correct (then the caller computes with BigInteger).
     */
    static long multiplyDivideRoundHalfUp(final long a, final long b, final long divisor) {
        final double estimate = (double) a * (double) b / (double) divisor;
        if (!(estimate < 9.0e18)) {
            return SpreadMath.DOES_NOT_FIT;
        }
        long q = (long) estimate;
        // r = a * b - q * divisor, in 128 bits; it is small when the estimate is close.
        final long productHi = Math.multiplyHigh(a, b);
        final long productLo = a * b;
        final long qdHi = Math.multiplyHigh(q, divisor);
        final long qdLo = q * divisor;
        final long rLo = productLo - qdLo;
        final long rHi = productHi - qdHi - (Long.compareUnsigned(productLo, qdLo) < 0 ? 1 : 0);
        if (rHi != (rLo >> 63)) {
            return SpreadMath.DOES_NOT_FIT;
        }
        long r = rLo;
        for (int i = 0; i < 4 && r < 0; i++) {
            q--;
            r += divisor;
        }
        for (int i = 0; i < 4 && r >= divisor; i++) {
            q++;
            r -= divisor;
        }
        if (r < 0 || r >= divisor) {
            return SpreadMath.DOES_NOT_FIT;
        }
        return r >= divisor - r ? q + 1 : q;
    }

    /** {@code dividend / divisor} rounded half away from zero; {@code divisor > 0}. */
    private static long divideRoundHalfUp(final long dividend, final long divisor) {
        final long q = dividend / divisor;
        final long r = Math.abs(dividend - q * divisor);
        if (r >= divisor - r) {
            return dividend < 0 ? q - 1 : q + 1;
        }
        return q;
    }

    private static byte[] ascii(final String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static void decimalOrNull(final ByteSink out, final boolean present, final long value, final int scale) {
        if (present) {
            out.append((byte) '"').appendDecimal(value, scale).append((byte) '"');
        } else {
            out.appendAscii(NULL);
        }
    }

    /** The exact midpoint, one decimal place finer than the price scale when needed. */
    static void appendMid(final ByteSink out, final long bid, final long ask, final int scale) {
        final long sum = bid + ask;
        if (((bid ^ sum) & (ask ^ sum)) >= 0) { // no overflow
            if ((sum & 1) == 0) {
                out.appendDecimal(sum / 2, scale);
                return;
            }
            if (scale < 18 && sum <= Long.MAX_VALUE / 5) {
                out.appendDecimal(sum * 5, scale + 1);
                return;
            }
        }
        final BigDecimal mid = new BigDecimal(BigInteger.valueOf(bid).add(BigInteger.valueOf(ask)), scale)
                .divide(BigDecimal.valueOf(2));
        out.appendAscii(mid.stripTrailingZeros().toPlainString());
    }
}
