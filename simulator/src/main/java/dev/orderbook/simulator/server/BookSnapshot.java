package dev.orderbook.simulator.server;

import java.math.BigDecimal;
import java.util.Collections;
import java.util.NavigableMap;

/**
 * A copy of one product's book in the simulator's market, taken between two update messages: what a client that
 * applied every message sent so far must hold. Prices and sizes are exact decimals with trailing zeros stripped.
 * Immutable.
 *
 * @param productId the product
 * @param bids      price to size, best (highest) first
 * @param asks      price to size, best (lowest) first
 */
public record BookSnapshot(String productId, NavigableMap<BigDecimal, BigDecimal> bids,
                           NavigableMap<BigDecimal, BigDecimal> asks) {

    public BookSnapshot {
        bids = Collections.unmodifiableNavigableMap(bids);
        asks = Collections.unmodifiableNavigableMap(asks);
    }
}
