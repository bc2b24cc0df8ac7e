package dev.orderbook.book.processor;

import java.util.Arrays;

/**
 * The last raw offset a task read on each of its partitions. The raw topic is written without transactions, so its
 * offsets have no holes: a jump means records were deleted (retention) before the task read them. Not thread-safe.
 */
final class RawOffsets {
    private static final long NONE = -1;

    private long[] last = new long[0];

    void clear() {
        last = new long[0];
    }

    /** The last offset read on a partition, or -1. */
    long last(final int partition) {
        return partition < last.length ? last[partition] : NONE;
    }

    /** Whether the record at {@code offset} was read already (at-least-once redelivers what the books have). */
    boolean applied(final int partition, final long offset) {
        return offset <= last(partition);
    }

    /**
     * Moves a partition on to the offset read.
     *
     * @return how many offsets were skipped since the last one read on the partition (0 for the next one or the first)
     */
    long read(final int partition, final long offset) {
        if (partition >= last.length) {
            final int old = last.length;
            last = Arrays.copyOf(last, partition + 1);
            Arrays.fill(last, old, last.length, NONE);
        }
        final long previous = last[partition];
        last[partition] = offset;
        return previous == NONE || offset <= previous ? 0 : offset - previous - 1;
    }
}
