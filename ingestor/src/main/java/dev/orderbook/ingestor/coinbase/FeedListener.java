package dev.orderbook.ingestor.coinbase;

import dev.orderbook.contract.GapReason;
import dev.orderbook.ingestor.frame.DecodedFrame;

/**
 * Receives what a {@link CoinbaseFeedClient} sees on the wire.
 *
 * <p>Threading: every method is called on the client's single worker thread ({@code coinbase-feed-worker}), never on
 * the socket thread, one call at a time and in the order the events happened. An implementation may take its time
 * (the client queues meanwhile, up to {@link FeedClientConfig#queueCapacity()}), but a listener that keeps falling
 * behind gets its connection dropped. A {@link RuntimeException} thrown by a method is logged and the client carries
 * on.
 */
public interface FeedListener {

    /**
     * A connection opened; its subscribe messages are on their way. Messages of this session follow.
     *
     * @param sessionId a new random UUID per connection; never null
     */
    void onConnected(String sessionId);

    /**
     * One text frame, verbatim, whatever it holds (book data, heartbeats, confirmations, errors, unknown types, even
     * invalid JSON: the consumer decides), decoded once by the client: its session is the connection it arrived on
     * (as given to {@link #onConnected}), its session sequence 1 for the first frame of the session, then 2, 3, ...
     * without holes, its receive time when the socket thread received it.
     *
     * @param frame valid only during the call (the client reuses it); its bytes are the callee's to keep
     */
    void onFrame(DecodedFrame frame);

    /**
     * Continuity was lost for a product: its book is stale until the next snapshot of it, which a reconnect or a
     * resnapshot ({@link CoinbaseFeedClient#resnapshot}) brings.
     *
     * @param productId a subscribed product; never null
     * @param reason    {@code disconnect} (the connection closed or failed), {@code sequence} (an Advanced Trade
     *                  {@code sequence_num} jumped; reported for every product, as the counter is per connection),
     *                  {@code silence} (nothing received within the silence timeout, or on the Exchange feed this
     *                  product's heartbeats stopped: then for this product only, on the same connection), or the
     *                  reason given to {@link CoinbaseFeedClient#resnapshot} or
     *                  {@link CoinbaseFeedClient#dropConnection}
     */
    void onGap(String productId, GapReason reason);

    /**
     * The subscription did not go as asked: the server sent an {@code error} message, or a confirmation that lacks
     * a requested product. The client carries on; if no data comes, the silence timeout reconnects it.
     *
     * @param detail a human-readable description; never null
     */
    void onSubscriptionProblem(String detail);

    /**
     * Every {@link FeedClientConfig#livenessInterval()}, after the frames received before it: which products' feeds
     * are healthy now (see {@link CoinbaseFeedClient}), so that the listener can say so downstream.
     *
     * @param sessionId the session of the last frame dispatched, or null before any
     * @param healthy   per configured product (by index): healthy; reused, valid only during the call
     */
    default void onTick(String sessionId, boolean[] healthy) {
    }

    /**
     * The worker failed (a method of this listener threw, or the worker itself did) and has stopped: nothing more
     * will be delivered. The owner should stop, loudly. Called on the failing worker thread.
     */
    void onFatal(Throwable error);
}
