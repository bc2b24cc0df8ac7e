package dev.orderbook.codec;

import dev.orderbook.codec.io.ByteSink;
import dev.orderbook.codec.model.ProductRegistry;

/**
 * Writes the project's own records that travel among the exchange's messages, recognised by {@link CoinbaseDecoder}:
 * <ul>
 *   <li>the <b>gap marker</b> ({@link MessageKind#GAP}) says "continuity was lost for this product": the ingestor
 *       puts one on the raw topic (and the recorder into a file) for each affected product when a connection drops,
 *       a sequence gap is seen or the feed goes silent; the book engine then marks that book {@code stale} until its
 *       next snapshot:
 *       <pre>{"type":"x-orderbook-gap","product_id":"BTC-USD","reason":"disconnect","time":"2026-11-23T19:00:00.123Z"}</pre></li>
 *   <li>the <b>liveness record</b> ({@link MessageKind#LIVENESS}) says "this product's feed is healthy and everything
 *       before this record was written": the ingestor writes one per healthy product every second, so a book that
 *       hears nothing of its product for a while knows its feed is gone:
 *       <pre>{"type":"x-orderbook-liveness","product_id":"BTC-USD","time":"2026-11-23T19:00:01.000Z"}</pre></li>
 * </ul>
 *
 * <p>{@code time} is omitted when unknown. Stateless and thread-safe.
 */
public final class RawMarkers {
    private RawMarkers() {
    }

    /**
     * The gap marker JSON as bytes.
     *
     * @param productId a valid product id; may not be null
     * @param reason why continuity was lost, for example {@code disconnect}, {@code sequence}, {@code silence}
     * @param time when it was noticed (ISO-8601), or null
     * @throws IllegalArgumentException if the product id is not valid or the reason is empty
     */
    public static byte[] gap(final String productId, final String reason, final String time) {
        if (!ProductRegistry.isValidProductId(productId)) {
            throw new IllegalArgumentException("invalid product id: " + productId);
        }
        if (reason == null || reason.isEmpty()) {
            throw new IllegalArgumentException("a gap marker needs a reason");
        }
        final ByteSink out = new ByteSink(128);
        out.appendAscii("{\"type\":\"").appendAscii(CoinbaseDecoder.GAP_TYPE).appendAscii("\",\"product_id\":\"")
                .appendAscii(productId).appendAscii("\",\"reason\":").appendJsonString(reason);
        if (time != null) {
            out.appendAscii(",\"time\":").appendJsonString(time);
        }
        return out.append((byte) '}').toByteArray();
    }

    /**
     * The liveness record JSON as bytes.
     *
     * @param productId a valid product id; may not be null
     * @param time when it was written (ISO-8601), or null
     * @throws IllegalArgumentException if the product id is not valid
     */
    public static byte[] liveness(final String productId, final String time) {
        if (!ProductRegistry.isValidProductId(productId)) {
            throw new IllegalArgumentException("invalid product id: " + productId);
        }
        final ByteSink out = new ByteSink(96);
        out.appendAscii("{\"type\":\"").appendAscii(CoinbaseDecoder.LIVENESS_TYPE).appendAscii("\",\"product_id\":\"")
                .appendAscii(productId).append((byte) '"');
        if (time != null) {
            out.appendAscii(",\"time\":").appendJsonString(time);
        }
        return out.append((byte) '}').toByteArray();
    }
}
