package dev.orderbook.contract.summary;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orderbook.contract.summary.BookState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;

/**
 * A summary as other services read it from {@code orderbook.summaries} (schema
 * {@code schema/orderbook-summary-v1.schema.json}). Prices, sizes, spread, mid and microprice stay exact {@link BigDecimal}s;
 * fields absent for an empty side are null. Unknown fields are ignored, since fields are only ever added.
 *
 * <p>The producers write the JSON with {@link SummaryFormatter}; this record is for consumers and tests.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record BookSummary(
        @JsonProperty("product_id") String productId,
        @JsonProperty("time") String time,
        @JsonProperty("bid_price") BigDecimal bidPrice,
        @JsonProperty("bid_size") BigDecimal bidSize,
        @JsonProperty("ask_price") BigDecimal askPrice,
        @JsonProperty("ask_size") BigDecimal askSize,
        @JsonProperty("spread") BigDecimal spread,
        @JsonProperty("spread_bps") BigDecimal spreadBps,
        @JsonProperty("mid") BigDecimal mid,
        @JsonProperty("bid_levels") int bidLevels,
        @JsonProperty("ask_levels") int askLevels,
        @JsonProperty("state") String state,
        @JsonProperty("microprice") BigDecimal microprice,
        @JsonProperty("imbalance") BigDecimal imbalance,
        @JsonProperty("state_reason") String stateReason) {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public BookSummary {
        if (productId == null || productId.isEmpty()) {
            throw new IllegalArgumentException("product_id is required");
        }
        if (state == null) {
            throw new IllegalArgumentException("state is required");
        }
        BookState.ofWireName(state);
        if (bidLevels < 0 || askLevels < 0) {
            throw new IllegalArgumentException("level counts must be non-negative");
        }
    }

    public BookState bookState() {
        return BookState.ofWireName(state);
    }

    /** Why the book is not live; null when it is (and in summaries written before the field existed). */
    public StateReason reason() {
        return stateReason == null ? null : StateReason.ofWireName(stateReason);
    }

    /**
     * Parses one summary JSON object.
     *
     * @throws IllegalArgumentException if it is not a valid summary
     */
    public static BookSummary fromJson(final byte[] json) {
        try {
            return MAPPER.readValue(json, BookSummary.class);
        } catch (final IOException e) {
            throw new IllegalArgumentException("not a valid summary: " + e.getMessage(), e);
        }
    }

    public static BookSummary fromJson(final String json) {
        try {
            return MAPPER.readValue(json, BookSummary.class);
        } catch (final IOException e) {
            throw new IllegalArgumentException("not a valid summary: " + e.getMessage(), e);
        }
    }

    /** Serialises with Jackson (field order and number forms may differ from {@link SummaryFormatter}). */
    public String toJson() {
        try {
            return MAPPER.writeValueAsString(this);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
