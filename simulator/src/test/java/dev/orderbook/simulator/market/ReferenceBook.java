package dev.orderbook.simulator.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.orderbook.codec.model.Side;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A plain {@link TreeMap} book for replaying generated changes and checking them independently of the market. */
final class ReferenceBook {
    final TreeMap<Long, Long> bids = new TreeMap<>(Comparator.reverseOrder());
    final TreeMap<Long, Long> asks = new TreeMap<>();

    static ReferenceBook copyOf(final SyntheticMarket market, final int productIndex) {
        final ReferenceBook book = new ReferenceBook();
        market.forEachLevel(productIndex, Side.BID, book.bids::put);
        market.forEachLevel(productIndex, Side.ASK, book.asks::put);
        return book;
    }

    TreeMap<Long, Long> side(final boolean bid) {
        return bid ? bids : asks;
    }

    /** Number of levels strictly better than {@code priceTicks}: the rank the price has or would get. */
    int rankOf(final boolean bid, final long priceTicks) {
        return side(bid).headMap(priceTicks, false).size();
    }

    void apply(final boolean bid, final long priceTicks, final long sizeLots) {
        if (sizeLots == 0) {
            side(bid).remove(priceTicks);
        } else {
            side(bid).put(priceTicks, sizeLots);
        }
    }

    void clear() {
        bids.clear();
        asks.clear();
    }

    /** Asserts: both sides non-empty, positive sizes and prices, best bid below best ask. */
    void assertValid(final String context) {
        assertThat(bids).as("bids of %s", context).isNotEmpty();
        assertThat(asks).as("asks of %s", context).isNotEmpty();
        assertThat(bids.firstKey()).as("best bid below best ask after %s", context).isLessThan(asks.firstKey());
        assertThat(bids.lastKey()).as("lowest bid after %s", context).isPositive();
        for (final Map.Entry<Long, Long> level : bids.entrySet()) {
            assertThat(level.getValue()).as("bid size at %s after %s", level.getKey(), context).isPositive();
        }
        for (final Map.Entry<Long, Long> level : asks.entrySet()) {
            assertThat(level.getValue()).as("ask size at %s after %s", level.getKey(), context).isPositive();
        }
    }

    /**
     * Cheap check after every message: both sides non-empty, best bid below best ask, lowest bid positive. Sizes
     * need no check here: {@link #apply} keeps no zero, and callers check for negatives.
     */
    void checkTop(final int messageNumber) {
        if (bids.isEmpty() || asks.isEmpty()) {
            fail("a side is empty after message " + messageNumber);
        }
        if (bids.firstKey() >= asks.firstKey()) {
            fail("crossed after message " + messageNumber + ": " + bids.firstKey() + " >= " + asks.firstKey());
        }
        if (bids.lastKey() <= 0) {
            fail("bid price " + bids.lastKey() + " after message " + messageNumber);
        }
    }

    /** Levels as {@code [price, size]} pairs, best first. */
    static List<long[]> levels(final SyntheticMarket market, final int productIndex, final Side side) {
        final List<long[]> levels = new ArrayList<>();
        market.forEachLevel(productIndex, side, (price, size) -> levels.add(new long[] {price, size}));
        return levels;
    }

    static List<long[]> levels(final TreeMap<Long, Long> side) {
        final List<long[]> levels = new ArrayList<>();
        side.forEach((price, size) -> levels.add(new long[] {price, size}));
        return levels;
    }
}
