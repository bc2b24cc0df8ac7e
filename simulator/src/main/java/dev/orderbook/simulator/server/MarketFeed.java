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
     * Makes the next book message, applies it to the feed's books, tells {@code changes} about every product it
     * touched and sends it to every open connection with a live subscription to its product (see
     * {@link Connection#receivesData}).
     *
     * @param exchangeSequences per product, the Exchange heartbeat {@code sequence}: advanced by the changes sent
     * @param changes           told once per product the message touched, after it was applied, in the order the
     *                          products first appear in the message
     * @return false if there is no message left (end of a recorded file); nothing was sent then
     */
    boolean sendNext(List<Connection> connections, long[] exchangeSequences, BookChanges changes);

    /**
     * Sends one update of a product that is not applied to the feed's books: a bid one price step above the best
     * ask, with a small size, to every connection receiving the product's data, in its protocol and (Advanced
     * Trade) with its next {@code sequence_num}. Its time is one no market message of the product carries.
     *
     * @return the connections it was sent to, or {@code -1} if the product's ask side is empty (nothing to cross)
     */
    int sendCrossing(List<Connection> connections, int productIndex);

    /** Sends a snapshot of one product's current book to one connection. */
    void sendSnapshot(Connection connection, int productIndex);

    /**
     * Sends one bad book message for one product to one connection: torn ({@link MalformedKind#INVALID_JSON}), or
     * valid JSON naming the product with one spoiled value, so a decoder can tell which product it concerned.
     */
    void sendMalformed(Connection connection, int productIndex, MalformedKind kind);

    /** A copy of one product's current book. */
    BookSnapshot bookSnapshot(int productIndex);

    /** One product's current best levels, labelled with the given time and count (see {@link TopOfBook}). */
    TopOfBook topOfBook(int productIndex, String time, long seq);

    /** Where the data comes from, for the log. */
    String describe();

    /** Told about each product a market message changed, after the change. Sender thread only. */
    @FunctionalInterface
    interface BookChanges {
        /**
         * @param productIndex the product
         * @param time         the time the message carries on the wire, as a JSON parser reads it (see
         *                     {@link TopOfBook#time()}); null if it carries none
         */
        void bookChanged(int productIndex, String time);
    }
}
