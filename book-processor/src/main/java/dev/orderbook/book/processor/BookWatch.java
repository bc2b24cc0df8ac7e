package dev.orderbook.book.processor;

import java.util.Arrays;

/**
 * Wall-clock bookkeeping per product (by index) for the processor's watchdog: when a record of it was last seen (a
 * live book that hears nothing for {@code staleAfterMs} is stale), since when its book has not been live for a reason
 * only a snapshot mends, and when a snapshot was last asked for (asked again every {@code retryMs} until the book is
 * live). In memory only: after a restore every book starts a new grace period. Single thread (the stream thread).
 */
final class BookWatch {
    private static final long NEVER = -1;
    private final long staleAfterMs;
    private final long retryMs;
    private long[] lastSeenMs = new long[16];
    private long[] notLiveSinceMs = new long[16];
    private long[] lastRequestMs = new long[16];

    BookWatch(final long staleAfterMs, final long retryMs) {
        this.staleAfterMs = staleAfterMs;
        this.retryMs = retryMs;
        clear();
    }

    void clear() {
        Arrays.fill(lastSeenMs, NEVER);
        Arrays.fill(notLiveSinceMs, NEVER);
        Arrays.fill(lastRequestMs, NEVER);
    }

    /** A record of the product was processed now. */
    void seen(final int product, final long nowMs) {
        ensure(product);
        lastSeenMs[product] = nowMs;
    }

    /** Whether nothing has been seen of the product for longer than {@code staleAfterMs}. */
    boolean silent(final int product, final long nowMs) {
        return product < lastSeenMs.length && lastSeenMs[product] != NEVER
                && nowMs - lastSeenMs[product] > staleAfterMs;
    }

    /** The book is live (or stale only for silence): nothing to ask for. */
    void live(final int product) {
        ensure(product);
        notLiveSinceMs[product] = NEVER;
        lastRequestMs[product] = NEVER;
    }

    /**
     * The book is stale or crossed for a reason only a snapshot mends.
     *
     * @param askNow whether to ask at once (the ingestor does not know of the trouble); otherwise the first request
     *               waits {@code retryMs}, time for the ingestor's own remedy (a gap marker is followed by a snapshot)
     * @return whether to ask for a snapshot now
     */
    boolean notLive(final int product, final long nowMs, final boolean askNow) {
        ensure(product);
        if (notLiveSinceMs[product] == NEVER) {
            notLiveSinceMs[product] = nowMs;
        }
        if (askNow && lastRequestMs[product] == NEVER) {
            lastRequestMs[product] = nowMs;
            return true;
        }
        return false;
    }

    /** For a book still not live: whether it is time to ask (again); if so, counts it as asked now. */
    boolean requestDue(final int product, final long nowMs) {
        if (product >= notLiveSinceMs.length || notLiveSinceMs[product] == NEVER) {
            return false;
        }
        final long since = Math.max(notLiveSinceMs[product], lastRequestMs[product]);
        if (nowMs - since >= retryMs) {
            lastRequestMs[product] = nowMs;
            return true;
        }
        return false;
    }

    private void ensure(final int product) {
        if (product >= lastSeenMs.length) {
            final int capacity = Math.max(lastSeenMs.length * 2, product + 1);
            final int old = lastSeenMs.length;
            lastSeenMs = Arrays.copyOf(lastSeenMs, capacity);
            notLiveSinceMs = Arrays.copyOf(notLiveSinceMs, capacity);
            lastRequestMs = Arrays.copyOf(lastRequestMs, capacity);
            Arrays.fill(lastSeenMs, old, capacity, NEVER);
            Arrays.fill(notLiveSinceMs, old, capacity, NEVER);
            Arrays.fill(lastRequestMs, old, capacity, NEVER);
        }
    }
}
