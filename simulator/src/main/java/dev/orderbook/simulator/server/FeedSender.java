package dev.orderbook.simulator.server;

import dev.orderbook.simulator.market.Protocol;
import dev.orderbook.simulator.market.protocol.FeedEncoder;
import dev.orderbook.simulator.market.protocol.MalformedKind;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Extension;
import jakarta.websocket.Session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The simulator's one sending thread: it owns the {@link MarketFeed} (the synthetic market or a recorded file)
 * and every {@link Connection}'s protocol state, makes book messages at the configured rate and writes each to
 * the connections subscribed to its product, interleaved with heartbeats, subscription replies and injected
 * faults.
 *
 * <p>Consistency: client messages and faults are queued by other threads and run here between two book messages,
 * so a snapshot sent on subscription is the book exactly at a message boundary and the updates that follow are
 * every message after it. Unsubscribing stops a product's data for that connection at once.
 *
 * <p>Pacing: a credit scheme against {@link System#nanoTime()}; after a stall at most {@link #MAX_BURST_NS} worth
 * of messages is caught up, the rest is dropped from the schedule. {@link #run()} returns once {@link #stop()}
 * is called.
 *
 * <p>Truth: after each market message it counts the message for every product it touched and keeps its time,
 * for {@link #topOfBook}, and writes the product's new top of book to the {@link TruthLog} if there is one.
 * Injected faults (a crossing update, a malformed one) are not market messages and are not counted.
 */
final class FeedSender implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(FeedSender.class);
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final long IDLE_PARK_NS = 1_000_000L;
    // Catch-up budget after a stall (GC, a busy core): enough to absorb hiccups without a flood afterwards.
    private static final long MAX_BURST_NS = 100_000_000L;
    private static final long HEARTBEAT_INTERVAL_NS = FeedEncoder.HEARTBEAT_INTERVAL_NS;
    // A client this far behind is dropped (ErrSlowConsume); big enough for several deep snapshots in flight.
    private static final long MAX_PENDING_BYTES = 256L << 20;
    // Exchange heartbeat counters start at realistic magnitudes.
    private static final long SEQUENCE_BASE = 90_000_000_000L;
    private static final long TRADE_ID_BASE = 600_000_000L;
    private static final String FAILED_TO_SUBSCRIBE = "Failed to subscribe";
    private static final String FAILED_TO_UNSUBSCRIBE = "Failed to unsubscribe";
    private static final String LEVEL2_BATCH = "level2_batch";
    private static final String HEARTBEAT = "heartbeat";
    private static final String LEVEL2 = "level2";
    private static final String HEARTBEATS = "heartbeats";

    private final SimulatorOptions options;
    private final Protocol protocol;
    private final MarketFeed market;
    private final List<String> products;
    private final long[] exchangeSequences;
    private final ObjectMapper json = new ObjectMapper();
    private final Queue<Runnable> controls = new ConcurrentLinkedQueue<>();
    private final Queue<Runnable> queries = new ConcurrentLinkedQueue<>();
    private final List<Connection> connections = new ArrayList<>();
    private final AtomicLong nextConnectionId = new AtomicLong();
    private final AtomicLong messagesGenerated = new AtomicLong();
    private final AtomicLong crossingUpdatesSent = new AtomicLong();
    /** Per product: market messages that touched it, and the wire time of the last one. Sender thread only. */
    private final long[] truthSeqs;
    private final String[] truthTimes;
    /** Null: no truth log. */
    private final TruthLog truthLog;
    private final MarketFeed.BookChanges bookChanges = this::bookChanged;
    private final long startedNanos = System.nanoTime();
    private final long subscribeTimeoutNs;
    private volatile boolean running = true;
    private volatile int messagesPerSecond;
    private volatile long silentUntilNanos = startedNanos;
    private volatile boolean refuseSubscriptions;
    /** Null: the authenticated Exchange {@code level2} channel is refused, as to a client without credentials. */
    private volatile ExchangeAuth exchangeAuth;
    private boolean marketEnded;

    /** Accepts the authenticated Exchange {@code level2} channel from clients that sign with these; null: refuse. */
    void requireExchangeCredentials(final ExchangeAuth auth) {
        exchangeAuth = auth;
    }

    /**
     * @param truthLog where to write the truth, or null for nowhere; closed by {@link #closeAll()}
     */
    FeedSender(final SimulatorOptions options, final MarketFeed market, final TruthLog truthLog) {
        this.options = options;
        this.protocol = options.protocol();
        this.market = market;
        this.products = market.productIds();
        this.truthLog = truthLog;
        this.truthSeqs = new long[products.size()];
        this.truthTimes = new String[products.size()];
        this.exchangeSequences = new long[products.size()];
        for (int p = 0; p < exchangeSequences.length; p++) {
            exchangeSequences[p] = SEQUENCE_BASE + p * 1_000_000_000L;
        }
        this.messagesPerSecond = options.messagesPerSecond();
        this.subscribeTimeoutNs = options.subscribeTimeout().toNanos();
    }

    // ---- called from other threads -------------------------------------------------------------------------

    /** A new session (Grizzly thread): builds its state and queues its registration. */
    Connection open(final Session session) {
        final long id = nextConnectionId.incrementAndGet();
        final Connection connection = new Connection(id, session, System.nanoTime(), protocol,
                market.newEncoder(id), products.size(), MAX_PENDING_BYTES);
        controls.add(() -> connections.add(connection));
        return connection;
    }

    void closed(final Connection connection) {
        controls.add(() -> connections.remove(connection));
    }

    void onClientText(final Connection connection, final String text) {
        controls.add(() -> handleClientText(connection, text));
    }

    void stop() {
        running = false;
    }

    long messagesGenerated() {
        return messagesGenerated.get();
    }

    long crossingUpdatesSent() {
        return crossingUpdatesSent.get();
    }

    void setMessagesPerSecond(final int rate) {
        SimulatorOptions.checkRate(rate);
        messagesPerSecond = rate;
    }

    void goSilent(final Duration duration) {
        final long until = System.nanoTime() + duration.toNanos();
        if (until - silentUntilNanos > 0) {
            silentUntilNanos = until;
        }
    }

    void refuseSubscriptions(final boolean refuse) {
        refuseSubscriptions = refuse;
    }

    void dropConnections() {
        controls.add(() -> {
            for (final Connection c : connections) {
                c.close(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "simulated connection drop");
            }
        });
    }

    void resetConnections() {
        controls.add(() -> {
            for (final Connection c : connections) {
                if (c.isOpen() && !c.abort()) {
                    c.close(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "simulated connection drop");
                }
            }
        });
    }

    void skipSequence() {
        controls.add(() -> {
            for (final Connection c : connections) {
                c.skipSequenceNum();
            }
        });
    }

    void sendMalformed() {
        controls.add(() -> {
            for (final Connection c : connections) {
                if (c.subscribed && c.isOpen()) {
                    market.sendMalformed(c, firstLevel2Product(c), MalformedKind.INVALID_JSON);
                }
            }
        });
    }

    void sendMalformed(final String productId, final MalformedKind kind) {
        controls.add(() -> {
            final int p = market.indexOf(productId);
            if (p < 0) {
                log.warn("Cannot spoil an unknown product's update. productId=[{}]", productId);
                return;
            }
            for (final Connection c : connections) {
                if (c.receivesData(p)) {
                    market.sendMalformed(c, p, kind);
                }
            }
        });
    }

    /** Fault: every open connection stops getting the product's data and heartbeats until it resubscribes. */
    void silenceProduct(final String productId, final boolean silence) {
        controls.add(() -> {
            final int p = market.indexOf(productId);
            if (p < 0) {
                log.warn("Cannot silence an unknown product. productId=[{}]", productId);
                return;
            }
            for (final Connection c : connections) {
                c.silenced[p] = silence;
            }
        });
    }

    /** Fault: one crossing update of the product to every connection getting its data (see MarketFeed). */
    void injectCrossingUpdate(final int productIndex) {
        controls.add(() -> {
            final int sent = market.sendCrossing(connections, productIndex);
            if (sent < 0) {
                log.warn("Cannot cross a book without asks; nothing sent. productId=[{}]",
                        products.get(productIndex));
                return;
            }
            crossingUpdatesSent.addAndGet(sent);
        });
    }

    void sendOversized(final int bytes) {
        controls.add(() -> {
            for (final Connection c : connections) {
                if (c.subscribed && c.isOpen()) {
                    c.send(oversized(c, bytes));
                }
            }
        });
    }

    /** Queues a copy of a product's book, taken between two batches (also while silent). */
    CompletableFuture<BookSnapshot> bookSnapshot(final String productId) {
        final CompletableFuture<BookSnapshot> result = new CompletableFuture<>();
        queries.add(() -> {
            final int p = market.indexOf(productId);
            if (p < 0) {
                result.completeExceptionally(new IllegalArgumentException("unknown product " + productId));
                return;
            }
            result.complete(market.bookSnapshot(p));
        });
        return result;
    }

    /** Queues a look at a product's best levels, taken between two messages (also while silent). */
    CompletableFuture<TopOfBook> topOfBook(final String productId) {
        final CompletableFuture<TopOfBook> result = new CompletableFuture<>();
        queries.add(() -> {
            final int p = market.indexOf(productId);
            if (p < 0) {
                result.completeExceptionally(new IllegalArgumentException("unknown product " + productId));
                return;
            }
            result.complete(market.topOfBook(p, truthTimes[p], truthSeqs[p]));
        });
        return result;
    }

    /** Queues a look at the extensions negotiated by the open connections (also while silent). */
    CompletableFuture<Set<String>> negotiatedExtensions() {
        final CompletableFuture<Set<String>> result = new CompletableFuture<>();
        queries.add(() -> {
            final Set<String> names = new TreeSet<>();
            for (final Connection c : connections) {
                if (c.isOpen()) {
                    for (final Extension extension : c.session.getNegotiatedExtensions()) {
                        names.add(extension.getName());
                    }
                }
            }
            result.complete(Set.copyOf(names));
        });
        return result;
    }

    /** After {@link #run()} returned: closes every connection still open, and the truth log. */
    void closeAll() {
        for (final Connection c : connections) {
            c.close(CloseReason.CloseCodes.GOING_AWAY, "simulator stopped");
        }
        connections.clear();
        if (truthLog != null) {
            truthLog.close();
        }
    }

    // ---- the sender thread ----------------------------------------------------------------------------------

    @Override
    public void run() {
        long paceStartNanos = System.nanoTime();
        long paced = 0;
        int pacedRate = messagesPerSecond;
        while (running) {
            try {
                runAll(queries);
                final long now = System.nanoTime();
                if (truthLog != null) {
                    truthLog.flushIfDue(now);
                }
                final long silentLeft = silentUntilNanos - now;
                if (silentLeft > 0) {
                    LockSupport.parkNanos(Math.min(IDLE_PARK_NS, silentLeft));
                    paceStartNanos = System.nanoTime();
                    paced = 0;
                    continue;
                }
                runAll(controls);
                expireUnsubscribed(now);
                sendHeartbeatsDue(now);
                final int rate = messagesPerSecond;
                if (rate != pacedRate) {
                    paceStartNanos = now;
                    paced = 0;
                    pacedRate = rate;
                }
                final long maxBurst = Math.max(1, rate * MAX_BURST_NS / NANOS_PER_SECOND);
                long due = (now - paceStartNanos) * rate / NANOS_PER_SECOND - paced;
                if (due > maxBurst) {
                    paced += due - maxBurst;
                    due = maxBurst;
                }
                for (long i = 0; i < due && !marketEnded; i++) {
                    sendNextMessage();
                }
                paced += due;
                if (marketEnded) {
                    LockSupport.parkNanos(IDLE_PARK_NS);
                } else if (due == 0) {
                    final long nextDueNs = (paced + 1) * NANOS_PER_SECOND / rate - (now - paceStartNanos);
                    LockSupport.parkNanos(Math.max(1, Math.min(IDLE_PARK_NS, nextDueNs)));
                }
            } catch (final RuntimeException e) {
                log.error("Sender step failed; carrying on. connections=[{}]", connections.size(), e);
                LockSupport.parkNanos(IDLE_PARK_NS);
            }
        }
    }

    private static void runAll(final Queue<Runnable> queue) {
        Runnable task;
        while ((task = queue.poll()) != null) {
            task.run();
        }
    }

    private void sendNextMessage() {
        if (market.sendNext(connections, exchangeSequences, bookChanges)) {
            messagesGenerated.lazySet(messagesGenerated.get() + 1);
        } else {
            marketEnded = true;
            log.info("Market has no more data; connections stay open with heartbeats. market=[{}] "
                    + "messagesGenerated=[{}]", market.describe(), messagesGenerated.get());
        }
    }

    private void bookChanged(final int productIndex, final String time) {
        final long seq = ++truthSeqs[productIndex];
        truthTimes[productIndex] = time;
        if (truthLog != null) {
            truthLog.write(market.topOfBook(productIndex, time, seq));
        }
    }

    private void expireUnsubscribed(final long now) {
        for (int i = 0; i < connections.size(); i++) {
            final Connection c = connections.get(i);
            if (!c.subscribed && c.isOpen() && now - c.openedNanos > subscribeTimeoutNs) {
                c.close(CloseReason.CloseCodes.VIOLATED_POLICY, "no subscribe within "
                        + options.subscribeTimeout().toMillis() + " ms");
            }
        }
    }

    private void sendHeartbeatsDue(final long now) {
        for (int i = 0; i < connections.size(); i++) {
            final Connection c = connections.get(i);
            if (c.nextHeartbeatNanos == 0 || now - c.nextHeartbeatNanos < 0 || !c.isOpen()) {
                continue;
            }
            // Heartbeats keep their rhythm but do not catch up after a silence.
            c.nextHeartbeatNanos = Math.max(c.nextHeartbeatNanos + HEARTBEAT_INTERVAL_NS, now + 1);
            if (protocol == Protocol.EXCHANGE) {
                for (int p = 0; p < products.size(); p++) {
                    if (c.heartbeat[p] && !c.silenced[p]) {
                        c.send(exchangeHeartbeat(p));
                    }
                }
            } else {
                c.send(advancedHeartbeat(c, now));
            }
        }
    }

    private String exchangeHeartbeat(final int p) {
        final long sequence = ++exchangeSequences[p];
        final long lastTradeId = TRADE_ID_BASE + (sequence - SEQUENCE_BASE) / 8;
        return "{\"type\":\"heartbeat\",\"sequence\":" + sequence + ",\"last_trade_id\":" + lastTradeId
                + ",\"product_id\":\"" + products.get(p) + "\",\"time\":\""
                + WireTime.micros(market.clockNs()) + "\"}";
    }

    private String advancedHeartbeat(final Connection c, final long now) {
        final long uptimeNs = now - startedNanos;
        final long timeNs = market.clockNs();
        return "{\"channel\":\"heartbeats\",\"timestamp\":\"" + WireTime.nanos(timeNs) + "\",\"sequence_num\":"
                + c.takeSequenceNum() + ",\"events\":[{\"current_time\":\"" + WireTime.goTime(timeNs) + " m=+"
                + uptimeNs / NANOS_PER_SECOND + "." + String.format("%09d", uptimeNs % NANOS_PER_SECOND)
                + "\",\"heartbeat_counter\":" + c.heartbeatCounter++ + "}]}";
    }

    private String oversized(final Connection c, final int bytes) {
        final String head;
        if (protocol == Protocol.EXCHANGE) {
            head = "{\"type\":\"simulator_padding\",\"padding\":\"";
        } else {
            head = "{\"channel\":\"simulator_padding\",\"timestamp\":\"" + WireTime.nanos(market.clockNs())
                    + "\",\"sequence_num\":" + c.takeSequenceNum() + ",\"events\":[],\"padding\":\"";
        }
        final String tail = "\"}";
        final int padding = Math.max(0, bytes - head.length() - tail.length());
        final StringBuilder out = new StringBuilder(head.length() + padding + tail.length());
        out.append(head);
        for (int i = 0; i < padding; i++) {
            out.append('x');
        }
        return out.append(tail).toString();
    }

    private int firstLevel2Product(final Connection c) {
        for (int p = 0; p < c.level2.length; p++) {
            if (c.level2[p]) {
                return p;
            }
        }
        return 0;
    }

    // ---- subscriptions -------------------------------------------------------------------------------------

    private void handleClientText(final Connection c, final String text) {
        if (!c.isOpen()) {
            return;
        }
        final JsonNode request;
        try {
            request = json.readTree(text);
        } catch (final JsonProcessingException e) {
            c.send(error(FAILED_TO_SUBSCRIBE, "malformed JSON"));
            return;
        }
        final String type = request.path("type").asText("");
        final boolean subscribe = "subscribe".equals(type);
        if (!subscribe && !"unsubscribe".equals(type)) {
            c.send(error(FAILED_TO_SUBSCRIBE, "unsupported message type: " + type));
            return;
        }
        if (subscribe && refuseSubscriptions) {
            c.send(error(FAILED_TO_SUBSCRIBE, "subscriptions are refused (simulated outage)"));
            return;
        }
        if (protocol == Protocol.EXCHANGE) {
            changeExchangeSubscriptions(c, request, subscribe);
        } else {
            changeAdvancedSubscriptions(c, request, subscribe);
        }
    }

    /**
     * An Exchange {@code subscribe} or {@code unsubscribe}; both are answered with the cumulative
     * {@code subscriptions}. A product newly subscribed to level2_batch (or silenced by the fault) gets a snapshot;
     * an unsubscribed one gets no more data from that moment.
     */
    private void changeExchangeSubscriptions(final Connection c, final JsonNode request, final boolean subscribe) {
        final String failure = subscribe ? FAILED_TO_SUBSCRIBE : FAILED_TO_UNSUBSCRIBE;
        final List<String> topIds = textList(request.path("product_ids"));
        final List<String> unknown = new ArrayList<>();
        final boolean[] newLevel2 = new boolean[products.size()];
        boolean accepted = false;
        for (final JsonNode channel : request.path("channels")) {
            final String name = channel.isTextual() ? channel.asText() : channel.path("name").asText("");
            final List<String> ids = channel.has("product_ids") ? textList(channel.path("product_ids")) : topIds;
            final ExchangeAuth auth = exchangeAuth;
            final boolean authenticatedLevel2 = LEVEL2.equals(name) && auth != null
                    && (!subscribe || auth.verifies(request));
            if (!LEVEL2_BATCH.equals(name) && !HEARTBEAT.equals(name) && !authenticatedLevel2) {
                c.send(error(failure, LEVEL2.equals(name) || "level2_50".equals(name)
                        ? name + " requires authentication" : "unknown channel: " + name));
                continue;
            }
            final boolean book = !HEARTBEAT.equals(name);
            if (book && subscribe) {
                c.exchangeBookChannel = name;
            }
            for (final String id : ids) {
                final int p = market.indexOf(id);
                if (p < 0) {
                    if (!unknown.contains(id)) {
                        unknown.add(id);
                    }
                    continue;
                }
                accepted = true;
                if (!subscribe) {
                    if (book) {
                        c.level2[p] = false;
                    } else {
                        c.heartbeat[p] = false;
                    }
                } else if (book) {
                    newLevel2[p] |= !c.level2[p] || c.silenced[p];
                } else {
                    c.heartbeat[p] = true;
                    startHeartbeats(c);
                }
            }
        }
        if (!unknown.isEmpty()) {
            c.send(error(failure, String.join(", ", unknown) + " is not a valid product"));
        }
        if (!accepted) {
            return;
        }
        c.subscribed |= subscribe;
        subscribeLevel2(c, newLevel2);
        final StringBuilder out = new StringBuilder("{\"type\":\"subscriptions\",\"channels\":[");
        boolean first = true;
        if (any(c.level2)) {
            out.append("{\"name\":\"").append(c.exchangeBookChannel).append("\",\"product_ids\":");
            appendIds(out, c.level2);
            out.append('}');
            first = false;
        }
        if (any(c.heartbeat)) {
            out.append(first ? "" : ",").append("{\"name\":\"heartbeat\",\"product_ids\":");
            appendIds(out, c.heartbeat);
            out.append('}');
        }
        c.send(out.append("]}").toString());
        sendSnapshots(c, newLevel2);
    }

    /** An Advanced Trade {@code subscribe} or {@code unsubscribe} of one channel; see the Exchange variant. */
    private void changeAdvancedSubscriptions(final Connection c, final JsonNode request, final boolean subscribe) {
        final String failure = subscribe ? FAILED_TO_SUBSCRIBE : FAILED_TO_UNSUBSCRIBE;
        final String channel = request.path("channel").asText("");
        final boolean[] newLevel2 = new boolean[products.size()];
        if (LEVEL2.equals(channel)) {
            final List<String> unknown = new ArrayList<>();
            boolean accepted = false;
            for (final String id : textList(request.path("product_ids"))) {
                final int p = market.indexOf(id);
                if (p < 0) {
                    unknown.add(id);
                } else {
                    accepted = true;
                    if (subscribe) {
                        newLevel2[p] = !c.level2[p] || c.silenced[p];
                    } else {
                        c.level2[p] = false;
                    }
                }
            }
            if (!unknown.isEmpty()) {
                c.send(error(failure, String.join(", ", unknown) + " is not a valid product"));
            }
            if (!accepted) {
                return;
            }
            subscribeLevel2(c, newLevel2);
        } else if (HEARTBEATS.equals(channel)) {
            c.heartbeats = subscribe;
            if (subscribe) {
                startHeartbeats(c);
            } else {
                c.nextHeartbeatNanos = 0;
            }
        } else {
            c.send(error(failure, "unknown channel: " + channel));
            return;
        }
        c.subscribed |= subscribe;
        // Cumulative, channels in alphabetical order as the exchange lists them.
        final StringBuilder out = new StringBuilder("{\"channel\":\"subscriptions\",\"timestamp\":\"")
                .append(WireTime.nanos(market.clockNs())).append("\",\"sequence_num\":")
                .append(c.takeSequenceNum()).append(",\"events\":[{\"subscriptions\":{");
        if (c.heartbeats) {
            out.append("\"heartbeats\":[\"heartbeats\"]");
        }
        if (any(c.level2)) {
            out.append(c.heartbeats ? ",\"level2\":" : "\"level2\":");
            appendIds(out, c.level2);
        }
        c.send(out.append("}}]}").toString());
        sendSnapshots(c, newLevel2);
    }

    private static void subscribeLevel2(final Connection c, final boolean[] newLevel2) {
        for (int p = 0; p < newLevel2.length; p++) {
            if (newLevel2[p]) {
                c.level2[p] = true;
                c.silenced[p] = false;
            }
        }
    }

    private void sendSnapshots(final Connection c, final boolean[] newLevel2) {
        for (int p = 0; p < newLevel2.length; p++) {
            if (newLevel2[p]) {
                market.sendSnapshot(c, p);
            }
        }
    }

    private static void startHeartbeats(final Connection c) {
        if (c.nextHeartbeatNanos == 0) {
            c.nextHeartbeatNanos = System.nanoTime() + HEARTBEAT_INTERVAL_NS;
        }
    }

    private void appendIds(final StringBuilder out, final boolean[] selected) {
        out.append('[');
        boolean first = true;
        for (int p = 0; p < selected.length; p++) {
            if (selected[p]) {
                out.append(first ? "\"" : ",\"").append(products.get(p)).append('"');
                first = false;
            }
        }
        out.append(']');
    }

    private static boolean any(final boolean[] flags) {
        for (final boolean flag : flags) {
            if (flag) {
                return true;
            }
        }
        return false;
    }

    private static List<String> textList(final JsonNode array) {
        final List<String> values = new ArrayList<>();
        for (final JsonNode value : array) {
            values.add(value.asText());
        }
        return values;
    }

    /** The error reply, JSON-escaped properly: the reason may echo client input. */
    private String error(final String message, final String reason) {
        return json.createObjectNode().put("type", "error").put("message", message).put("reason", reason).toString();
    }
}
