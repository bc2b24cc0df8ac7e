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
 * Encodes the Coinbase Advanced Trade feed ({@code level2} + {@code heartbeats} channels). Every message has the
 * envelope {@code {"channel":...,"timestamp":"<ns ISO-8601>","sequence_num":N,"events":[...]}} with one
 * {@code sequence_num} counter per connection, across channels, increasing by one per message:
 * <ul>
 *   <li>{@code subscriptions}, cumulative, one per subscribe request:
 *       {@code {"subscriptions":{"level2":["BTC-USD"]}}}, then
 *       {@code {"subscriptions":{"heartbeats":["heartbeats"],"level2":["BTC-USD"]}}};</li>
 *   <li>{@code l2_data} with a {@code snapshot} event per product first, then {@code update} events, each
 *       {@code {"type":"update","product_id":"BTC-USD","updates":[{"side":"bid","event_time":"<us ISO-8601>",
 *       "price_level":"65061.91","new_quantity":"0"}]}}; sides are {@code bid} and {@code offer}, and one message
 *       may carry events of several products;</li>
 *   <li>{@code heartbeats} once a simulated second:
 *       {@code {"current_time":"2026-11-23 19:00:01.000123 +0000 UTC m=+100001.000123000","heartbeat_counter":100001}}.
 *   </li>
 * </ul>
 * Envelope timestamps trail the batch time by a small simulated publishing delay and never go backwards.
 *
 * <p>Deterministic given its seed; not thread-safe (see {@link FeedEncoder}).
 */
public final class AdvancedTradeEncoder implements FeedEncoder {
    private static final long MAX_PUBLISH_DELAY_NS = 2_000_000L;
    private static final long SUBSCRIPTION_DELAY_NS = 150_000L;
    private static final long MAX_SERVER_UPTIME_NS = 500_000L * 1_000_000_000L;
    private static final long HEARTBEAT_JITTER_NS = 1_000_000L;

    private final List<ProductSpec> products;
    private final SplittableRandom random;
    private final WireDecimals decimals;
    private final WireTimestamps timestamps = new WireTimestamps();
    private final StringBuilder message = new StringBuilder(1 << 12);
    private final StringBuilder badMessage = new StringBuilder(512);
    private final LevelConsumer snapshotLevel = this::appendSnapshotLevel;
    private final long serverStartNs;
    private long nextSequenceNum;
    private long lastTimestampNs;
    private long nextHeartbeatNs;
    private ProductSpec snapshotSpec;
    private String snapshotSide;
    private long snapshotTimeNs;
    private boolean firstLevel;

    /** See {@link FeedEncoder#forProtocol}. */
    public AdvancedTradeEncoder(final List<ProductSpec> products, final long startNs, final long seed) {
        this.products = List.copyOf(products);
        this.random = new SplittableRandom(Seeds.derive(seed, Seeds.ENCODER_STREAM));
        this.decimals = new WireDecimals(random);
        this.serverStartNs = startNs - HEARTBEAT_INTERVAL_NS - random.nextLong(MAX_SERVER_UPTIME_NS);
        this.lastTimestampNs = startNs;
        this.nextHeartbeatNs = startNs + HEARTBEAT_INTERVAL_NS + random.nextLong(HEARTBEAT_INTERVAL_NS);
    }

    @Override
    public Protocol protocol() {
        return Protocol.ADVANCED;
    }

    @Override
    public boolean combinesProducts() {
        return true;
    }

    @Override
    public void encodeSubscriptions(final long timeNs, final MessageSink sink) {
        // One confirmation per subscribe request (level2, then heartbeats), each listing everything so far.
        final StringBuilder level2 = startEnvelope("subscriptions", timeNs);
        level2.append("{\"subscriptions\":{\"level2\":");
        appendProductIds(level2);
        level2.append("}}]}");
        send(level2, sink);
        final StringBuilder both = startEnvelope("subscriptions", lastTimestampNs + SUBSCRIPTION_DELAY_NS);
        both.append("{\"subscriptions\":{\"heartbeats\":[\"heartbeats\"],\"level2\":");
        appendProductIds(both);
        both.append("}}]}");
        send(both, sink);
    }

    @Override
    public void encodeSnapshot(final SyntheticMarket market, final int productIndex, final long timeNs,
                               final MessageSink sink) {
        final ProductSpec spec = products.get(productIndex);
        final StringBuilder out = startEnvelope("l2_data", timeNs);
        out.append("{\"type\":\"snapshot\",\"product_id\":\"").append(spec.productId()).append("\",\"updates\":[");
        snapshotSpec = spec;
        snapshotTimeNs = timeNs;
        firstLevel = true;
        snapshotSide = "{\"side\":\"bid\",\"event_time\":\"";
        market.forEachLevel(productIndex, Side.BID, snapshotLevel);
        snapshotSide = "{\"side\":\"offer\",\"event_time\":\"";
        market.forEachLevel(productIndex, Side.ASK, snapshotLevel);
        out.append("]}]}");
        send(out, sink);
    }

    @Override
    public void encodeHeartbeatsDue(final long timeNs, final MessageSink sink) {
        while (nextHeartbeatNs <= timeNs) {
            final long dueNs = nextHeartbeatNs;
            final StringBuilder out = startEnvelope("heartbeats", dueNs);
            out.append("{\"current_time\":\"");
            timestamps.appendGoTime(out, dueNs);
            out.append(" m=+");
            WireTimestamps.appendSecondsNanos(out, dueNs - serverStartNs);
            out.append("\",\"heartbeat_counter\":").append((dueNs - serverStartNs) / HEARTBEAT_INTERVAL_NS)
                    .append("}]}");
            nextHeartbeatNs = dueNs + HEARTBEAT_INTERVAL_NS + random.nextLong(HEARTBEAT_JITTER_NS);
            send(out, sink);
        }
    }

    @Override
    public void encodeUpdates(final ChangeBatch[] batches, final int count, final MessageSink sink) {
        if (count < 1) {
            throw new IllegalArgumentException("no batch to encode");
        }
        long latestNs = batches[0].timeNs();
        for (int b = 1; b < count; b++) {
            latestNs = Math.max(latestNs, batches[b].timeNs());
        }
        final StringBuilder out = startEnvelope("l2_data", latestNs + 1 + random.nextLong(MAX_PUBLISH_DELAY_NS));
        appendUpdateEvents(out, batches, count);
        send(out, sink);
    }

    @Override
    public void encodeUpdates(final ChangeBatch[] batches, final int count, final long timestampNs,
                              final MessageSink sink) {
        if (count < 1) {
            throw new IllegalArgumentException("no batch to encode");
        }
        lastTimestampNs = Math.max(lastTimestampNs, timestampNs);
        final StringBuilder out = message;
        out.setLength(0);
        out.append("{\"channel\":\"l2_data\",\"timestamp\":\"");
        timestamps.appendNanos(out, timestampNs);
        out.append("\",\"sequence_num\":").append(nextSequenceNum).append(",\"events\":[");
        appendUpdateEvents(out, batches, count);
        send(out, sink);
    }

    private void appendUpdateEvents(final StringBuilder out, final ChangeBatch[] batches, final int count) {
        for (int b = 0; b < count; b++) {
            if (b > 0) {
                out.append(',');
            }
            appendUpdateEvent(out, batches[b]);
        }
        out.append("]}");
    }

    private void appendUpdateEvent(final StringBuilder out, final ChangeBatch batch) {
        final ProductSpec spec = products.get(batch.productIndex());
        final int priceScale = spec.priceScale();
        final int sizeScale = spec.sizeScale();
        out.append("{\"type\":\"update\",\"product_id\":\"").append(spec.productId()).append("\",\"updates\":[");
        final int size = batch.size();
        for (int i = 0; i < size; i++) {
            out.append(i == 0 ? "{\"side\":\"" : ",{\"side\":\"")
                    .append(batch.sideCode(i) == Side.BID_CODE ? "bid" : "offer")
                    .append("\",\"event_time\":\"");
            timestamps.appendMicros(out, batch.eventTimeNs(i));
            out.append("\",\"price_level\":\"");
            decimals.appendPrice(out, batch.priceTicks(i), priceScale);
            out.append("\",\"new_quantity\":\"");
            decimals.appendSize(out, batch.sizeLots(i), sizeScale);
            out.append("\"}");
        }
        out.append("]}");
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
        // Repeats the number of the last message sent: a consumer that drops the line sees no gap, and one that
        // reads the number sees an old one, never the number of the next good message.
        out.append("{\"channel\":\"l2_data\",\"timestamp\":\"");
        timestamps.appendNanos(out, Math.max(timeNs, lastTimestampNs));
        out.append("\",\"sequence_num\":").append(Math.max(0, nextSequenceNum - 1))
                .append(",\"events\":[{\"type\":\"update\",\"product_id\":\"").append(spec.productId())
                .append("\",\"updates\":[{\"side\":\"")
                .append(kind.side(random, bid ? "bid" : "offer"))
                .append("\",\"event_time\":\"");
        timestamps.appendMicros(out, timeNs);
        out.append("\",\"price_level\":\"");
        kind.appendPrice(out, random, priceTicks, spec.priceScale());
        out.append("\",\"new_quantity\":\"");
        kind.appendSize(out, sizeLots, spec.sizeScale());
        out.append("\"}]}]}");
        if (kind == MalformedKind.INVALID_JSON) {
            // Any proper prefix of a JSON object is invalid JSON: a torn write.
            out.setLength(1 + random.nextInt(out.length() - 1));
        }
        sink.accept(out);
    }

    private StringBuilder startEnvelope(final String channel, final long timestampNs) {
        final long stampNs = Math.max(timestampNs, lastTimestampNs);
        lastTimestampNs = stampNs;
        final StringBuilder out = message;
        out.setLength(0);
        out.append("{\"channel\":\"").append(channel).append("\",\"timestamp\":\"");
        timestamps.appendNanos(out, stampNs);
        out.append("\",\"sequence_num\":").append(nextSequenceNum).append(",\"events\":[");
        return out;
    }

    /** Hands a message to the sink; its sequence number counts as used only once it is sent. */
    private void send(final StringBuilder out, final MessageSink sink) {
        sink.accept(out);
        nextSequenceNum++;
    }

    private void appendSnapshotLevel(final long priceTicks, final long sizeLots) {
        final StringBuilder out = message;
        if (!firstLevel) {
            out.append(',');
        }
        firstLevel = false;
        out.append(snapshotSide);
        timestamps.appendMicros(out, snapshotTimeNs);
        out.append("\",\"price_level\":\"");
        decimals.appendPrice(out, priceTicks, snapshotSpec.priceScale());
        out.append("\",\"new_quantity\":\"");
        decimals.appendSize(out, sizeLots, snapshotSpec.sizeScale());
        out.append("\"}");
    }

    private void appendProductIds(final StringBuilder out) {
        out.append('[');
        for (int p = 0; p < products.size(); p++) {
            out.append(p == 0 ? "\"" : ",\"").append(products.get(p).productId()).append('"');
        }
        out.append(']');
    }
}
