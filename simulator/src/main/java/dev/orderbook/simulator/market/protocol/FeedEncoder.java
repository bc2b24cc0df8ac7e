package dev.orderbook.simulator.market.protocol;

import dev.orderbook.simulator.market.ChangeBatch;
import dev.orderbook.simulator.market.ProductSpec;
import dev.orderbook.simulator.market.Protocol;
import dev.orderbook.simulator.market.SyntheticMarket;

import java.util.List;

/**
 * Turns a {@link SyntheticMarket}'s books and batches into the messages of one Coinbase protocol, exactly as
 * COINBASE.md spells them, for one client connection: it owns the connection's protocol state (sequence numbers,
 * heartbeat schedule).
 *
 * <p>A session writes {@link #encodeSubscriptions}, then {@link #encodeSnapshot} per product, then, for each
 * batch in time order, {@link #encodeHeartbeatsDue} up to the batch's time followed by {@link #encodeUpdates}.
 * Every message goes to the sink as soon as it is complete.
 *
 * <p>Deterministic: spelling choices (zeros, trailing zeros) come from a random source seeded at construction.
 * Not thread-safe: one encoder per connection, driven by one thread.
 */
public interface FeedEncoder {
    /** Heartbeats are due about this often (per product on the Exchange feed, per connection on Advanced). */
    long HEARTBEAT_INTERVAL_NS = 1_000_000_000L;

    /** The protocol spoken. */
    Protocol protocol();

    /** True if one update message may carry several products' batches (Advanced Trade). */
    boolean combinesProducts();

    /**
     * The subscribe confirmation(s) a client gets for level-2 data and heartbeats on every product.
     *
     * @param timeNs simulated send time, epoch nanoseconds
     */
    void encodeSubscriptions(long timeNs, MessageSink sink);

    /** The full current book of one product, bids best first (descending) and asks best first (ascending). */
    void encodeSnapshot(SyntheticMarket market, int productIndex, long timeNs, MessageSink sink);

    /** Every heartbeat due at or before {@code timeNs} and not yet sent, in time order. */
    void encodeHeartbeatsDue(long timeNs, MessageSink sink);

    /**
     * Book updates for {@code batches[0..count)}, in order. The Exchange feed writes one {@code l2update} per
     * batch; Advanced Trade writes one {@code l2_data} message with one event per batch.
     */
    void encodeUpdates(ChangeBatch[] batches, int count, MessageSink sink);

    /**
     * As {@link #encodeUpdates(ChangeBatch[], int, MessageSink)}, with the message's time chosen by the caller
     * instead of drawn per connection: Advanced Trade's envelope {@code timestamp} is exactly {@code timestampNs},
     * so that every connection (and the simulator's truth log) sees the same time for the same message. The caller
     * keeps these times from going backwards. The Exchange feed ignores it: its {@code time} is each batch's own.
     *
     * @param timestampNs Advanced Trade envelope time, epoch nanoseconds
     */
    void encodeUpdates(ChangeBatch[] batches, int count, long timestampNs, MessageSink sink);

    /**
     * One bad line of the given kind: an otherwise ordinary one-change update near the top of the product's book
     * at {@code timeNs}. It does not advance any sequence number, so a consumer that drops it sees an unbroken
     * stream.
     */
    void encodeMalformed(MalformedKind kind, SyntheticMarket market, int productIndex, long timeNs,
                         MessageSink sink);

    /**
     * An encoder of {@code protocol}.
     *
     * @param products the market's products, in index order
     * @param startNs  simulated connection time, epoch nanoseconds: heartbeats start a second after
     * @param seed     seed of the spelling choices; the same seed gives the same text
     */
    static FeedEncoder forProtocol(final Protocol protocol, final List<ProductSpec> products, final long startNs,
                                   final long seed) {
        switch (protocol) {
            case EXCHANGE:
                return new ExchangeFeedEncoder(products, startNs, seed);
            case ADVANCED:
                return new AdvancedTradeEncoder(products, startNs, seed);
            default:
                throw new IllegalArgumentException("unknown protocol " + protocol);
        }
    }
}
