package dev.orderbook.book.processor;

import dev.orderbook.codec.model.Side;
import org.apache.kafka.common.utils.Bytes;

import java.nio.charset.StandardCharsets;

/**
 * The byte layout of the book store: one entry per resting level, with keys that sort so that a range scan yields a
 * product's bids best first, then its asks best first. (A book's state lives in the meta store: {@link BookMetaCodec}.)
 *
 * <pre>
 *   bid:   product id (UTF-8) | 0x00 | 0x01 | (Long.MAX_VALUE - priceTicks), 8 bytes big-endian -> size lots, 8 bytes
 *   ask:   product id (UTF-8) | 0x00 | 0x02 | priceTicks, 8 bytes big-endian                   -> size lots, 8 bytes
 * </pre>
 *
 * Product ids are {@code [A-Z0-9-]} only, so the 0x00 separator keeps one product's keys apart from another's. Prices
 * are non-negative, so the big-endian encodings sort as the numbers do; bids are inverted so that the highest comes
 * first. Stateless and thread-safe.
 */
public final class LevelKeys {
    static final byte BID = 1;
    static final byte ASK = 2;

    private LevelKeys() {
    }

    /** The product's key prefix: id bytes and the separator. */
    public static byte[] prefix(final String productId) {
        final byte[] id = productId.getBytes(StandardCharsets.UTF_8);
        final byte[] p = new byte[id.length + 1];
        System.arraycopy(id, 0, p, 0, id.length);
        return p;
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
