package dev.orderbook.book.processor;

import dev.orderbook.book.engine.BookMeta;
import dev.orderbook.contract.summary.BookState;
import dev.orderbook.codec.model.Side;
import org.apache.kafka.common.utils.Bytes;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The byte layout of the book store: one entry per resting level plus one meta entry per product, with keys that
 * sort so that a range scan yields a product's bids best first, then its asks best first.
 *
 * <pre>
 *   meta:  product id (UTF-8) | 0x00 | 0x00                        -> version, creation order, state, last emitted top
 *   bid:   product id (UTF-8) | 0x00 | 0x01 | (Long.MAX_VALUE - priceTicks), 8 bytes big-endian -> size lots, 8 bytes
 *   ask:   product id (UTF-8) | 0x00 | 0x02 | priceTicks, 8 bytes big-endian                   -> size lots, 8 bytes
 * </pre>
 *
 * Product ids are {@code [A-Z0-9-]} only, so the 0x00 separator keeps one product's keys apart from another's. Prices
 * are non-negative, so the big-endian encodings sort as the numbers do; bids are inverted so that the highest comes
 * first. Stateless and thread-safe.
 */
public final class LevelKeys {
    static final byte META = 0;
    static final byte BID = 1;
    static final byte ASK = 2;
    private static final byte META_VERSION = 1;
    private static final int META_BYTES = 1 + 4 + 1 + 1 + 1 + 4 * 8;

    private LevelKeys() {
    }

    /** The product's key prefix: id bytes and the separator. */
    public static byte[] prefix(final String productId) {
        final byte[] id = productId.getBytes(StandardCharsets.UTF_8);
        final byte[] p = new byte[id.length + 1];
        System.arraycopy(id, 0, p, 0, id.length);
        return p;
    }

    public static Bytes metaKey(final byte[] prefix) {
        final byte[] k = new byte[prefix.length + 1];
        System.arraycopy(prefix, 0, k, 0, prefix.length);
        k[prefix.length] = META;
        return Bytes.wrap(k);
    }

    /** The key of one level; {@code sideCode} is {@link Side#BID_CODE} or {@link Side#ASK_CODE}. */
    public static Bytes levelKey(final byte[] prefix, final byte sideCode, final long priceTicks) {
        final byte[] k = new byte[prefix.length + 9];
        System.arraycopy(prefix, 0, k, 0, prefix.length);
        final int at = prefix.length;
        k[at] = sideCode == Side.BID_CODE ? BID : ASK;
        putLong(k, at + 1, sideCode == Side.BID_CODE ? Long.MAX_VALUE - priceTicks : priceTicks);
        return Bytes.wrap(k);
    }

    /** First key of a side (inclusive), for range scans. */
    public static Bytes sideFrom(final byte[] prefix, final byte sideCode) {
        final byte[] k = new byte[prefix.length + 1];
        System.arraycopy(prefix, 0, k, 0, prefix.length);
        k[prefix.length] = sideCode == Side.BID_CODE ? BID : ASK;
        return Bytes.wrap(k);
    }

    /** Last possible key of a side (inclusive), for range scans. */
    public static Bytes sideTo(final byte[] prefix, final byte sideCode) {
        final byte[] k = new byte[prefix.length + 9];
        System.arraycopy(prefix, 0, k, 0, prefix.length);
        k[prefix.length] = sideCode == Side.BID_CODE ? BID : ASK;
        for (int i = prefix.length + 1; i < k.length; i++) {
            k[i] = (byte) 0xFF;
        }
        return Bytes.wrap(k);
    }

    /** Whether the key is a meta key (the byte after the separator, the first 0x00, is {@link #META}). */
    public static boolean isMeta(final byte[] key) {
        final int sep = separator(key);
        return sep >= 0 && key.length == sep + 2 && key[sep + 1] == META;
    }

    /** The product id of any key. */
    public static String productOf(final byte[] key) {
        final int sep = separator(key);
        if (sep < 0) {
            throw new IllegalArgumentException("not a book store key");
        }
        return new String(key, 0, sep, StandardCharsets.UTF_8);
    }

    private static int separator(final byte[] key) {
        for (int i = 0; i < key.length; i++) {
            if (key[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    /** The price in ticks of a level key. */
    public static long priceOf(final byte[] key) {
        final long raw = getLong(key, key.length - 8);
        return key[key.length - 9] == BID ? Long.MAX_VALUE - raw : raw;
    }

    /** The side code of a level key. */
    public static byte sideOf(final byte[] key) {
        return key[key.length - 9] == BID ? Side.BID_CODE : Side.ASK_CODE;
    }

    public static byte[] sizeValue(final long sizeLots) {
        final byte[] v = new byte[8];
        putLong(v, 0, sizeLots);
        return v;
    }

    public static long sizeOf(final byte[] value) {
        return getLong(value, 0);
    }

    /** Encodes a book's meta and its creation order among the task's books. */
    public static byte[] metaValue(final int creationOrder, final BookMeta meta) {
        final ByteBuffer b = ByteBuffer.allocate(META_BYTES);
        b.put(META_VERSION).putInt(creationOrder).put((byte) meta.state().ordinal()).put((byte) (meta.emitted() ? 1 : 0))
                .put((byte) meta.lastState().ordinal()).putLong(meta.lastBidPrice()).putLong(meta.lastBidSize())
                .putLong(meta.lastAskPrice()).putLong(meta.lastAskSize());
        return b.array();
    }

    /** Creation order stored in a meta value. */
    public static int creationOrderOf(final byte[] value) {
        checkMeta(value);
        return ByteBuffer.wrap(value, 1, 4).getInt();
    }

    public static BookMeta metaOf(final byte[] value) {
        checkMeta(value);
        final ByteBuffer b = ByteBuffer.wrap(value, 5, META_BYTES - 5);
        final BookState[] states = BookState.values();
        final BookState state = states[b.get()];
        final boolean emitted = b.get() != 0;
        final BookState lastState = states[b.get()];
        return new BookMeta(state, emitted, lastState, b.getLong(), b.getLong(), b.getLong(), b.getLong());
    }

    private static void checkMeta(final byte[] value) {
        if (value == null || value.length != META_BYTES || value[0] != META_VERSION) {
            throw new IllegalStateException("unknown book meta layout: "
                    + (value == null ? "null" : value.length + " bytes, version " + (value.length > 0 ? value[0] : -1)));
        }
    }

    private static void putLong(final byte[] b, final int at, final long v) {
        for (int i = 7; i >= 0; i--) {
            b[at + i] = (byte) (v >>> (8 * (7 - i)));
        }
    }

    private static long getLong(final byte[] b, final int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }
}
