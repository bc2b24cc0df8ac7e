package dev.orderbook.simulator.server;

import dev.orderbook.codec.model.Side;
import dev.orderbook.simulator.market.ChangeBatch;
import dev.orderbook.simulator.market.MarketOptions;
import dev.orderbook.simulator.market.ProductSpec;
import dev.orderbook.simulator.market.Protocol;
import dev.orderbook.simulator.market.Seeds;
import dev.orderbook.simulator.market.SyntheticMarket;
import dev.orderbook.simulator.market.protocol.FeedEncoder;
import dev.orderbook.simulator.market.protocol.MalformedKind;
import dev.orderbook.simulator.market.protocol.WireTimestamps;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The simulator's market from a seeded {@link SyntheticMarket}: an endless stream of batches, each encoded per
 * connection by that connection's {@link FeedEncoder}. Sender thread only.
 *
 * <p>Message times are the market's, the same on every connection: the Exchange feed's {@code time} is the batch's
 * time (microseconds); Advanced Trade's envelope {@code timestamp} trails it by a simulated publishing delay drawn
 * here once per message (seeded, so reproducible) and grows strictly from message to message.
 */
final class SyntheticFeed implements MarketFeed {
    // As AdvancedTradeEncoder's publishing delay: envelope timestamps trail the batch time by up to this.
    private static final long MAX_PUBLISH_DELAY_NS = 2_000_000L;
    // A crossing update is stamped this long after the product's last batch: between two of its batches, which
    // are at least 45 ms apart, so no market message of the product has its time.
    private static final long CROSSING_OFFSET_NS = 1_000L;
    // Divides the product's typical level size: the crossing bid is small, it only has to be there.
    private static final long CROSSING_SIZE_DIVISOR = 100;

    private final Protocol protocol;
    private final long seed;
    private final SyntheticMarket market;
    private final List<ProductSpec> products;
    private final List<String> productIds;
    private final ChangeBatch[] batches;
    private final ChangeBatch[] crossing;
    private final long[] lastBatchNs;
    private final SplittableRandom publishDelays;
    private final WireTimestamps timestamps = new WireTimestamps();
    private final StringBuilder timeText = new StringBuilder(32);
    private long lastStampNs;

    SyntheticFeed(final Protocol protocol, final MarketOptions options) {
        this.protocol = protocol;
        this.seed = options.seed();
        this.market = new SyntheticMarket(options);
        this.products = market.products();
        final List<String> ids = new ArrayList<>(products.size());
        for (final ProductSpec spec : products) {
            ids.add(spec.productId());
        }
        this.productIds = List.copyOf(ids);
        this.batches = new ChangeBatch[] {market.newBatch()};
        this.crossing = new ChangeBatch[] {new ChangeBatch(1)};
        this.lastBatchNs = new long[products.size()];
        Arrays.fill(lastBatchNs, SyntheticMarket.START_EPOCH_NS);
        this.publishDelays = new SplittableRandom(Seeds.derive(seed, Seeds.PUBLISH_STREAM));
        this.lastStampNs = SyntheticMarket.START_EPOCH_NS;
    }

    @Override
    public List<String> productIds() {
        return productIds;
    }

    @Override
    public int indexOf(final String productId) {
        return market.indexOf(productId);
    }

    @Override
    public long clockNs() {
        return market.clockNs();
    }

    @Override
    public FeedEncoder newEncoder(final long connectionId) {
        return FeedEncoder.forProtocol(protocol, products, SyntheticMarket.START_EPOCH_NS, seed + connectionId);
    }

    @Override
    public boolean sendNext(final List<Connection> connections, final long[] exchangeSequences,
                            final BookChanges changes) {
        final ChangeBatch batch = batches[0];
        market.nextBatch(batch);
        final int p = batch.productIndex();
        lastBatchNs[p] = batch.timeNs();
        exchangeSequences[p] += batch.size();
        final long stampNs = protocol == Protocol.ADVANCED
                ? nextStampNs(batch.timeNs() + 1 + publishDelays.nextLong(MAX_PUBLISH_DELAY_NS))
                : batch.timeNs();
        changes.bookChanged(p, timeText(stampNs));
        for (int i = 0; i < connections.size(); i++) {
            final Connection c = connections.get(i);
            if (c.receivesData(p)) {
                c.encoder.encodeUpdates(batches, 1, stampNs, c.sink);
            }
        }
        return true;
    }

    @Override
    public int sendCrossing(final List<Connection> connections, final int productIndex) {
        final long bestAskTicks = market.bestPriceTicks(productIndex, Side.ASK);
        if (bestAskTicks == SyntheticMarket.NO_PRICE) {
            return -1;
        }
        final ProductSpec spec = products.get(productIndex);
        final long timeNs = lastBatchNs[productIndex] + CROSSING_OFFSET_NS;
        crossing[0].fillSingle(productIndex, timeNs, Side.BID_CODE, bestAskTicks + 1,
                Math.max(1, spec.meanSizeLots() / CROSSING_SIZE_DIVISOR));
        // No random draw: the market's own timestamps stay the same with or without injected faults.
        final long stampNs = protocol == Protocol.ADVANCED ? nextStampNs(timeNs + 1) : timeNs;
        int sent = 0;
        for (int i = 0; i < connections.size(); i++) {
            final Connection c = connections.get(i);
            if (c.receivesData(productIndex)) {
                c.encoder.encodeUpdates(crossing, 1, stampNs, c.sink);
                sent++;
            }
        }
        return sent;
    }

    /** The next Advanced Trade envelope time: {@code candidateNs}, or later so that times strictly grow. */
    private long nextStampNs(final long candidateNs) {
        lastStampNs = Math.max(lastStampNs + 1, candidateNs);
        return lastStampNs;
    }

    /** A message's time as the encoders spell it: Exchange {@code time} in microseconds, Advanced in nanoseconds. */
    private String timeText(final long timeNs) {
        final StringBuilder out = timeText;
        out.setLength(0);
        if (protocol == Protocol.ADVANCED) {
            timestamps.appendNanos(out, timeNs);
        } else {
            timestamps.appendMicros(out, timeNs);
        }
        return out.toString();
    }

    @Override
    public void sendSnapshot(final Connection connection, final int productIndex) {
        connection.encoder.encodeSnapshot(market, productIndex, market.clockNs(), connection.sink);
    }

    @Override
    public void sendMalformed(final Connection connection, final int productIndex, final MalformedKind kind) {
        connection.encoder.encodeMalformed(kind, market, productIndex, market.clockNs(),
                message -> connection.send(message.toString()));
    }

    @Override
    public BookSnapshot bookSnapshot(final int productIndex) {
        final ProductSpec spec = products.get(productIndex);
        final TreeMap<BigDecimal, BigDecimal> bids = new TreeMap<>(Collections.reverseOrder());
        final TreeMap<BigDecimal, BigDecimal> asks = new TreeMap<>();
        market.forEachLevel(productIndex, Side.BID, (price, size) -> bids.put(decimal(price, spec.priceScale()),
                decimal(size, spec.sizeScale())));
        market.forEachLevel(productIndex, Side.ASK, (price, size) -> asks.put(decimal(price, spec.priceScale()),
                decimal(size, spec.sizeScale())));
        return new BookSnapshot(spec.productId(), bids, asks);
    }

    @Override
    public TopOfBook topOfBook(final int productIndex, final String time, final long seq) {
        final ProductSpec spec = products.get(productIndex);
        final long bidTicks = market.bestPriceTicks(productIndex, Side.BID);
        final long askTicks = market.bestPriceTicks(productIndex, Side.ASK);
        final boolean hasBid = bidTicks != SyntheticMarket.NO_PRICE;
        final boolean hasAsk = askTicks != SyntheticMarket.NO_PRICE;
        return new TopOfBook(spec.productId(), time,
                hasBid ? decimal(bidTicks, spec.priceScale()) : null,
                hasBid ? decimal(market.sizeLotsAt(productIndex, Side.BID, bidTicks), spec.sizeScale()) : null,
                hasAsk ? decimal(askTicks, spec.priceScale()) : null,
                hasAsk ? decimal(market.sizeLotsAt(productIndex, Side.ASK, askTicks), spec.sizeScale()) : null,
                seq);
    }

    @Override
    public String describe() {
        return "synthetic seed=" + seed;
    }

    private static BigDecimal decimal(final long unscaled, final int scale) {
        return BigDecimal.valueOf(unscaled, scale).stripTrailingZeros();
    }
}
