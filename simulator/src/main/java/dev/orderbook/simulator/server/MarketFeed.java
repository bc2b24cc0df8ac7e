package dev.orderbook.simulator.server;

import dev.orderbook.simulator.market.protocol.FeedEncoder;
import dev.orderbook.simulator.market.protocol.MalformedKind;

import java.util.List;

/**
 * Where the simulator's book data comes from: the seeded synthetic market ({@link SyntheticFeed}) or a recorded
 * file ({@link RecordedFeed}). It holds one book per product and writes that book's messages, in the protocol
 * each connection speaks, to the connections subscribed to the product.
 *
 * <p>Threading: owned and driven by the sender thread only.
 */
interface MarketFeed {
    /** The products served, in index order. */
    List<String> productIds();

    /** Index of a product in {@link #productIds()}, or {@code -1} if it is not served. */
    int indexOf(String productId);

    /** Market time of the last message, epoch nanoseconds: the time written into heartbeats and confirmations. */
    long clockNs();

    /** The encoder of a new connection's messages, or null if this feed encodes without one. */
    FeedEncoder newEncoder(long connectionId);

    /**
     * Makes the next book message, applies it to the feed's books and sends it to every open connection with a
     * live subscription to its product (see {@link Connection#receivesData}).
     *
     * @param exchangeSequences per product, the Exchange heartbeat {@code sequence}: advanced by the changes sent
     * @return false if there is no message left (end of a recorded file); nothing was sent then
     */
    boolean sendNext(List<Connection> connections, long[] exchangeSequences);

    /** Sends a snapshot of one product's current book to one connection. */
    void sendSnapshot(Connection connection, int productIndex);

    /**
     * Sends one bad book message for one product to one connection: torn ({@link MalformedKind#INVALID_JSON}), or
     * valid JSON naming the product with one spoiled value, so a decoder can tell which product it concerned.
     */
    void sendMalformed(Connection connection, int productIndex, MalformedKind kind);

    /** A copy of one product's current book. */
    BookSnapshot bookSnapshot(int productIndex);

    /** Where the data comes from, for the log. */
    String describe();
}
