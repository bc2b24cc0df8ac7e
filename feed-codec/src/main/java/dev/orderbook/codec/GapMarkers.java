package dev.orderbook.codec;

import dev.orderbook.codec.io.ByteSink;
import dev.orderbook.codec.model.ProductRegistry;

/**
 * Writes the gap marker that says "continuity was lost for this product": the ingestor puts one on the raw topic (and
 * the recorder into a file) for each affected product when a connection drops, a sequence gap is seen or the feed goes
 * silent; the book engine then marks that book {@code stale} until its next snapshot. The format, recognised by
 * {@link CoinbaseDecoder} as {@link MessageKind#GAP}:
 *
 * <pre>{"type":"x-orderbook-gap","product_id":"BTC-USD","reason":"disconnect","time":"2026-11-23T19:00:00.123Z"}</pre>
 *
 * <p>{@code time} is omitted when unknown. Stateless and thread-safe.
 */
public final class GapMarkers {
    private GapMarkers() {
    }

    /**
     * The gap marker JSON as bytes.
     *
     * @param productId a valid product id; may not be null
     * @param reason why continuity was lost, for example {@code disconnect}, {@code sequence}, {@code silence}
     * @param time when it was noticed (ISO-8601), or null
     * @throws IllegalArgumentException if the product id is not valid or the reason is empty
     */
    public static byte[] toJson(final String productId, final String reason, final String time) {
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
}
