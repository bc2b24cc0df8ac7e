package dev.orderbook.simulator.server;

import dev.orderbook.codec.model.Side;
import dev.orderbook.simulator.market.ChangeBatch;
import dev.orderbook.simulator.market.MarketOptions;
import dev.orderbook.simulator.market.ProductSpec;
import dev.orderbook.simulator.market.Protocol;
import dev.orderbook.simulator.market.SyntheticMarket;
import dev.orderbook.simulator.market.protocol.FeedEncoder;
import dev.orderbook.simulator.market.protocol.MalformedKind;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeMap;

/**
 * The simulator's market from a seeded {@link SyntheticMarket}: an endless stream of batches, each encoded per
 * connection by that connection's {@link FeedEncoder}. Sender thread only.
 */
final class SyntheticFeed implements MarketFeed {
    private final Protocol protocol;
    private final long seed;
    private final SyntheticMarket market;
    private final List<ProductSpec> products;
    private final List<String> productIds;
    private final ChangeBatch[] batches;

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
    public boolean sendNext(final List<Connection> connections, final long[] exchangeSequences) {
        final ChangeBatch batch = batches[0];
        market.nextBatch(batch);
        final int p = batch.productIndex();
        exchangeSequences[p] += batch.size();
        for (int i = 0; i < connections.size(); i++) {
            final Connection c = connections.get(i);
            if (c.receivesData(p)) {
                c.encoder.encodeUpdates(batches, 1, c.sink);
            }
        }
        return true;
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
    public String describe() {
        return "synthetic seed=" + seed;
    }

    private static BigDecimal decimal(final long unscaled, final int scale) {
        return BigDecimal.valueOf(unscaled, scale).stripTrailingZeros();
    }
}
