package dev.orderbook.book.engine;

import dev.orderbook.codec.decimal.Decimals;
import dev.orderbook.contract.summary.SpreadMath;

import java.util.HashMap;
import java.util.Map;

/**
 * Spread-alert thresholds in basis points of the ask: a default (10 bps = 0.1%) and per-product overrides.
 * Immutable and thread-safe.
 */
public final class AlertThresholds {
    /** 0.1% of the ask. */
    public static final String DEFAULT_BPS = "10";

    private final long defaultBpsE4;
    private final Map<String, Long> perProductBpsE4;

    private AlertThresholds(final long defaultBpsE4, final Map<String, Long> perProductBpsE4) {
        this.defaultBpsE4 = defaultBpsE4;
        this.perProductBpsE4 = Map.copyOf(perProductBpsE4);
    }

    public static AlertThresholds defaults() {
        return of(DEFAULT_BPS, Map.of());
    }

    /**
     * @param defaultBps decimal basis points, for example {@code "10"} or {@code "2.5"}
     * @param perProductBps product id to decimal basis points
     * @throws IllegalArgumentException if a value is not a non-negative decimal with at most 4 decimal places
     */
    public static AlertThresholds of(final String defaultBps, final Map<String, String> perProductBps) {
        final Map<String, Long> parsed = new HashMap<>();
        perProductBps.forEach((product, bps) -> parsed.put(product, parseBps(bps, "alert threshold for " + product)));
        return new AlertThresholds(parseBps(defaultBps, "default alert threshold"), parsed);
    }

    private static long parseBps(final String bps, final String what) {
        try {
            return Decimals.parseOrThrow(bps.trim(), SpreadMath.BPS_DECIMALS);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " must be basis points like 10 or 2.5: " + e.getMessage(), e);
        }
    }

    /** The threshold for a product, in 0.0001 bp units. */
    public long bpsE4For(final String productId) {
        final Long v = perProductBpsE4.get(productId);
        return v == null ? defaultBpsE4 : v;
    }

    @Override
    public String toString() {
        return "AlertThresholds[default=" + Decimals.toString(defaultBpsE4, 4) + "bps, overrides=" + perProductBpsE4
                + "]";
    }
}
