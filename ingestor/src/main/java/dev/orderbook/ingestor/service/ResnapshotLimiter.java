package dev.orderbook.ingestor.service;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps snapshot requests from the control topic within Coinbase's limits (COINBASE.md: about 100 client messages
 * per second, 10 subscriptions per product and channel; each resnapshot costs an unsubscribe and a subscribe): at most
 * one resnapshot per product per {@code perProduct}, and at most {@code perSecond} in all (a token bucket that holds
 * one second's worth). A request refused now is not queued: the book asks again after its retry interval if it still
 * needs one.
 *
 * <p>Single thread (the leadership thread).
 */
final class ResnapshotLimiter {
    private final long perProductNs;
    private final double perSecond;
    private final Map<String, Long> lastNs = new HashMap<>();
    private double tokens;
    private long refilledNs;

    ResnapshotLimiter(final Duration perProduct, final int perSecond) {
        if (perProduct.isNegative() || perSecond < 1) {
            throw new IllegalArgumentException("per-product interval must be >= 0 and per-second limit >= 1");
        }
        this.perProductNs = perProduct.toNanos();
        this.perSecond = perSecond;
        this.tokens = perSecond;
        this.refilledNs = System.nanoTime();
    }

    /** Whether a resnapshot of {@code productId} may go out at {@code nowNs}; if so, it is counted. */
    boolean tryAcquire(final String productId, final long nowNs) {
        tokens = Math.min(perSecond, tokens + (nowNs - refilledNs) * perSecond / 1e9);
        refilledNs = nowNs;
        final Long last = lastNs.get(productId);
        if (last != null && nowNs - last < perProductNs) {
            return false;
        }
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        lastNs.put(productId, nowNs);
        return true;
    }
}
