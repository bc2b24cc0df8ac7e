package dev.orderbook.simulator.market.protocol;

import dev.orderbook.codec.model.Side;
import dev.orderbook.simulator.market.ChangeBatch;
import dev.orderbook.simulator.market.LevelConsumer;
import dev.orderbook.simulator.market.ProductSpec;
import dev.orderbook.simulator.market.Protocol;
import dev.orderbook.simulator.market.Seeds;
import dev.orderbook.simulator.market.SyntheticMarket;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Encodes the Coinbase Exchange feed ({@code level2_batch} + {@code heartbeat} channels), one JSON object per
 * message, field order as the exchange sends it:
 * <pre>
 * {"type":"subscriptions","channels":[{"name":"level2_batch","product_ids":["BTC-USD"]},
 *     {"name":"heartbeat","product_ids":["BTC-USD"]}]}
 * {"type":"snapshot","product_id":"BTC-USD","bids":[["65000.01","0.50000000"],...],"asks":[["65000.02","1.2"],...]}
 * {"type":"l2update","product_id":"BTC-USD","changes":[["buy","64999.50","0.12"]],
 *     "time":"2026-11-23T19:00:00.123456Z"}
 * {"type":"heartbeat","sequence":90,"last_trade_id":20,"product_id":"BTC-USD","time":"2026-11-23T19:00:01.000000Z"}
 * </pre>
 * (wrapped here; each message is one line on the wire).
 * Heartbeats come once a simulated second per product; {@code sequence} grows with the product's traffic and
 * {@code last_trade_id} with simulated trades, so both only ever increase.
 *
 * <p>Deterministic given its seed; not thread-safe (see {@link FeedEncoder}).
 */
public final class ExchangeFeedEncoder implements FeedEncoder {
    private static final long SEQUENCE_BASE = 90_000_000_000L;
    private static final long TRADE_ID_BASE = 600_000_000L;
    private static final int MAX_TRADES_PER_HEARTBEAT = 5;
    private static final long HEARTBEAT_JITTER_NS = 1_000_000L;

    private final List<ProductSpec> products;
    private final SplittableRandom random;
    private final WireDecimals decimals;
    private final WireTimestamps timestamps = new WireTimestamps();
    private final StringBuilder message = new StringBuilder(1 << 12);
    private final StringBuilder badMessage = new StringBuilder(256);
    private final long[] sequences;
    private final long[] lastTradeIds;
    private final long[] nextHeartbeatNs;
    private final LevelConsumer snapshotLevel = this::appendSnapshotLevel;
    private int snapshotPriceScale;
    private int snapshotSizeScale;
    private boolean firstLevel;

    /** See {@link FeedEncoder#forProtocol}. */
    public ExchangeFeedEncoder(final List<ProductSpec> products, final long startNs, final long seed) {
        this.products = List.copyOf(products);
        this.random = new SplittableRandom(Seeds.derive(seed, Seeds.ENCODER_STREAM));
        this.decimals = new WireDecimals(random);
        final int count = this.products.size();
        this.sequences = new long[count];
        this.lastTradeIds = new long[count];
        this.nextHeartbeatNs = new long[count];
        for (int p = 0; p < count; p++) {
            sequences[p] = SEQUENCE_BASE + random.nextLong(SEQUENCE_BASE);
            lastTradeIds[p] = TRADE_ID_BASE + random.nextLong(TRADE_ID_BASE);
            nextHeartbeatNs[p] = startNs + HEARTBEAT_INTERVAL_NS + random.nextLong(HEARTBEAT_INTERVAL_NS);
        }
    }

    @Override
    public Protocol protocol() {
        return Protocol.EXCHANGE;
    }

    @Override
    public boolean combinesProducts() {
        return false;
    }

    @Override
    public void encodeSubscriptions(final long timeNs, final MessageSink sink) {
        final StringBuilder out = message;
        out.setLength(0);
        out.append("{\"type\":\"subscriptions\",\"channels\":[{\"name\":\"level2_batch\",\"product_ids\":");
        appendProductIds(out);
        out.append("},{\"name\":\"heartbeat\",\"product_ids\":");
        appendProductIds(out);
        out.append("}]}");
        sink.accept(out);
    }

    @Override
    public void encodeSnapshot(final SyntheticMarket market, final int productIndex, final long timeNs,
                               final MessageSink sink) {
        final ProductSpec spec = products.get(productIndex);
        final StringBuilder out = message;
        out.setLength(0);
        out.append("{\"type\":\"snapshot\",\"product_id\":\"").append(spec.productId()).append("\",\"bids\":[");
        snapshotPriceScale = spec.priceScale();
        snapshotSizeScale = spec.sizeScale();
        firstLevel = true;
        market.forEachLevel(productIndex, Side.BID, snapshotLevel);
        out.append("],\"asks\":[");
        firstLevel = true;
        market.forEachLevel(productIndex, Side.ASK, snapshotLevel);
        out.append("]}");
        sink.accept(out);
    }

    @Override
    public void encodeHeartbeatsDue(final long timeNs, final MessageSink sink) {
        while (true) {
            int due = -1;
            for (int p = 0; p < nextHeartbeatNs.length; p++) {
                if (nextHeartbeatNs[p] <= timeNs && (due < 0 || nextHeartbeatNs[p] < nextHeartbeatNs[due])) {
                    due = p;
                }
            }
            if (due < 0) {
                return;
            }
            final int trades = random.nextInt(MAX_TRADES_PER_HEARTBEAT + 1);
            lastTradeIds[due] += trades;
            sequences[due] += 1 + trades;
            final StringBuilder out = message;
            out.setLength(0);
            out.append("{\"type\":\"heartbeat\",\"sequence\":").append(sequences[due])
                    .append(",\"last_trade_id\":").append(lastTradeIds[due])
                    .append(",\"product_id\":\"").append(products.get(due).productId())
                    .append("\",\"time\":\"");
            timestamps.appendMicros(out, nextHeartbeatNs[due]);
            out.append("\"}");
            nextHeartbeatNs[due] += HEARTBEAT_INTERVAL_NS + random.nextLong(HEARTBEAT_JITTER_NS);
            sink.accept(out);
        }
    }

    @Override
    public void encodeUpdates(final ChangeBatch[] batches, final int count, final MessageSink sink) {
        for (int b = 0; b < count; b++) {
            encodeUpdate(batches[b], sink);
        }
    }

    /** The Exchange feed's {@code time} is each batch's own; {@code timestampNs} is not used. */
    @Override
    public void encodeUpdates(final ChangeBatch[] batches, final int count, final long timestampNs,
                              final MessageSink sink) {
        encodeUpdates(batches, count, sink);
    }

    private void encodeUpdate(final ChangeBatch batch, final MessageSink sink) {
        final int productIndex = batch.productIndex();
        final ProductSpec spec = products.get(productIndex);
        final int priceScale = spec.priceScale();
        final int sizeScale = spec.sizeScale();
        final StringBuilder out = message;
        out.setLength(0);
        out.append("{\"type\":\"l2update\",\"product_id\":\"").append(spec.productId()).append("\",\"changes\":[");
        final int size = batch.size();
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                out.append(',');
            }
            out.append(batch.sideCode(i) == Side.BID_CODE ? "[\"buy\",\"" : "[\"sell\",\"");
            decimals.appendPrice(out, batch.priceTicks(i), priceScale);
            out.append("\",\"");
            decimals.appendSize(out, batch.sizeLots(i), sizeScale);
            out.append("\"]");
        }
        out.append("],\"time\":\"");
        timestamps.appendMicros(out, batch.timeNs());
        out.append("\"}");
        // The exchange's sequence counts every order event; level changes are a fraction of them.
        sequences[productIndex] += size + random.nextInt(size + 1);
        sink.accept(out);
    }

    @Override
    public void encodeMalformed(final MalformedKind kind, final SyntheticMarket market, final int productIndex,
                                final long timeNs, final MessageSink sink) {
        final ProductSpec spec = products.get(productIndex);
        final boolean bid = random.nextBoolean();
        final long priceTicks = market.bestPriceTicks(productIndex, bid ? Side.BID : Side.ASK);
        final long sizeLots = Math.max(1, spec.meanSizeLots() / 2);
        final StringBuilder out = badMessage;
        out.setLength(0);
        out.append("{\"type\":\"l2update\",\"product_id\":\"").append(spec.productId()).append("\",\"changes\":[[\"");
        out.append(kind.side(random, bid ? "buy" : "sell"));
        out.append("\",\"");
        kind.appendPrice(out, random, priceTicks, spec.priceScale());
        out.append("\",\"");
        kind.appendSize(out, sizeLots, spec.sizeScale());
        out.append("\"]],\"time\":\"");
        timestamps.appendMicros(out, timeNs);
        out.append("\"}");
        if (kind == MalformedKind.INVALID_JSON) {
            // Any proper prefix of a JSON object is invalid JSON: a torn write.
            out.setLength(1 + random.nextInt(out.length() - 1));
        }
        sink.accept(out);
    }

    private void appendSnapshotLevel(final long priceTicks, final long sizeLots) {
        final StringBuilder out = message;
        out.append(firstLevel ? "[\"" : ",[\"");
        firstLevel = false;
        decimals.appendPrice(out, priceTicks, snapshotPriceScale);
        out.append("\",\"");
        decimals.appendSize(out, sizeLots, snapshotSizeScale);
        out.append("\"]");
    }

    private void appendProductIds(final StringBuilder out) {
        out.append('[');
        for (int p = 0; p < products.size(); p++) {
            out.append(p == 0 ? "\"" : ",\"").append(products.get(p).productId()).append('"');
        }
        out.append(']');
    }
}
