package dev.orderbook.benchmarks;

import java.util.Arrays;

import dev.orderbook.codec.model.Side;

/**
 * Baseline for the benchmarks: the plain structure STYLE.md suggests, one sorted {@code long[]} of keys and one of
 * sizes, best level at the tail, updated with {@link Arrays#binarySearch(long[], int, int, long)} and
 * {@link System#arraycopy}. Keys are normalised like {@code BookSide}'s (ask key = -price) so both sides share the
 * code. Not for production use: fixed capacity, no validation.
 *
 * <p>Single thread; not thread-safe.
 */
public final class SortedArrayBookSide {
    private final long signMask;
    private final long[] keys;
    private final long[] sizes;
    private int levels;

    public SortedArrayBookSide(final Side side, final int capacity) {
        this.signMask = side == Side.ASK ? -1L : 0L;
        this.keys = new long[capacity];
        this.sizes = new long[capacity];
    }

    /** Applies a change; returns whether the best level changed. */
    public boolean apply(final long priceTicks, final long sizeLots) {
        final long key = (priceTicks ^ signMask) - signMask;
        final int n = levels;
        final int p = Arrays.binarySearch(keys, 0, n, key);
        if (p >= 0) {
            if (sizeLots != 0) {
                sizes[p] = sizeLots;
            } else {
                System.arraycopy(keys, p + 1, keys, p, n - p - 1);
                System.arraycopy(sizes, p + 1, sizes, p, n - p - 1);
                levels = n - 1;
            }
            return p == n - 1;
        }
        if (sizeLots == 0) {
            return false;
        }
        final int at = -p - 1;
        System.arraycopy(keys, at, keys, at + 1, n - at);
        System.arraycopy(sizes, at, sizes, at + 1, n - at);
        keys[at] = key;
        sizes[at] = sizeLots;
        levels = n + 1;
        return at == n;
    }

    public long bestPrice() {
        return levels == 0 ? Long.MIN_VALUE : (keys[levels - 1] ^ signMask) - signMask;
    }

    public long bestSize() {
        return levels == 0 ? 0 : sizes[levels - 1];
    }

    public int levels() {
        return levels;
    }

    /** Replaces the side with levels given best first. */
    public void load(final long[] pricesBestFirst, final long[] sizesBestFirst) {
        final int n = pricesBestFirst.length;
        for (int i = 0; i < n; i++) {
            keys[n - 1 - i] = (pricesBestFirst[i] ^ signMask) - signMask;
            sizes[n - 1 - i] = sizesBestFirst[i];
        }
        levels = n;
    }
}
