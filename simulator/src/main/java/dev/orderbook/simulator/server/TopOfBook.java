package dev.orderbook.simulator.server;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.math.BigDecimal;

/**
 * The true top of one product's book in the simulator's market after one of its book messages: what a client that
 * applied every message up to and including that one holds at the top. One line of the truth log
 * ({@link SimulatorOptions#truthLog()}) and the answer of {@link ExchangeSimulator#topOfBook} and the admin
 * server's {@code GET /top/PRODUCT}, all in the same JSON:
 * <pre>
 * {"product_id":"BTC-USD","time":"2026-11-23T19:00:00.123456Z","bid_price":"65000.01","bid_size":"0.5",
 *  "ask_price":"65000.02","ask_size":"1.2","seq":42}
 * </pre>
 * (one line in the log). Prices and sizes are exact decimals in their shortest plain form (trailing zeros
 * stripped, never an exponent), JSON strings; an empty side has {@code null} price and size. Immutable.
 *
 * @param productId the product; never null
 * @param time      the time the message carries on the wire, exactly as a client's JSON parser reads it: the
 *                  Exchange feed's {@code time}, Advanced Trade's envelope {@code timestamp}; null if the message
 *                  carries none (an Exchange {@code snapshot} from a recorded file) or, with {@code seq} 0, before
 *                  the product's first message
 * @param bidPrice  best bid price, trailing zeros stripped; null if the bid side is empty
 * @param bidSize   size at the best bid; null exactly when {@code bidPrice} is
 * @param askPrice  best ask price, trailing zeros stripped; null if the ask side is empty
 * @param askSize   size at the best ask; null exactly when {@code askPrice} is
 * @param seq       the product's market messages so far, this one included: 1 for its first, 0 before any
 */
public record TopOfBook(String productId, String time, BigDecimal bidPrice, BigDecimal bidSize, BigDecimal askPrice,
                        BigDecimal askSize, long seq) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public TopOfBook {
        if (productId == null) {
            throw new IllegalArgumentException("productId may not be null");
        }
        if ((bidPrice == null) != (bidSize == null) || (askPrice == null) != (askSize == null)) {
            throw new IllegalArgumentException("a side's price and size must both be present or both null");
        }
        if (seq < 0) {
            throw new IllegalArgumentException("seq must not be negative, was " + seq);
        }
        bidPrice = stripped(bidPrice);
        bidSize = stripped(bidSize);
        askPrice = stripped(askPrice);
        askSize = stripped(askSize);
    }

    /** True if both sides are present and the best bid is at or above the best ask: a book that cannot be. */
    public boolean isCrossed() {
        return bidPrice != null && askPrice != null && bidPrice.compareTo(askPrice) >= 0;
    }

    /** The JSON object above, one line without a terminator; fields always in this order. */
    public String toJson() {
        final StringBuilder out = new StringBuilder(160);
        out.append("{\"product_id\":");
        appendString(out, productId);
        out.append(",\"time\":");
        appendString(out, time);
        out.append(",\"bid_price\":");
        appendDecimal(out, bidPrice);
        out.append(",\"bid_size\":");
        appendDecimal(out, bidSize);
        out.append(",\"ask_price\":");
        appendDecimal(out, askPrice);
        out.append(",\"ask_size\":");
        appendDecimal(out, askSize);
        return out.append(",\"seq\":").append(seq).append('}').toString();
    }

    /**
     * Parses one truth-log line (or {@code /top} answer).
     *
     * @throws IllegalArgumentException if it is not such an object
     */
    public static TopOfBook fromJson(final String json) {
        final JsonNode node;
        try {
            node = JSON.readTree(json);
        } catch (final IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject() || !node.path("product_id").isTextual()
                || !node.path("seq").isIntegralNumber()) {
            throw new IllegalArgumentException("not a top of book: " + json);
        }
        return new TopOfBook(node.get("product_id").asText(), textOrNull(node, "time"),
                decimalOrNull(node, "bid_price"), decimalOrNull(node, "bid_size"), decimalOrNull(node, "ask_price"),
                decimalOrNull(node, "ask_size"), node.get("seq").asLong());
    }

    private static BigDecimal stripped(final BigDecimal value) {
        return value == null ? null : value.stripTrailingZeros();
    }

    private static void appendString(final StringBuilder out, final String value) {
        if (value == null) {
            out.append("null");
        } else {
            // Escaped as JSON requires; the times of the synthetic market need none.
            out.append('"').append(JsonStringEncoder.getInstance().quoteAsString(value)).append('"');
        }
    }

    private static void appendDecimal(final StringBuilder out, final BigDecimal value) {
        if (value == null) {
            out.append("null");
        } else {
            out.append('"').append(value.toPlainString()).append('"');
        }
    }

    private static String textOrNull(final JsonNode node, final String field) {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new IllegalArgumentException(field + " must be a string or null");
        }
        return value.asText();
    }

    private static BigDecimal decimalOrNull(final JsonNode node, final String field) {
        final String text = textOrNull(node, field);
        try {
            return text == null ? null : new BigDecimal(text);
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(field + " is not a decimal: " + text, e);
        }
    }
}
