package dev.orderbook.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * A request on the control topic ({@code orderbook.control}, key = product id), from the processor to the ingestor:
 * "send me a fresh snapshot of this product", for a book that is stale or crossed and that only a snapshot can mend.
 * The ingestor resubscribes that product alone, within its rate limits.
 *
 * <pre>{"type":"resnapshot","product_id":"BTC-USD","reason":"crossed","requested_at":"2026-12-03T13:00:00.250Z"}</pre>
 *
 * @param productId   the product; a valid product id
 * @param reason      why: the book's {@code state_reason} (free text for the ingestor's log and metrics)
 * @param requestedAt when the processor asked
 */
public record ControlRequest(String productId, String reason, Instant requestedAt) {
    /** The only type so far; others are for later versions, and an ingestor ignores types it does not know. */
    public static final String TYPE_RESNAPSHOT = "resnapshot";
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern PRODUCT_ID = Pattern.compile("[A-Z0-9][A-Z0-9-]{0,31}");
    private static final Pattern REASON = Pattern.compile("[a-z0-9:-]{1,64}");

    public ControlRequest {
        if (productId == null || !PRODUCT_ID.matcher(productId).matches()) {
            throw new IllegalArgumentException("invalid product id: " + productId);
        }
        if (reason == null || !REASON.matcher(reason).matches()) {
            throw new IllegalArgumentException("invalid reason: " + reason);
        }
        if (requestedAt == null) {
            throw new IllegalArgumentException("requestedAt is required");
        }
    }

    /** The record's key. */
    public byte[] key() {
        return productId.getBytes(StandardCharsets.UTF_8);
    }

    /** The record's value. */
    public byte[] toJson() {
        return ("{\"type\":\"" + TYPE_RESNAPSHOT + "\",\"product_id\":\"" + productId + "\",\"reason\":\"" + reason
                + "\",\"requested_at\":\"" + requestedAt + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a request.
     *
     * @return the request, or null for a well-formed message of another type (a later version's)
     * @throws IllegalArgumentException if it is not a valid request
     */
    public static ControlRequest fromJson(final byte[] json) {
        final JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (final IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject() || !root.path("type").isTextual()) {
            throw new IllegalArgumentException("not a control request: no string \"type\"");
        }
        if (!TYPE_RESNAPSHOT.equals(root.get("type").textValue())) {
            return null;
        }
        try {
            return new ControlRequest(root.path("product_id").textValue(), root.path("reason").textValue(),
                    Instant.parse(root.path("requested_at").asText()));
        } catch (final RuntimeException e) {
            throw new IllegalArgumentException("not a valid resnapshot request: " + e.getMessage(), e);
        }
    }
}
