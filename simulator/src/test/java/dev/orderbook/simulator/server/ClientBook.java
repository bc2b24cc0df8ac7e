package dev.orderbook.simulator.server;

import com.fasterxml.jackson.databind.JsonNode;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.TreeMap;

/** The simplest correct client book: two sorted maps fed from either protocol's JSON. Test only. */
final class ClientBook {
    final TreeMap<BigDecimal, BigDecimal> bids = new TreeMap<>(Collections.reverseOrder());
    final TreeMap<BigDecimal, BigDecimal> asks = new TreeMap<>();

    /** Exchange {@code snapshot}: replaces the book. */
    void applyExchangeSnapshot(final JsonNode snapshot) {
        bids.clear();
        asks.clear();
        for (final JsonNode level : snapshot.get("bids")) {
            set(bids, level.get(0).asText(), level.get(1).asText());
        }
        for (final JsonNode level : snapshot.get("asks")) {
            set(asks, level.get(0).asText(), level.get(1).asText());
        }
    }

    /** Exchange {@code l2update}: every change, in order. */
    void applyExchangeUpdate(final JsonNode update) {
        for (final JsonNode change : update.get("changes")) {
            set("buy".equals(change.get(0).asText()) ? bids : asks, change.get(1).asText(), change.get(2).asText());
        }
    }

    /** One Advanced Trade {@code l2_data} event: a snapshot replaces the book first. */
    void applyAdvancedEvent(final JsonNode event) {
        if ("snapshot".equals(event.get("type").asText())) {
            bids.clear();
            asks.clear();
        }
        for (final JsonNode update : event.get("updates")) {
            final String side = update.get("side").asText();
            set("bid".equals(side) ? bids : asks, update.get("price_level").asText(),
                    update.get("new_quantity").asText());
        }
    }

    /** The book's best levels as a {@link TopOfBook} labelled with {@code time} and {@code seq}. */
    TopOfBook top(final String productId, final String time, final long seq) {
        return new TopOfBook(productId, time, bids.isEmpty() ? null : bids.firstKey(),
                bids.isEmpty() ? null : bids.firstEntry().getValue(), asks.isEmpty() ? null : asks.firstKey(),
                asks.isEmpty() ? null : asks.firstEntry().getValue(), seq);
    }

    boolean isCrossed() {
        return !bids.isEmpty() && !asks.isEmpty() && bids.firstKey().compareTo(asks.firstKey()) >= 0;
    }

    private static void set(final TreeMap<BigDecimal, BigDecimal> side, final String price, final String size) {
        final BigDecimal quantity = new BigDecimal(size);
        if (quantity.signum() == 0) {
            side.remove(new BigDecimal(price));
        } else {
            side.put(new BigDecimal(price).stripTrailingZeros(), quantity.stripTrailingZeros());
        }
    }
}
