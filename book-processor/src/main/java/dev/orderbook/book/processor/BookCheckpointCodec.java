package dev.orderbook.book.processor;

import dev.orderbook.book.engine.ProductBook;
import dev.orderbook.book.orderbook.OrderBook;
import dev.orderbook.codec.model.Side;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The byte layout of a task's book checkpoint: every book of the task as it stood after one raw record (its levels,
 * and the meta and chain the meta store would hold), with that record's partition and offset. A book is a pure
 * function of the raw records from its last snapshot on, so the checkpoint and the raw records after its offset give
 * the book back exactly; that is what a task does when it starts ({@link BookUpdateProcessor}).
 *
 * <pre>
 *   version (1) | partition (4) | offset (8) | books (4) | per book:
 *     product id length (2) | product id (UTF-8) | meta length (4) | meta ({@link BookMetaCodec}) |
 *     bid levels (4) | ask levels (4) | per side, best first: price (zig-zag varint delta from the previous price,
 *     the first from 0) | size (varint)
 * </pre>
 *
 * Prices and sizes are the book's fixed-point ticks and lots; deltas of neighbouring prices are small, so a level
 * takes about 3 to 6 bytes. Writing reuses one growing buffer; reading allocates the result.
 */
final class BookCheckpointCodec {
    private static final byte VERSION = 1;

    /** One book of a checkpoint. Levels best first: {@code bids[0]} is the best bid. */
    record Book(String productId, byte[] meta, long[] bidPrices, long[] bidSizes, long[] askPrices,
                long[] askSizes) {
    }

    /** A decoded checkpoint. */
    record Checkpoint(int partition, long offset, List<Book> books) {
    }

    private byte[] buf = new byte[64 * 1024];
    private int pos;
    private long previousPrice;

    /** Starts a checkpoint taken after the record at {@code offset} of {@code partition}. */
    void begin(final int partition, final long offset, final int books) {
        pos = 0;
        put((byte) VERSION);
        putInt(partition);
        putLong(offset);
        putInt(books);
    }

    /** Adds a book with its meta (as {@link BookMetaCodec#encode} makes it). */
    void add(final ProductBook pb, final byte[] meta) {
        final byte[] id = pb.product().id().getBytes(StandardCharsets.UTF_8);
        putShort(id.length);
        putBytes(id);
        putInt(meta.length);
        putBytes(meta);
        final OrderBook book = pb.book();
        putInt(book.bidLevels());
        putInt(book.askLevels());
        for (final Side side : new Side[] {Side.BID, Side.ASK}) {
            previousPrice = 0;
            book.side(side).forEachLevel(Integer.MAX_VALUE, (price, size) -> {
                putVarLong(zigZag(price - previousPrice));
                previousPrice = price;
                putVarLong(size);
            });
        }
    }

    /** The checkpoint's bytes, a new array (the store keeps it). */
    byte[] finish() {
        return Arrays.copyOf(buf, pos);
    }

    /**
     * @throws IllegalStateException for a layout this version does not know
     */
    static Checkpoint decode(final byte[] value) {
        if (value == null || value.length < 17 || value[0] != VERSION) {
            throw new IllegalStateException("unknown book checkpoint layout (version "
                    + (value == null || value.length == 0 ? "none" : value[0]) + "); reset the processor's state "
                    + "(a new --application-id, or kafka-streams-application-reset) after an upgrade that says so");
        }
        final Reader r = new Reader(value, 1);
        final int partition = r.getInt();
        final long offset = r.getLong();
        final int n = r.getInt();
        final List<Book> books = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            final String id = new String(r.bytes(r.getShort()), StandardCharsets.UTF_8);
            final byte[] meta = r.bytes(r.getInt());
            final int bids = r.getInt();
            final int asks = r.getInt();
            final long[] bidPrices = new long[bids];
            final long[] bidSizes = new long[bids];
            final long[] askPrices = new long[asks];
            final long[] askSizes = new long[asks];
            r.levels(bidPrices, bidSizes);
            r.levels(askPrices, askSizes);
            books.add(new Book(id, meta, bidPrices, bidSizes, askPrices, askSizes));
        }
        return new Checkpoint(partition, offset, books);
    }

    private static long zigZag(final long v) {
        return (v << 1) ^ (v >> 63);
    }

    private void ensure(final int more) {
        if (pos + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
        }
    }

    private void put(final byte b) {
        ensure(1);
        buf[pos++] = b;
    }

    private void putShort(final int v) {
        ensure(2);
        buf[pos++] = (byte) (v >>> 8);
        buf[pos++] = (byte) v;
    }

    private void putInt(final int v) {
        ensure(4);
        for (int s = 24; s >= 0; s -= 8) {
            buf[pos++] = (byte) (v >>> s);
        }
    }

    private void putLong(final long v) {
        ensure(8);
        for (int s = 56; s >= 0; s -= 8) {
            buf[pos++] = (byte) (v >>> s);
        }
    }

    private void putBytes(final byte[] b) {
        ensure(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    private void putVarLong(final long v) {
        ensure(10);
        long x = v;
        while ((x & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((x & 0x7F) | 0x80);
            x >>>= 7;
        }
        buf[pos++] = (byte) x;
    }

    /** Reads the layout above. */
    private static final class Reader {
        private final byte[] b;
        private int p;

        Reader(final byte[] b, final int p) {
            this.b = b;
            this.p = p;
        }

        int getShort() {
            return ((b[p++] & 0xFF) << 8) | (b[p++] & 0xFF);
        }

        int getInt() {
            int v = 0;
            for (int i = 0; i < 4; i++) {
                v = (v << 8) | (b[p++] & 0xFF);
            }
            return v;
        }

        long getLong() {
            long v = 0;
            for (int i = 0; i < 8; i++) {
                v = (v << 8) | (b[p++] & 0xFF);
            }
            return v;
        }

        byte[] bytes(final int n) {
            final byte[] out = Arrays.copyOfRange(b, p, p + n);
            p += n;
            return out;
        }

        long varLong() {
            long v = 0;
            int shift = 0;
            while (true) {
                final byte x = b[p++];
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
                shift += 7;
            }
        }

        void levels(final long[] prices, final long[] sizes) {
            long price = 0;
            for (int i = 0; i < prices.length; i++) {
                final long z = varLong();
                price += (z >>> 1) ^ -(z & 1);
                prices[i] = price;
                sizes[i] = varLong();
            }
        }
    }
}
