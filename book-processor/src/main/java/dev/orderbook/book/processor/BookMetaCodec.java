package dev.orderbook.book.processor;

import dev.orderbook.book.engine.BookMeta;
import dev.orderbook.contract.summary.BookState;
import dev.orderbook.contract.summary.StateReason;
import org.apache.kafka.common.utils.Bytes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The byte layout of the meta store: per book, what it holds besides its levels (its {@link BookMeta}, its creation
 * order among the task's books, where its continuity chain stands: session and product sequence of its last record),
 * and per raw partition, the offset of the last record read. Written on every record, so a restored task knows
 * exactly where each book's chain stood at the last commit.
 *
 * <pre>
 *   book:      product id (UTF-8)              -> version 2 | creation order (4) | state (1) | reason | emitted (1) |
 *                                                 last state (1) | last reason | last bid price, size, ask price,
 *                                                 size (4 x 8) | session length (2) | session | sequence (8) |
 *                                                 leader epoch (8)
 *   partition: '#' raw partition (4, big-endian) -> offset (8)
 * </pre>
 *
 * A reason is its wire name, length-prefixed (1 byte; 0 for none). Product ids never start with '#'. Version 2 (no
 * epoch) is read as epoch 0. Stateless.
 */
final class BookMetaCodec {
    private static final byte VERSION = 3;
    private static final byte VERSION_WITHOUT_EPOCH = 2;
    private static final byte PARTITION_MARK = '#';

    /** A book's stored state. {@code session} is null before the book's first sequenced record. */
    record Stored(int creationOrder, BookMeta meta, byte[] session, long sequence, long epoch) {
    }

    private BookMetaCodec() {
    }

    static Bytes bookKey(final String productId) {
        return Bytes.wrap(productId.getBytes(StandardCharsets.UTF_8));
    }

    static Bytes partitionKey(final int partition) {
        return Bytes.wrap(ByteBuffer.allocate(5).put(PARTITION_MARK).putInt(partition).array());
    }

    static boolean isPartitionKey(final byte[] key) {
        return key.length == 5 && key[0] == PARTITION_MARK;
    }

    static int partitionOf(final byte[] key) {
        return ByteBuffer.wrap(key, 1, 4).getInt();
    }

    static String productOf(final byte[] key) {
        return new String(key, StandardCharsets.UTF_8);
    }

    static byte[] offsetValue(final long offset) {
        return ByteBuffer.allocate(8).putLong(offset).array();
    }

    static long offsetOf(final byte[] value) {
        return ByteBuffer.wrap(value).getLong();
    }

    static byte[] encode(final int creationOrder, final BookMeta meta, final byte[] session, final long sequence,
                         final long epoch) {
        final byte[] reason = reason(meta.reason());
        final byte[] lastReason = reason(meta.lastReason());
        final int sessionLength = session == null ? 0 : session.length;
        final ByteBuffer b = ByteBuffer.allocate(1 + 4 + 1 + 1 + reason.length + 1 + 1 + 1 + lastReason.length + 4 * 8
                + 2 + sessionLength + 8 + 8);
        b.put(VERSION).putInt(creationOrder).put((byte) meta.state().ordinal())
                .put((byte) reason.length).put(reason)
                .put((byte) (meta.emitted() ? 1 : 0)).put((byte) meta.lastState().ordinal())
                .put((byte) lastReason.length).put(lastReason)
                .putLong(meta.lastBidPrice()).putLong(meta.lastBidSize())
                .putLong(meta.lastAskPrice()).putLong(meta.lastAskSize())
                .putShort((short) (session == null ? -1 : sessionLength));
        if (session != null) {
            b.put(session);
        }
        b.putLong(sequence).putLong(epoch);
        return b.array();
    }

    /**
     * @throws IllegalStateException for a layout this version does not know (a store written by another version)
     */
    static Stored decode(final byte[] value) {
        if (value == null || value.length < 2 || (value[0] != VERSION && value[0] != VERSION_WITHOUT_EPOCH)) {
            throw new IllegalStateException("unknown book meta layout (version "
                    + (value == null || value.length == 0 ? "none" : value[0]) + "); reset the processor's state "
                    + "(a new --application-id, or kafka-streams-application-reset) after an upgrade that says so");
        }
        final ByteBuffer b = ByteBuffer.wrap(value, 1, value.length - 1);
        final BookState[] states = BookState.values();
        final int creationOrder = b.getInt();
        final BookState state = states[b.get()];
        final StateReason reason = reason(b);
        final boolean emitted = b.get() != 0;
        final BookState lastState = states[b.get()];
        final StateReason lastReason = reason(b);
        final BookMeta meta = new BookMeta(state, reason, emitted, lastState, lastReason, b.getLong(), b.getLong(),
                b.getLong(), b.getLong());
        final int sessionLength = b.getShort();
        byte[] session = null;
        if (sessionLength >= 0) {
            session = new byte[sessionLength];
            b.get(session);
        }
        final long sequence = b.getLong();
        return new Stored(creationOrder, meta, session, sequence, value[0] == VERSION ? b.getLong() : 0);
    }

    private static byte[] reason(final StateReason reason) {
        return reason == null ? new byte[0] : reason.wireBytes();
    }

    private static StateReason reason(final ByteBuffer b) {
        final int n = b.get();
        if (n == 0) {
            return null;
        }
        final byte[] name = new byte[n];
        b.get(name);
        return StateReason.ofWireName(new String(name, StandardCharsets.US_ASCII));
    }
}
