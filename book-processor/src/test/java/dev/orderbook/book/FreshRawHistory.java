package dev.orderbook.book;

import dev.orderbook.book.processor.RawHistory;

/**
 * The raw history of an application that never committed (a {@code TopologyTestDriver}'s): nothing to read again.
 */
public final class FreshRawHistory implements RawHistory {
    @Override
    public void read(final String topic, final int partition, final long fromOffset, final long toOffset,
                     final Handler handler) {
        throw new IllegalStateException("nothing was committed, so nothing is read again: " + topic + "-"
                + partition + " " + fromOffset + ".." + toOffset);
    }

    @Override
    public long committedOffset(final String topic, final int partition) {
        return -1;
    }
}
