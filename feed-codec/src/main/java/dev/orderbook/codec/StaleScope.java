package dev.orderbook.codec;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orderbook.codec.model.Product;
import dev.orderbook.codec.model.ProductRegistry;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Which books a message that could not be decoded puts in doubt. A dropped message may have carried level changes,
 * so the books it was about can no longer be trusted: they must become {@code stale} until their next snapshot,
 * never stay {@code live} and silently wrong.
 *
 * <p>The rule is a function of the message's JSON structure alone, not of why decoding failed:
 * <ul>
 *   <li>not valid JSON, not an object, or neither a string {@code "channel"} nor a string {@code "type"}: every
 *       book ({@link #all()});</li>
 *   <li>Advanced Trade {@code "channel":"l2_data"}: the products named by the {@code product_id} of each element of
 *       {@code events}; every book if {@code events} is not an array or an element has no valid
 *       {@code product_id};</li>
 *   <li>Exchange {@code "type"} {@code snapshot} or {@code l2update}: its {@code product_id}, or every book if that is
 *       missing or not a valid product id; a malformed gap marker ({@code x-orderbook-gap}): every book; a
 *       malformed liveness record ({@code x-orderbook-liveness}): no book;</li>
 *   <li>any other channel or type (heartbeats, subscriptions, errors, unknown): no book ({@link #none()}).</li>
 * </ul>
 * Products that a closed registry does not know are left out (they have no book here). A message too large to read
 * at all is {@link #all()}.
 *
 * <p>Off the hot path: parses with Jackson and allocates. Immutable.
 */
public final class StaleScope {
    // Trailing content after the object makes it invalid JSON, as the decoder sees it.
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final StaleScope ALL = new StaleScope(true, List.of());
    private static final StaleScope NONE = new StaleScope(false, List.of());

    private final boolean all;
    private final List<Product> products;

    private StaleScope(final boolean all, final List<Product> products) {
        this.all = all;
        this.products = Collections.unmodifiableList(products);
    }

    /** Every book. */
    public static StaleScope all() {
        return ALL;
    }

    /** No book. */
    public static StaleScope none() {
        return NONE;
    }

    /** The given products' books (for a caller that knows them another way, for example from a record key). */
    public static StaleScope products(final List<Product> products) {
        return new StaleScope(false, List.copyOf(products));
    }

    /** True if every book is in doubt. */
    public boolean isAll() {
        return all;
    }

    /** The products in doubt when not {@link #isAll()}; in order of appearance, without repeats. */
    public List<Product> products() {
        return products;
    }

    /** The scope of an undecodable message, by the rule in the class doc. */
    public static StaleScope of(final byte[] json, final int offset, final int length, final ProductRegistry registry) {
        final JsonNode root;
        try {
            root = MAPPER.readTree(json, offset, length);
        } catch (final IOException | RuntimeException e) {
            return ALL;
        }
        if (root == null || !root.isObject()) {
            return ALL;
        }
        final JsonNode channel = root.get("channel");
        if (channel != null && channel.isTextual()) {
            if (!"l2_data".equals(channel.textValue())) {
                return NONE;
            }
            final JsonNode events = root.get("events");
            if (events == null || !events.isArray()) {
                return ALL;
            }
            final List<Product> named = new ArrayList<>();
            for (final JsonNode event : events) {
                final JsonNode id = event.get("product_id");
                if (!isValidId(id)) {
                    return ALL;
                }
                add(named, registry, id.textValue());
            }
            return new StaleScope(false, named);
        }
        final JsonNode type = root.get("type");
        if (type == null || !type.isTextual()) {
            return ALL;
        }
        switch (type.textValue()) {
            case "snapshot":
            case "l2update": {
                final JsonNode id = root.get("product_id");
                if (!isValidId(id)) {
                    return ALL;
                }
                final List<Product> named = new ArrayList<>(1);
                add(named, registry, id.textValue());
                return new StaleScope(false, named);
            }
            case CoinbaseDecoder.GAP_TYPE:
                return ALL;
            case CoinbaseDecoder.LIVENESS_TYPE:
                // Carries no book data: a malformed one puts no book in doubt (its absence is what counts).
                return NONE;
            default:
                return NONE;
        }
    }

    private static boolean isValidId(final JsonNode id) {
        return id != null && id.isTextual() && ProductRegistry.isValidProductId(id.textValue());
    }

    private static void add(final List<Product> named, final ProductRegistry registry, final String id) {
        final Product p = registry.get(id);
        if (p != null && !named.contains(p)) {
            named.add(p);
        }
    }

    @Override
    public String toString() {
        return all ? "StaleScope[all]" : "StaleScope" + products;
    }
}
