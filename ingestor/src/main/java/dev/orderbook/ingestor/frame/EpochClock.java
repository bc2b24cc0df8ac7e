package dev.orderbook.ingestor.frame;

import java.time.Instant;

/**
 * Epoch nanoseconds from {@link System#nanoTime()} readings: receive times are taken with the monotonic clock on the
 * socket thread (cheap, never goes back) and stamped on records as epoch nanoseconds. The offset between the two is
 * read once, at class load, so all receive times of a process are consistent with each other. Thread-safe.
 */
public final class EpochClock {
    private static final long OFFSET_NS;

    static {
        final Instant now = Instant.now();
        OFFSET_NS = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
    }

    private EpochClock() {
    }

    /** The epoch nanoseconds of a {@link System#nanoTime()} reading. */
    public static long toEpochNs(final long nanoTime) {
        return nanoTime + OFFSET_NS;
    }

    /** Now, in epoch nanoseconds. */
    public static long nowEpochNs() {
        return toEpochNs(System.nanoTime());
    }
}
