package dev.orderbook.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Splits an Advanced Trade {@code l2_data} message whose events concern several products into one well-formed message
 * per product, for the raw topic's contract (shared/DESIGN.md): one record per product, keyed by product, each value
 * the exchange's message with its envelope ({@code channel}, {@code client_id}, {@code timestamp},
 * {@code sequence_num}, any other field) kept byte for byte and only that product's events, also byte for byte, in
 * their original order.
 *
 * <p>A message whose events all concern one product is returned as it is, not rewritten. Off the per-level hot path:
 * it allocates the per-product copies. Stateless apart from a reusable reader; single thread.
 */
public final class AdvancedTradeSplitter {
    private static final byte[] F_CHANNEL = "channel".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] F_EVENTS = "events".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] F_PRODUCT_ID = "product_id".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V_L2_DATA = "l2_data".getBytes(StandardCharsets.US_ASCII);

    private final JsonReader json = new JsonReader();

    /** One product's part of a message. */
    public record ProductMessage(String productId, byte[] json) {
    }

    /** Why a message could not be split; the caller dead-letters it. */
    public static final class NotSplittable extends Exception {
        private static final long serialVersionUID = 1L;

        NotSplittable(final String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Splits one message.
     *
     * @return one entry per product in order of first appearance (the input itself when there is only one); empty
     *     when the message is not {@code l2_data} (heartbeats, subscriptions: not keyed by product)
     * @throws NotSplittable if it is not valid JSON, or an {@code l2_data} event has no string {@code product_id}
     */
    public List<ProductMessage> split(final byte[] bytes, final int offset, final int length) throws NotSplittable {
        final JsonReader r = json;
        r.reset(bytes, offset, length);
        final List<int[]> fields = new ArrayList<>(); // [start, end) of each `"name":value` at top level
        int eventsField = -1;
        boolean l2Data = false;
        final Map<String, List<int[]>> eventsByProduct = new LinkedHashMap<>();
        try {
            r.enterObject();
            while (r.nextField()) {
                final int fieldStart = r.strStart - 1; // the field name's opening quote
                if (r.regionEquals(F_CHANNEL) && r.peek() == '"') {
                    r.readString();
                    l2Data = r.regionEquals(V_L2_DATA);
                } else if (r.regionEquals(F_EVENTS) && r.peek() == '[') {
                    eventsField = fields.size();
                    eventsByProduct.clear();
                    r.enterArray();
                    while (r.nextElement()) {
                        final int eventStart = r.position();
                        final String productId = productIdOfEvent(r);
                        eventsByProduct.computeIfAbsent(productId == null ? "" : productId, k -> new ArrayList<>())
                                .add(new int[] {eventStart, r.consumedUpTo()});
                    }
                } else {
                    r.skipValue();
                }
                fields.add(new int[] {fieldStart, r.consumedUpTo()});
            }
            if (!r.atEnd()) {
                throw new NotSplittable("trailing content after the JSON object");
            }
        } catch (final JsonReader.SyntaxError e) {
            throw new NotSplittable("not valid JSON: " + e.getMessage());
        }
        if (!l2Data) {
            return List.of();
        }
        if (eventsField < 0) {
            throw new NotSplittable("l2_data message without \"events\"");
        }
        if (eventsByProduct.containsKey("")) {
            throw new NotSplittable("an l2_data event has no string \"product_id\"");
        }
        if (eventsByProduct.size() <= 1) {
            final String only = eventsByProduct.isEmpty() ? null : eventsByProduct.keySet().iterator().next();
            final byte[] copy = new byte[length];
            System.arraycopy(bytes, offset, copy, 0, length);
            return only == null ? List.of() : List.of(new ProductMessage(only, copy));
        }
        final List<ProductMessage> out = new ArrayList<>(eventsByProduct.size());
        for (final Map.Entry<String, List<int[]>> e : eventsByProduct.entrySet()) {
            final ByteArrayOutputStream b = new ByteArrayOutputStream(length);
            b.write('{');
            for (int f = 0; f < fields.size(); f++) {
                if (f > 0) {
                    b.write(',');
                }
                if (f == eventsField) {
                    b.writeBytes("\"events\":[".getBytes(StandardCharsets.US_ASCII));
                    final List<int[]> events = e.getValue();
                    for (int i = 0; i < events.size(); i++) {
                        if (i > 0) {
                            b.write(',');
                        }
                        b.write(bytes, events.get(i)[0], events.get(i)[1] - events.get(i)[0]);
                    }
                    b.write(']');
                } else {
                    b.write(bytes, fields.get(f)[0], fields.get(f)[1] - fields.get(f)[0]);
                }
            }
            b.write('}');
            out.add(new ProductMessage(e.getKey(), b.toByteArray()));
        }
        return out;
    }

    /** Reads one event object, returning its product id (null if none or not a string); consumes the event. */
    private static String productIdOfEvent(final JsonReader r) {
        if (r.peek() != '{') {
            r.skipValue();
            return null;
        }
        String productId = null;
        r.enterObject();
        while (r.nextField()) {
            if (r.regionEquals(F_PRODUCT_ID) && r.peek() == '"') {
                r.readString();
                productId = r.stringValue();
            } else {
                r.skipValue();
            }
        }
        return productId;
    }
}
