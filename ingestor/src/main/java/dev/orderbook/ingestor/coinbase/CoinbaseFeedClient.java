package dev.orderbook.ingestor.coinbase;

import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.DecodeError;
import dev.orderbook.codec.EventType;
import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.MessageKind;
import dev.orderbook.codec.Protocol;
import dev.orderbook.codec.model.Product;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.contract.GapReason;
import dev.orderbook.ingestor.frame.DecodedFrame;
import dev.orderbook.ingestor.frame.EpochClock;

import dev.orderbook.ingestor.auth.Credentials;

import org.glassfish.tyrus.client.ClientManager;
import org.glassfish.tyrus.client.ClientProperties;
import org.glassfish.tyrus.ext.extension.deflate.PerMessageDeflateExtension;

import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.DeploymentException;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.Extension;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Coinbase market-data WebSocket client (Exchange or Advanced Trade, see COINBASE.md) that stays connected: it
 * subscribes to the configured products' book and heartbeat channels, hands every text frame verbatim to a
 * {@link FeedListener}, reports where continuity was lost ({@link FeedListener#onGap}) and reconnects with
 * exponential backoff and jitter after any close, error, silence or sequence gap, resubscribing so that a fresh
 * snapshot follows.
 *
 * <p>Threading: Tyrus reads the socket on its own threads; they only time-stamp a frame and queue it, and never
 * block. One worker thread ({@code coinbase-feed-worker}) takes the queue in order, checks Advanced Trade
 * {@code sequence_num} continuity and subscription replies, and calls the listener. One scheduler thread
 * ({@code coinbase-feed-connector}) connects, watches for silence and schedules reconnects. All three are daemon
 * threads; {@link #close()} stops them. Public methods are thread-safe.
 *
 * <p>Invariants: one connection at a time; each gets a new session id (a random UUID) and numbers its frames 1, 2,
 * 3, ...; gaps for a connection are queued after its last frame. If the queue holds
 * {@link FeedClientConfig#queueCapacity()} frames the listener is too slow: the connection is dropped (with
 * {@code disconnect} gaps) rather than blocking the socket, as Coinbase itself does with {@code ErrSlowConsume}.
 *
 * <p>One product can be resnapshotted alone, without touching the others ({@link #resnapshot}): on the same
 * connection it is unsubscribed and subscribed again on the book channel, so a fresh snapshot follows. On the
 * Exchange feed each product's {@code heartbeat} is watched too: a product whose heartbeats stop for
 * {@link FeedClientConfig#productSilenceTimeout()} while other frames keep coming gets a {@code silence} gap and is
 * resnapshotted that way. Client messages go out one at a time, in order.
 */
public final class CoinbaseFeedClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CoinbaseFeedClient.class);
    private static final int HANDSHAKE_TIMEOUT_MS = 10_000;
    private static final long STOP_WAIT_MS = 5_000;
    // Largest doubling exponent: 2^20 times the minimum backoff is beyond any sensible maximum.
    private static final int MAX_BACKOFF_SHIFT = 20;
    private static final long SILENCE_CHECK_MIN_MS = 50;
    private static final long SILENCE_CHECK_MAX_MS = 500;
    private static final Object STOP = new Object();
    private static final Object TICK = new Object();
    private static final long PRODUCT_CHECK_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final FeedClientConfig config;
    private final FeedListener listener;
    private final URI uri;
    private final ClientManager client;
    private final ClientEndpointConfig endpointConfig;
    /** Null without credentials. */
    private final Credentials credentials;
    /** The worker's: each frame is decoded once, here, and handed on decoded. */
    private final CoinbaseDecoder decoder;
    /** Subscribe messages per connection: one on the Exchange feed, one per channel on Advanced Trade. */
    private final int subscribeCount;
    private final String bookChannel;
    private final Map<String, Integer> productIndexes = new HashMap<>();
    private final ScheduledExecutorService scheduler;
    private final Thread worker;
    // Unbounded for control events (which must never be lost); frames are bounded by queuedFrames.
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedFrames = new AtomicInteger();
    /** Characters of the frames waiting: JSON is ASCII, so about their bytes (compact strings). */
    private final AtomicLong queuedChars = new AtomicLong();
    /** When the worker last took an event ({@link System#nanoTime()}); ticks keep it moving while idle. */
    private volatile long lastDispatchNs = System.nanoTime();
    private volatile boolean closed;
    private volatile boolean workerFailed;
    private volatile Connection current;
    // Scheduler thread only: connections in a row that never delivered book data.
    private int failedConnections;

    private CoinbaseFeedClient(final FeedClientConfig config, final FeedListener listener,
                               final Credentials credentials, final CoinbaseDecoder decoder) {
        this.config = config;
        this.decoder = decoder;
        this.credentials = credentials;
        this.listener = listener;
        this.uri = URI.create(config.url());
        this.client = ClientManager.createClient();
        client.getProperties().put(ClientProperties.INCOMING_BUFFER_SIZE, config.maxMessageBytes());
        client.getProperties().put(ClientProperties.HANDSHAKE_TIMEOUT, HANDSHAKE_TIMEOUT_MS);
        client.setDefaultMaxTextMessageBufferSize(config.maxMessageBytes());
        // permessage-deflate (RFC 7692) as Coinbase advises; a server that declines it is spoken to uncompressed.
        this.endpointConfig = ClientEndpointConfig.Builder.create()
                .extensions(config.permessageDeflate() ? List.of(new PerMessageDeflateExtension()) : List.of())
                .build();
        this.subscribeCount = config.protocol() == Protocol.EXCHANGE ? 1 : 2;
        // With Exchange credentials, the authenticated unbatched channel (same messages, no 50 ms batching).
        this.bookChannel = config.protocol() == Protocol.ADVANCED ? "level2"
                : credentials != null && credentials.exchange().isPresent() ? "level2" : "level2_batch";
        for (int i = 0; i < config.productIds().size(); i++) {
            productIndexes.put(config.productIds().get(i), i);
        }
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> daemon(runnable,
                "coinbase-feed-connector"));
        this.worker = daemon(new Worker(), "coinbase-feed-worker");
    }

    /**
     * Starts the client: the worker, then the first connection attempt (asynchronously; failures are retried).
     *
     * @param config   how to connect; may not be null
     * @param listener receives everything, on the worker thread; may not be null
     * @return the running client; close it to stop
     */
    public static CoinbaseFeedClient start(final FeedClientConfig config, final FeedListener listener) {
        return start(config, listener, null);
    }

    /**
     * Starts the client with API credentials (or null) and a decoder of the products' frames, at their scales, with
     * the configured products in the configured order (a closed registry: a frame of another product is
     * {@code UNKNOWN_PRODUCT}). Used on the worker thread only.
     */
    public static CoinbaseFeedClient start(final FeedClientConfig config, final FeedListener listener,
                                           final Credentials credentials, final CoinbaseDecoder decoder) {
        if (config == null || listener == null || decoder == null) {
            throw new IllegalArgumentException("config, listener and decoder may not be null");
        }
        for (int i = 0; i < config.productIds().size(); i++) {
            final Product p = decoder.products().get(config.productIds().get(i));
            if (p == null || p.index() != i) {
                throw new IllegalArgumentException("the decoder's products must be the configured ones, in order: "
                        + config.productIds());
            }
        }
        final CoinbaseFeedClient feed = new CoinbaseFeedClient(config, listener, credentials, decoder);
        feed.worker.start();
        final long checkMs = Math.max(SILENCE_CHECK_MIN_MS,
                Math.min(SILENCE_CHECK_MAX_MS, config.silenceTimeout().toMillis() / 4));
        feed.scheduler.scheduleWithFixedDelay(feed::checkSilence, checkMs, checkMs, TimeUnit.MILLISECONDS);
        final long tickMs = config.livenessInterval().toMillis();
        // Through the queue, so that a tick is dispatched after the frames received before it, on the worker.
        feed.scheduler.scheduleAtFixedRate(() -> feed.events.add(TICK), tickMs, tickMs, TimeUnit.MILLISECONDS);
        feed.scheduler.execute(feed::connect);
        return feed;
    }

    /**
     * Starts the client with API credentials: Exchange subscriptions are signed (and use the authenticated
     * {@code level2} channel), Advanced Trade subscribe messages carry a fresh JWT. Credentials are never logged.
     *
     * @param credentials may be null for none
     */
    public static CoinbaseFeedClient start(final FeedClientConfig config, final FeedListener listener,
                                           final Credentials credentials) {
        if (config == null) {
            throw new IllegalArgumentException("config may not be null");
        }
        final ProductRegistry products = ProductRegistry.closed(config.productIds(), ProductRegistry.DEFAULT_SCALE,
                ProductRegistry.DEFAULT_SCALE, Map.of());
        return start(config, listener, credentials, new CoinbaseDecoder(products, config.maxMessageBytes()));
    }

    /** The configuration in use. */
    public FeedClientConfig config() {
        return config;
    }

    /** The current connection's session id, or null before the first connection has been attempted. */
    public String sessionId() {
        final Connection c = current;
        return c == null ? null : c.sessionId;
    }

    /** True while a connection is open and has not ended (it may still be waiting for its subscriptions). */
    public boolean isConnected() {
        final Connection c = current;
        if (c == null) {
            return false;
        }
        final Session session = c.session;
        synchronized (c) {
            return session != null && session.isOpen() && !c.ended;
        }
    }

    /**
     * Names of the WebSocket extensions negotiated on the current connection (for example
     * {@code permessage-deflate}); empty when none was, or no connection is open.
     */
    public List<String> negotiatedExtensions() {
        final Connection c = current;
        final Session session = c == null ? null : c.session;
        if (session == null || !session.isOpen()) {
            return List.of();
        }
        final List<String> names = new ArrayList<>();
        for (final Extension extension : session.getNegotiatedExtensions()) {
            names.add(extension.getName());
        }
        return List.copyOf(names);
    }

    /**
     * Resnapshots one product without disturbing the others, for example because a frame concerning it was lost
     * or could not be parsed: reports a gap for {@code productId} only (through {@link FeedListener#onGap}, after
     * the frames received so far and before any received later), then, on the same connection, unsubscribes the
     * product from the book channel and subscribes it again, so that a fresh snapshot of it follows. Exchange:
     * {@code {"type":"unsubscribe","product_ids":[..],"channels":["level2_batch"]}} then the matching subscribe;
     * Advanced Trade: {@code {"type":"unsubscribe","product_ids":[..],"channel":"level2"}} then subscribe. The
     * book's updates that arrive between the gap and the snapshot are stale and must not be applied.
     *
     * <p>While a resnapshot of the product is already under way (its snapshot not yet received, and younger than
     * {@link FeedClientConfig#productSilenceTimeout()}), only the gap is reported. Never blocks; callable from any
     * thread, the listener included.
     *
     * @param productId a configured product; may not be null
     * @param gapReason the {@link FeedListener#onGap} reason to report, for example {@code invalid}
     * @return true if the gap was reported on an open connection; false if there is none (or it is ending), in
     *         which case nothing is reported: the reconnect under way reports gaps and brings fresh snapshots
     * @throws IllegalArgumentException if the product is not one of the configured ones, or the reason is null
     */
    public boolean resnapshot(final String productId, final GapReason gapReason) {
        final Integer index = productId == null ? null : productIndexes.get(productId);
        if (index == null || gapReason == null) {
            throw new IllegalArgumentException("not a configured product or null reason: " + productId + " "
                    + gapReason);
        }
        final Connection c = current;
        if (c == null || c.session == null) {
            return false;
        }
        final boolean resubscribe;
        synchronized (c) {
            if (closed || c.ended) {
                return false;
            }
            events.add(new Gap(productId, gapReason));
            final long now = System.nanoTime();
            final long since = c.resnapshotSinceNs[index];
            // Before the initial subscribe is queued, its own snapshot is still to come: nothing more to ask for.
            resubscribe = c.subscribeQueued
                    && (since == 0 || now - since > config.productSilenceTimeout().toNanos());
            if (resubscribe) {
                c.resnapshotSinceNs[index] = now;
            }
        }
        if (resubscribe) {
            log.warn("Resnapshotting one product. url=[{}] sessionId=[{}] productId=[{}] reason=[{}]", uri,
                    c.sessionId, productId, gapReason);
            final String ids = "[\"" + productId + "\"]";
            if (config.protocol() == Protocol.EXCHANGE) {
                send(c, "{\"type\":\"unsubscribe\",\"product_ids\":" + ids + ",\"channels\":[\"" + bookChannel
                        + "\"]}");
                send(c, signed("{\"type\":\"subscribe\",\"product_ids\":" + ids + ",\"channels\":[\""
                        + bookChannel + "\"]"));
            } else {
                send(c, "{\"type\":\"unsubscribe\",\"product_ids\":" + ids + ",\"channel\":\"level2\"}");
                send(c, signed("{\"type\":\"subscribe\",\"product_ids\":" + ids + ",\"channel\":\"level2\""));
            }
        }
        return true;
    }

    /**
     * Drops the current connection on purpose, for example because what consumes the frames cannot keep up: gaps
     * with {@code gapReason} are reported for every product after the connection's last frame, and the client
     * reconnects after a backoff (so a fresh snapshot follows). Does nothing if no connection is open or it has
     * already ended. Never blocks; callable from any thread, the listener included.
     *
     * @param gapReason the {@link FeedListener#onGap} reason to report, for example {@code backpressure}
     * @param detail    why, for the log
     */
    public void dropConnection(final GapReason gapReason, final String detail) {
        dropConnection(gapReason, detail, Duration.ZERO);
    }

    /**
     * As {@link #dropConnection(GapReason, String)}, and reconnects no sooner than {@code reconnectDelayAtLeast}
     * (the usual backoff applies if longer): for a consumer that needs time before it can take frames again.
     */
    public void dropConnection(final GapReason gapReason, final String detail, final Duration reconnectDelayAtLeast) {
        final Connection c = current;
        if (c != null && c.session != null) {
            c.reconnectDelayAtLeastMs = reconnectDelayAtLeast.toMillis();
            connectionLost(c, gapReason, true, detail);
        }
    }

    /**
     * Stops: no more reconnects, closes the connection and stops the worker. Frames still queued are discarded and
     * no gaps are reported for the closing connection. Idempotent; may be called from the listener. Restores the
     * interrupt flag if interrupted while waiting for the threads.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        scheduler.shutdownNow();
        boolean interrupted = false;
        try {
            if (!scheduler.awaitTermination(STOP_WAIT_MS, TimeUnit.MILLISECONDS)) {
                log.warn("Connector thread still running after close. url=[{}] waitedMs=[{}]", uri, STOP_WAIT_MS);
            }
        } catch (final InterruptedException e) {
            interrupted = true;
        }
        final Connection c = current;
        if (c != null) {
            closeSession(c, CloseReason.CloseCodes.NORMAL_CLOSURE, "client closing");
        }
        client.shutdown();
        events.add(STOP);
        if (Thread.currentThread() != worker) {
            try {
                worker.join(STOP_WAIT_MS);
            } catch (final InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- connector thread ------------------------------------------------------------------------------------

    private void connect() {
        if (closed) {
            return;
        }
        final Connection c = new Connection(UUID.randomUUID().toString(), config.productIds().size());
        current = c;
        try {
            client.connectToServer(new FeedEndpoint(c), endpointConfig, uri);
        } catch (final DeploymentException | IOException | RuntimeException e) {
            // Any failure, even an unexpected one, must lead to a retry: the scheduler would drop it silently.
            failedConnections++;
            final long delayMs = backoffMs(failedConnections);
            log.warn("Connect failed; retrying. url=[{}] sessionId=[{}] failedInRow=[{}] delayMs=[{}] error=[{}]",
                    uri, c.sessionId, failedConnections, delayMs, e.toString());
            schedule(this::connect, delayMs);
            return;
        }
        if (closed) {
            closeSession(c, CloseReason.CloseCodes.NORMAL_CLOSURE, "client closing");
        }
    }

    private void checkSilence() {
        final Connection c = current;
        if (c == null || c.session == null) {
            return;
        }
        final long silentNs = System.nanoTime() - c.lastReceiveNs;
        if (silentNs > config.silenceTimeout().toNanos()) {
            try {
                connectionLost(c, GapReason.SILENCE, true, "nothing received for "
                        + TimeUnit.NANOSECONDS.toMillis(silentNs) + " ms");
            } catch (final RuntimeException e) {
                // A periodic task that throws is cancelled for good: log and keep watching.
                log.warn("Silence check failed. url=[{}] sessionId=[{}]", uri, c.sessionId, e);
            }
        }
    }

    /** After a connection ended: close its socket if still open, then connect again after a backoff. */
    private void reconnect(final Connection c, final GapReason reason, final String detail) {
        closeSession(c, CloseReason.CloseCodes.GOING_AWAY, "reconnecting: " + reason);
        if (closed) {
            return;
        }
        failedConnections = c.healthy ? 0 : failedConnections + 1;
        final long delayMs = Math.max(backoffMs(failedConnections), c.reconnectDelayAtLeastMs);
        final long frames;
        synchronized (c) {
            frames = c.frames;
        }
        log.warn("Connection lost; reconnecting. url=[{}] sessionId=[{}] reason=[{}] detail=[{}] frames=[{}] "
                + "failedInRow=[{}] delayMs=[{}]", uri, c.sessionId, reason, detail, frames, failedConnections,
                delayMs);
        schedule(this::connect, delayMs);
    }

    /**
     * Exponential backoff with jitter: the minimum doubled per failure in a row, plus up to half of that again at
     * random so that many clients dropped at once do not come back in lockstep; within [min, max].
     */
    private long backoffMs(final int failures) {
        final long minMs = config.reconnectBackoffMin().toMillis();
        final long maxMs = config.reconnectBackoffMax().toMillis();
        final long baseMs = Math.min(maxMs, minMs << Math.min(failures, MAX_BACKOFF_SHIFT));
        final long jitterMs = ThreadLocalRandom.current().nextLong(baseMs / 2 + 1);
        return Math.max(minMs, Math.min(maxMs, baseMs + jitterMs));
    }

    private void schedule(final Runnable task, final long delayMs) {
        try {
            scheduler.schedule(task, delayMs, TimeUnit.MILLISECONDS);
        } catch (final RejectedExecutionException e) {
            // Closing: the scheduler no longer takes work, and nothing is to be reconnected.
            log.debug("Not scheduled; client closing. url=[{}]", uri);
        }
    }

    private void closeSession(final Connection c, final CloseReason.CloseCode code, final String why) {
        final Session session = c.session;
        if (session == null || !session.isOpen()) {
            return;
        }
        try {
            session.close(new CloseReason(code, why));
        } catch (final IOException | RuntimeException e) {
            log.debug("Close failed. url=[{}] sessionId=[{}]", uri, c.sessionId, e);
        }
    }

    // ---- any thread ------------------------------------------------------------------------------------------

    /**
     * Ends a connection once: queues its gaps (after its last frame) and hands the reconnect to the connector.
     * Never blocks, so it is safe on a socket thread.
     */
    private void connectionLost(final Connection c, final GapReason reason, final boolean queueGaps,
                                final String detail) {
        synchronized (c) {
            if (closed || c.ended) {
                return;
            }
            c.ended = true;
            if (queueGaps) {
                for (final String productId : config.productIds()) {
                    events.add(new Gap(productId, reason));
                }
            }
        }
        try {
            scheduler.execute(() -> reconnect(c, reason, detail));
        } catch (final RejectedExecutionException e) {
            log.debug("Not reconnecting; client closing. url=[{}] sessionId=[{}]", uri, c.sessionId);
        }
    }

    /**
     * Queues a client message on the connection: one asynchronous send in flight at a time, the next once it is
     * written, so messages go out whole and in order whatever thread queues them. A failed send ends the connection.
     */
    private void send(final Connection c, final String text) {
        synchronized (c) {
            if (c.ended) {
                return;
            }
            if (c.sending) {
                c.outbox.add(text);
                return;
            }
            c.sending = true;
        }
        sendNow(c, text);
    }

    private void sendNow(final Connection c, final String text) {
        try {
            c.session.getAsyncRemote().sendText(text, result -> {
                if (!result.isOK()) {
                    connectionLost(c, GapReason.DISCONNECT, true, "send failed: " + result.getException());
                    return;
                }
                final String next;
                synchronized (c) {
                    next = c.ended ? null : c.outbox.poll();
                    if (next == null) {
                        c.sending = false;
                        return;
                    }
                }
                sendNow(c, next);
            });
        } catch (final RuntimeException e) {
            // The session closed under us; its close event reports the gaps as well.
            connectionLost(c, GapReason.DISCONNECT, true, "send refused: " + e);
        }
    }

    /** The subscribe messages of a new connection, signed now if there are credentials. */
    private List<String> subscribeMessages() {
        final List<String> productIds = config.productIds();
        final StringBuilder ids = new StringBuilder("[");
        for (int i = 0; i < productIds.size(); i++) {
            // Product ids are validated as [A-Z0-9-] only, so no escaping is needed.
            ids.append(i == 0 ? "\"" : ",\"").append(productIds.get(i)).append('"');
        }
        ids.append(']');
        final List<String> messages = new ArrayList<>(subscribeCount);
        if (config.protocol() == Protocol.EXCHANGE) {
            messages.add(signed("{\"type\":\"subscribe\",\"product_ids\":" + ids
                    + ",\"channels\":[\"" + bookChannel + "\",\"heartbeat\"]"));
        } else {
            // Advanced Trade takes one channel per subscribe message.
            messages.add(signed("{\"type\":\"subscribe\",\"product_ids\":" + ids + ",\"channel\":\"level2\""));
            messages.add(signed("{\"type\":\"subscribe\",\"product_ids\":" + ids + ",\"channel\":\"heartbeats\""));
        }
        return messages;
    }

    /**
     * Closes a subscribe message that lacks its final brace, adding the authentication fields when there are
     * credentials: the Exchange signature fields, or a JWT made now (they expire after two minutes).
     */
    private String signed(final String subscribeWithoutClosingBrace) {
        final long now = System.currentTimeMillis() / 1000;
        if (credentials != null && config.protocol() == Protocol.EXCHANGE && credentials.exchange().isPresent()) {
            return subscribeWithoutClosingBrace + "," + credentials.exchange().get().subscribeFields(now) + "}";
        }
        if (credentials != null && config.protocol() == Protocol.ADVANCED && credentials.advancedTrade().isPresent()) {
            return subscribeWithoutClosingBrace + ",\"jwt\":\"" + credentials.advancedTrade().get().jwt(now) + "\"}";
        }
        return subscribeWithoutClosingBrace + "}";
    }

    private static Thread daemon(final Runnable runnable, final String name) {
        final Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    // ---- socket threads --------------------------------------------------------------------------------------

    /** Tyrus endpoint of one connection. Callbacks run on Tyrus threads and never block. */
    private final class FeedEndpoint extends Endpoint implements MessageHandler.Whole<String> {
        private final Connection connection;

        FeedEndpoint(final Connection connection) {
            this.connection = connection;
        }

        @Override
        public void onOpen(final Session session, final EndpointConfig endpointConfig) {
            final Connection c = connection;
            c.session = session;
            session.setMaxTextMessageBufferSize(config.maxMessageBytes());
            c.lastReceiveNs = System.nanoTime();
            // A product's heartbeats are due from the moment the connection opens.
            Arrays.fill(c.lastHeartbeatNs, c.lastReceiveNs);
            synchronized (c) {
                if (closed || c.ended) {
                    return;
                }
                events.add(new Connected(c.sessionId));
            }
            session.addMessageHandler(String.class, this);
            for (final String subscribe : subscribeMessages()) {
                send(c, subscribe);
            }
            synchronized (c) {
                c.subscribeQueued = true;
            }
        }

        @Override
        public void onMessage(final String text) {
            final long receiveTimeNs = System.nanoTime();
            final Connection c = connection;
            c.lastReceiveNs = receiveTimeNs;
            synchronized (c) {
                if (c.ended) {
                    return;
                }
                if (queuedFrames.get() < config.queueCapacity()
                        && queuedChars.get() + text.length() <= config.queueBytes()) {
                    queuedFrames.incrementAndGet();
                    queuedChars.addAndGet(text.length());
                    events.add(new Frame(c, ++c.frames, receiveTimeNs, text));
                    return;
                }
            }
            connectionLost(c, GapReason.DISCONNECT, true, "listener queue full, capacity " + config.queueCapacity()
                    + " frames or " + config.queueBytes() + " bytes");
        }

        @Override
        public void onClose(final Session session, final CloseReason closeReason) {
            connectionLost(connection, GapReason.DISCONNECT, true, "closed " + closeReason.getCloseCode().getCode()
                    + " " + closeReason.getReasonPhrase());
        }

        @Override
        public void onError(final Session session, final Throwable error) {
            connectionLost(connection, GapReason.DISCONNECT, true, "error " + error);
        }
    }

    // ---- worker thread ---------------------------------------------------------------------------------------

    /** Takes the queue in order and calls the listener; the only thread that does. */
    private final class Worker implements Runnable {
        private final DecodedFrame decoded = new DecodedFrame();
        private final boolean[] healthy = new boolean[config.productIds().size()];
        /** The connection of the last frame dispatched: what a tick speaks for. */
        private Connection lastDispatched;

        @Override
        public void run() {
            try {
                while (!closed) {
                    final Object event = events.take();
                    if (event == STOP || closed) {
                        return;
                    }
                    try {
                        dispatch(event);
                    } catch (final ListenerFailure e) {
                        fail(e.getCause(), event);
                        return;
                    } catch (final RuntimeException | Error e) {
                        // Nothing in the worker is expected to throw: a bug, or the JVM in trouble. Carrying on could
                        // publish records that skip what failed; the owner decides, and the worker stops here.
                        fail(e, event);
                        return;
                    }
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void dispatch(final Object event) {
                lastDispatchNs = System.nanoTime();
                if (event instanceof Frame) {
                    final Frame frame = (Frame) event;
                    queuedFrames.decrementAndGet();
                    queuedChars.addAndGet(-frame.text.length());
                    final DecodedFrame f = decoded.decode(decoder, frame.connection.sessionId,
                            frame.sessionSequence, EpochClock.toEpochNs(frame.receiveTimeNs),
                            frame.text.getBytes(StandardCharsets.UTF_8));
                    try {
                        inspect(frame, f.message());
                    } catch (final ListenerFailure e) {
                        throw e;
                    } catch (final RuntimeException e) {
                        // The frame is still delivered: the consumer decides what to make of it.
                        log.warn("Inspecting a frame failed. url=[{}] event=[{}]", uri, frame, e);
                    }
                    lastDispatched = frame.connection;
                    listener.onFrame(f);
                    if (config.protocol() == Protocol.EXCHANGE) {
                        watchProductHeartbeats(frame);
                    }
                } else if (event instanceof Gap) {
                    final Gap gap = (Gap) event;
                    listener.onGap(gap.productId, gap.reason);
                } else if (event instanceof Connected) {
                    listener.onConnected(((Connected) event).sessionId);
                } else if (event == TICK) {
                    tick();
                }
        }

        /**
         * Tells the listener which products' feeds are healthy, as of the frames dispatched so far: the connection of
         * the last frame is still the current one and open, its subscriptions are confirmed, the product is not
         * waiting for a resnapshot, and it was heard from recently (Exchange: its heartbeats or data within
         * {@link FeedClientConfig#productSilenceTimeout()}; Advanced Trade, whose heartbeats are per connection: any
         * frame within {@link FeedClientConfig#silenceTimeout()}).
         */
        private void tick() {
            final Connection c = lastDispatched;
            final long now = System.nanoTime();
            boolean any = false;
            if (c != null && c == current) {
                synchronized (c) {
                    final boolean open = !c.ended && c.confirmations >= subscribeCount;
                    for (int i = 0; i < healthy.length; i++) {
                        final long heardNs = config.protocol() == Protocol.EXCHANGE ? c.lastHeartbeatNs[i]
                                : c.lastReceiveNs;
                        final long timeoutNs = (config.protocol() == Protocol.EXCHANGE
                                ? config.productSilenceTimeout() : config.silenceTimeout()).toNanos();
                        healthy[i] = open && c.resnapshotSinceNs[i] == 0 && now - heardNs <= timeoutNs;
                        any |= healthy[i];
                    }
                }
            }
            if (!any) {
                Arrays.fill(healthy, false);
            }
            listener.onTick(c == null ? null : c.sessionId, healthy);
        }

        /**
         * Exchange feed: a product none of whose heartbeats came in the last {@code productSilenceTimeout} of
         * received frames is silent while the connection is alive: a {@code silence} gap and a resnapshot for it
         * alone. Measured in receive times of frames this worker has handled, so a backlog is no false alarm; a
         * connection silent as a whole is the connector's business.
         */
        private void watchProductHeartbeats(final Frame frame) {
            final Connection c = frame.connection;
            final long now = frame.receiveTimeNs;
            final long timeoutNs = config.productSilenceTimeout().toNanos();
            if (now - c.lastWatchedFrameNs > timeoutNs / 2) {
                // The whole connection paused (a multi-megabyte snapshot on a slow link holds up every frame behind
                // it): that is not one product's silence; the clocks start again.
                Arrays.fill(c.lastHeartbeatNs, now);
            }
            c.lastWatchedFrameNs = now;
            if (now - c.lastProductCheckNs < PRODUCT_CHECK_INTERVAL_NS) {
                return;
            }
            c.lastProductCheckNs = now;
            for (int i = 0; i < c.lastHeartbeatNs.length; i++) {
                final long silentNs = now - c.lastHeartbeatNs[i];
                if (silentNs > timeoutNs) {
                    // Counted again from now: the next alarm only after another full timeout without heartbeats.
                    c.lastHeartbeatNs[i] = now;
                    final String productId = config.productIds().get(i);
                    log.warn("Product heartbeats stopped; resnapshotting it. url=[{}] sessionId=[{}] productId=[{}] "
                            + "silentMs=[{}]", uri, c.sessionId, productId, TimeUnit.NANOSECONDS.toMillis(silentNs));
                    resnapshot(productId, GapReason.SILENCE);
                }
            }
        }

        /**
         * Reads kind, sequence and subscription replies. A sequence gap is reported before the frame that revealed
         * it, so the consumer marks the book stale before seeing it; the connection is then replaced for a fresh
         * snapshot.
         */
        private void inspect(final Frame frame, final FeedMessage m) {
            final Connection c = frame.connection;
            final MessageKind kind = m.kind();
            // An invalid frame's number is not to be trusted (a torn write may repeat the last one), unless the JSON
            // was read whole and only a product we do not carry made it invalid.
            if (config.protocol() == Protocol.ADVANCED && m.sequence() != FeedMessage.NO_SEQUENCE
                    && (kind != MessageKind.INVALID || m.error() == DecodeError.UNKNOWN_PRODUCT)) {
                final long expected = c.lastSequence + 1;
                if (c.lastSequence != FeedMessage.NO_SEQUENCE && m.sequence() != expected && !c.sequenceGap) {
                    c.sequenceGap = true;
                    for (final String productId : config.productIds()) {
                        notifyListener(() -> listener.onGap(productId, GapReason.SEQUENCE));
                    }
                    // Gaps again after the connection's last frame: its remaining frames are delivered unchecked,
                    // and a snapshot among them (a resnapshot reply) must not leave its book looking continuous.
                    connectionLost(c, GapReason.SEQUENCE, true, "sequence_num " + m.sequence() + ", expected "
                            + expected);
                }
                c.lastSequence = m.sequence();
            }
            if (kind == MessageKind.BOOK) {
                c.healthy = true;
                for (int e = 0; e < m.eventCount(); e++) {
                    final int index = m.eventProduct(e).index();
                    // Book data is as good a sign of life as a heartbeat.
                    c.lastHeartbeatNs[index] = frame.receiveTimeNs;
                    if (m.eventType(e) == EventType.SNAPSHOT) {
                        synchronized (c) {
                            c.resnapshotSinceNs[index] = 0;
                        }
                    }
                }
            } else if (kind == MessageKind.HEARTBEAT && m.heartbeatProduct() != null) {
                c.lastHeartbeatNs[m.heartbeatProduct().index()] = frame.receiveTimeNs;
            } else if (kind == MessageKind.EXCHANGE_ERROR) {
                final String detail = "error from server: " + m.errorMessage();
                notifyListener(() -> listener.onSubscriptionProblem(detail));
            } else if (kind == MessageKind.SUBSCRIPTIONS) {
                c.confirmations++;
                // Confirmations are cumulative: check the one answering our last subscribe message.
                if (c.confirmations == subscribeCount) {
                    final List<String> confirmed = m.subscriptions().getOrDefault(bookChannel, List.of());
                    final List<String> missing = new ArrayList<>();
                    for (final String productId : config.productIds()) {
                        if (!confirmed.contains(productId)) {
                            missing.add(productId);
                        }
                    }
                    if (!missing.isEmpty()) {
                        final String detail = "confirmation lacks " + missing + " on channel " + bookChannel
                                + ", confirmed " + m.subscriptions();
                        notifyListener(() -> listener.onSubscriptionProblem(detail));
                    }
                }
            }
        }
    }

    /** Calls the listener from the frame inspection; a failure of the listener's is told apart from the client's. */
    private void notifyListener(final Runnable call) {
        try {
            call.run();
        } catch (final RuntimeException e) {
            throw new ListenerFailure(e);
        }
    }

    /** The worker failed: it stops, and the listener hears why ({@link FeedListener#onFatal}). */
    private void fail(final Throwable error, final Object event) {
        workerFailed = true;
        log.error("The feed worker failed and stops; nothing more is delivered. url=[{}] event=[{}]", uri, event,
                error);
        try {
            listener.onFatal(error);
        } catch (final RuntimeException e) {
            log.error("The listener failed while told of the worker's failure. url=[{}]", uri, e);
        }
    }

    /** A failure of the listener, carried through the frame inspection. */
    private static final class ListenerFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ListenerFailure(final RuntimeException cause) {
            super(cause);
        }
    }

    /** Whether the worker is alive and took an event within {@code within} (ticks come every liveness interval). */
    public boolean isDispatching(final Duration within) {
        return !workerFailed && worker.isAlive() && System.nanoTime() - lastDispatchNs < within.toNanos();
    }

    // ---- state and events ------------------------------------------------------------------------------------

    /** One connection attempt. Guarded by its own monitor where noted. */
    private static final class Connection {
        final String sessionId;
        volatile Session session;
        volatile long lastReceiveNs;
        /** Set by {@link #dropConnection(GapReason, String, Duration)} before the connection ends. */
        volatile long reconnectDelayAtLeastMs;
        /** Set once book data arrived: the connection worked, so the backoff starts over. */
        volatile boolean healthy;
        /** Guarded by this: no frames or gaps are queued for it afterwards. */
        boolean ended;
        /** Guarded by this: frames queued so far. */
        long frames;
        /** Worker only. */
        long lastSequence = FeedMessage.NO_SEQUENCE;
        /** Worker only. */
        boolean sequenceGap;
        /** Worker only. */
        int confirmations;
        /** Guarded by this: messages waiting for the one in flight. */
        final ArrayDeque<String> outbox = new ArrayDeque<>();
        /** Guarded by this: a send is in flight. */
        boolean sending;
        /** Guarded by this: the initial subscribe messages are queued, so a resubscribe goes out after them. */
        boolean subscribeQueued;
        /** Guarded by this: per configured product, when its resnapshot was asked for; 0 when none is under way. */
        final long[] resnapshotSinceNs;
        /** Worker only (after onOpen): per configured product, receive time of its last Exchange heartbeat. */
        final long[] lastHeartbeatNs;
        /** Worker only. */
        long lastProductCheckNs;
        /** Worker only: receive time of the last frame the heartbeat watch saw. */
        long lastWatchedFrameNs = System.nanoTime();

        Connection(final String sessionId, final int productCount) {
            this.sessionId = sessionId;
            this.resnapshotSinceNs = new long[productCount];
            this.lastHeartbeatNs = new long[productCount];
        }
    }

    private static final class Frame {
        final Connection connection;
        final long sessionSequence;
        final long receiveTimeNs;
        final String text;

        Frame(final Connection connection, final long sessionSequence, final long receiveTimeNs, final String text) {
            this.connection = connection;
            this.sessionSequence = sessionSequence;
            this.receiveTimeNs = receiveTimeNs;
            this.text = text;
        }

        @Override
        public String toString() {
            return "frame sessionId=" + connection.sessionId + " sessionSequence=" + sessionSequence;
        }
    }

    private record Gap(String productId, GapReason reason) {
    }

    private record Connected(String sessionId) {
    }
}
