package dev.orderbook.simulator.market.protocol;

import dev.orderbook.codec.decimal.Decimals;

import java.util.SplittableRandom;

/**
 * Spells fixed-point prices and sizes the several ways real Coinbase traffic does: prices mostly with the
 * product's decimals ({@code "65000.10"}), sometimes shortest ({@code "65000.1"}) or padded to 8 decimals; sizes
 * shortest ({@code "0.5"}) or at full scale ({@code "0.50000000"}); zero as {@code "0"}, {@code "0.0"},
 * {@code "0.00"} or {@code "0.00000000"}. Every spelling has the exact value.
 *
 * <p>Deterministic given its random source; not thread-safe.
 */
final class WireDecimals {
    /** The spellings of a zero size seen in real traffic. */
    static final String[] ZERO_SPELLINGS = {"0", "0.0", "0.00", "0.00000000"};

    private static final int PRICE_SHORTEST_PERCENT = 10;
    private static final int PRICE_PADDED_PERCENT = 5;
    private static final int SIZE_FIXED_PERCENT = 50;
    private static final int PADDED_DECIMALS = 8;

    private final SplittableRandom random;

    WireDecimals(final SplittableRandom random) {
        this.random = random;
    }

    /** Appends a price given in ticks at {@code scale}, in one of the price spellings. */
    void appendPrice(final StringBuilder out, final long priceTicks, final int scale) {
        final int roll = random.nextInt(100);
        if (roll < PRICE_SHORTEST_PERCENT) {
            Decimals.appendTo(out, priceTicks, scale);
        } else if (roll < PRICE_SHORTEST_PERCENT + PRICE_PADDED_PERCENT) {
            appendFixed(out, priceTicks, scale, Math.max(scale, PADDED_DECIMALS));
        } else {
            appendFixed(out, priceTicks, scale, scale);
        }
    }

    /** Appends a size given in lots at {@code scale}, in one of the size (or zero) spellings. */
    void appendSize(final StringBuilder out, final long sizeLots, final int scale) {
        if (sizeLots == 0) {
            out.append(ZERO_SPELLINGS[random.nextInt(ZERO_SPELLINGS.length)]);
        } else if (random.nextInt(100) < SIZE_FIXED_PERCENT) {
            appendFixed(out, sizeLots, scale, scale);
        } else {
            Decimals.appendTo(out, sizeLots, scale);
        }
    }

    /**
     * Appends non-negative {@code value} at {@code scale} with exactly {@code decimals >= scale} fraction digits
     * (no point when {@code decimals} is 0).
     */
    static void appendFixed(final StringBuilder out, final long value, final int scale, final int decimals) {
        final long factor = Decimals.pow10(scale);
        out.append(value / factor);
        if (decimals == 0) {
            return;
        }
        out.append('.');
        if (scale > 0) {
            final long fraction = value % factor;
            for (int digit = scale - 1; digit > 0 && fraction < Decimals.pow10(digit); digit--) {
                out.append('0');
            }
            out.append(fraction);
        }
        for (int i = scale; i < decimals; i++) {
            out.append('0');
        }
    }

    /**
     * The same value in an exponent form Coinbase never sends, with an integer mantissa so that any decimal parser
     * meets the exponent before anything else it might object to: {@code 65000.01} at scale 2 as
     * {@code 6500001E-2}, {@code 150.00} as {@code 15E1}. {@code value} must be positive.
     */
    static void appendExponentForm(final StringBuilder out, final long value, final int scale) {
        if (value <= 0) {
            throw new IllegalArgumentException("exponent form needs a positive value, was " + value);
        }
        long mantissa = value;
        int exponent = -scale;
        while (mantissa % 10 == 0) {
            mantissa /= 10;
            exponent++;
        }
        out.append(mantissa).append('E').append(exponent);
    }
}
