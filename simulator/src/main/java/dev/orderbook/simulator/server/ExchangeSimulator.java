package dev.orderbook.simulator.server;

import dev.orderbook.simulator.market.Protocol;
import dev.orderbook.simulator.market.protocol.MalformedKind;

import org.glassfish.tyrus.container.grizzly.server.GrizzlyServerContainer;
import org.glassfish.tyrus.core.TyrusWebSocketEngine;
import org.glassfish.tyrus.ext.extension.deflate.PerMessageDeflateExtension;
import org.glassfish.tyrus.server.TyrusServerContainer;
import org.glassfish.tyrus.spi.ServerContainer;

import jakarta.websocket.DeploymentException;
import jakarta.websocket.server.ServerEndpointConfig;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Coinbase exchange simulator: a WebSocket server ({@code ws://127.0.0.1:PORT/}) that speaks one Coinbase
 * market-data protocol (see COINBASE.md) from a seeded {@link dev.orderbook.simulator.market.SyntheticMarket}
 * or from a recorded feed file ({@link SimulatorOptions#input()}), for testing feed clients against a real socket.
 * Clients may also unsubscribe and resubscribe a product, which gets a fresh snapshot.
 *
 * <p>A client subscribes (within {@link SimulatorOptions#subscribeTimeout()}, or it is closed) and gets the
 * confirmation, a snapshot per product, then updates and heartbeats. All connections share one market; each gets
 * its snapshot at a batch boundary and every batch after it, so a client that applies them holds the market's
 * book exactly ({@link #bookSnapshot}). Faults can be injected at any time from any thread.
 *
 * <p>Truth: {@link #topOfBook} tells the market's true top of book; with {@link SimulatorOptions#truthLog()} every
 * market message also leaves one line per product it touched in a file ({@link TopOfBook}), so that a process
 * elsewhere can check what a pipeline made of the feed. With {@link SimulatorOptions#adminPort()} a small HTTP
 * server ({@link SimulatorAdminServer}) offers the faults and the top of book to other processes.
 *
 * <p>Threading: Tyrus on Grizzly runs the sockets; one sender thread ({@code exchange-simulator-sender}) paces
 * the market and does all sending, asynchronously. Public methods are thread-safe.
 *
 * <p>Lifecycle: {@link #start} binds and starts sending; {@link #close()} stops the sender, closes every
 * connection and releases the port. Note: the Grizzly container listens on all interfaces ({@code 0.0.0.0});
 * clients should use {@link #url()}.
 */
public final class ExchangeSimulator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExchangeSimulator.class);
    private static final long QUERY_TIMEOUT_MS = 10_000;
    private static final long SENDER_JOIN_MS = 5_000;
    private static final long PORT_RELEASE_WAIT_MS = 2_000;
    private static final long PORT_PROBE_INTERVAL_MS = 10;

    private final SimulatorOptions options;
    private final List<String> productIds;
    private final FeedSender sender;
    private final Thread senderThread;
    private final ServerContainer container;
    private final int port;
    private final AtomicLong faultsInjected = new AtomicLong();
    /** Null without an admin server; set once in {@link #start}, before the simulator is handed out. */
    private SimulatorAdminServer admin;
    private boolean closed;

    private ExchangeSimulator(final SimulatorOptions options, final List<String> productIds, final FeedSender sender,
                              final Thread senderThread, final ServerContainer container, final int port) {
        this.options = options;
        this.productIds = List.copyOf(productIds);
        this.sender = sender;
        this.senderThread = senderThread;
        this.container = container;
        this.port = port;
    }

    /**
     * Starts a simulator: builds the market, binds the port and starts the sender thread.
     *
     * @param options how to run; may not be null
     * @throws IOException if the server cannot start (port in use, ...)
     */
    public static ExchangeSimulator start(final SimulatorOptions options) throws IOException {
        final MarketFeed market = options.input() == null
                ? new SyntheticFeed(options.protocol(), options.marketOptions())
                : RecordedFeed.open(options.input(), options.protocol(), options.maxMessageBytes());
        final TruthLog truthLog = options.truthLog() == null ? null : TruthLog.open(options.truthLog());
        final FeedSender sender = new FeedSender(options, market, truthLog);
        final Map<String, Object> properties = new HashMap<>();
        properties.put(TyrusWebSocketEngine.INCOMING_BUFFER_SIZE, options.maxMessageBytes());
        final ServerContainer container = new GrizzlyServerContainer().createContainer(properties);
        container.setDefaultMaxTextMessageBufferSize(options.maxMessageBytes());
        final SimulatorEndpoint endpoint = new SimulatorEndpoint(sender, options.maxMessageBytes());
        // permessage-deflate (RFC 7692) is accepted when a client offers it, as Coinbase does.
        final ServerEndpointConfig config = ServerEndpointConfig.Builder.create(SimulatorEndpoint.class, "/")
                .extensions(List.of(new PerMessageDeflateExtension()))
                .configurator(new ServerEndpointConfig.Configurator() {
                    @Override
                    public <T> T getEndpointInstance(final Class<T> endpointClass) {
                        return endpointClass.cast(endpoint);
                    }
                })
                .build();
        final int boundPort;
        try {
            container.addEndpoint(config);
            container.start("/", options.port());
            boundPort = ((TyrusServerContainer) container).getPort();
        } catch (final DeploymentException e) {
            container.stop();
            sender.closeAll();
            throw new IOException("cannot start the simulator on port " + options.port(), e);
        }
        final Thread thread = new Thread(sender, "exchange-simulator-sender");
        thread.setDaemon(true);
        thread.start();
        final ExchangeSimulator simulator = new ExchangeSimulator(options, market.productIds(), sender, thread,
                container, boundPort);
        if (options.adminPort() != SimulatorOptions.ADMIN_PORT_NONE) {
            try {
                simulator.admin = SimulatorAdminServer.start(simulator, options.adminPort());
            } catch (final UncheckedIOException e) {
                simulator.close();
                throw new IOException("cannot start the simulator's admin server on port " + options.adminPort(),
                        e.getCause());
            }
        }
        log.info("Exchange simulator started. protocol=[{}] port=[{}] market=[{}] products=[{}] "
                + "messagesPerSecond=[{}] truthLog=[{}] admin=[{}]", options.protocol(), boundPort,
                market.describe(), market.productIds(), options.messagesPerSecond(), options.truthLog(),
                simulator.adminUrl());
        return simulator;
    }

    /**
     * Runs a simulator until the thread is interrupted or the JVM shuts down, after printing
     * {@code Coinbase simulator (<protocol>) at ws://127.0.0.1:PORT/} to {@code out} and, with an admin server,
     * a second line {@code Simulator admin at http://127.0.0.1:PORT/}. Restores the interrupt flag.
     *
     * @throws IOException if the server cannot start
     */
    public static void runUntilInterrupted(final SimulatorOptions options, final PrintStream out) throws IOException {
        final CountDownLatch stopped = new CountDownLatch(1);
        try (ExchangeSimulator simulator = start(options)) {
            final Thread hook = new Thread(() -> {
                simulator.close();
                stopped.countDown();
            }, "exchange-simulator-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            out.println("Coinbase simulator (" + options.protocol() + ") at " + simulator.url());
            if (simulator.adminUrl() != null) {
                out.println("Simulator admin at " + simulator.adminUrl());
            }
            out.flush();
            boolean interrupted = false;
            try {
                stopped.await();
            } catch (final InterruptedException e) {
                // Restored only after closing: Grizzly's unbind fails on an interrupted thread.
                interrupted = true;
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (final IllegalStateException e) {
                    // The JVM is shutting down and the hook is closing the simulator.
                    log.debug("Shutdown in progress", e);
                }
            }
            simulator.close();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The protocol a recorded feed file is written in, from its first Coinbase messages: to serve a file in its
     * own protocol.
     *
     * @throws IOException if the file cannot be read or does not look like a Coinbase feed
     */
    public static Protocol detectProtocol(final Path file) throws IOException {
        return RecordedFeed.detectProtocol(file, SimulatorOptions.MAX_MESSAGE_BYTES_DEFAULT);
    }

    /** The protocol spoken. */
    public Protocol protocol() {
        return options.protocol();
    }

    /** The port listened on (the actual one when the options asked for port 0). */
    public int port() {
        return port;
    }

    /** {@code ws://127.0.0.1:PORT/}. */
    public String url() {
        return "ws://127.0.0.1:" + port + "/";
    }

    /** The admin server's port, or {@link SimulatorOptions#ADMIN_PORT_NONE} if it has none. */
    public int adminPort() {
        return admin == null ? SimulatorOptions.ADMIN_PORT_NONE : admin.port();
    }

    /** The admin server's {@code http://127.0.0.1:PORT/}, or null if it has none. */
    public String adminUrl() {
        return admin == null ? null : admin.url();
    }

    /** The products of the market, in the order it lists them (a recorded file's: first appearance). */
    public List<String> productIds() {
        return productIds;
    }

    /** Market update messages generated so far (each sent to every connection subscribed to its product). */
    public long messagesGenerated() {
        return sender.messagesGenerated();
    }

    /**
     * A copy of one product's book in the market, taken between two batches: equal to the book of a client that
     * has applied every message sent before the call returned. Works while silent, so a test can
     * {@link #goSilent} and then compare.
     *
     * @param productId a product of the market
     * @throws IllegalArgumentException if the product is unknown
     */
    public BookSnapshot bookSnapshot(final String productId) {
        return query(sender.bookSnapshot(productId));
    }

    /**
     * The true top of one product's book now, between two market messages, labelled with the last market message
     * of the product: its wire time and its number ({@link TopOfBook#seq()}), as in the truth log. It is the top
     * a client holds once it has applied every message sent before the call returned. Cheap even for deep books,
     * where {@link #bookSnapshot} copies every level.
     *
     * @param productId a product of the market
     * @throws IllegalArgumentException if the product is unknown
     */
    public TopOfBook topOfBook(final String productId) {
        return query(sender.topOfBook(productId));
    }

    private static <T> T query(final CompletableFuture<T> answer) {
        try {
            return answer.get(QUERY_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while querying the sender", e);
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof IllegalArgumentException) {
                throw (IllegalArgumentException) e.getCause();
            }
            throw new IllegalStateException("query failed", e.getCause());
        } catch (final TimeoutException e) {
            throw new IllegalStateException("query timed out", e);
        }
    }

    /**
     * Names of the WebSocket extensions negotiated by the connections open now, for example
     * {@code permessage-deflate}; empty if none negotiated any.
     */
    public Set<String> negotiatedExtensions() {
        return query(sender.negotiatedExtensions());
    }

    /** Fault: closes every connection (close code 1011, "simulated connection drop"); clients may reconnect. */
    public void dropConnections() {
        faultsInjected.incrementAndGet();
        sender.dropConnections();
    }

    /**
     * Fault: resets every connection's TCP socket (RST, linger 0) without a WebSocket close frame, as a crashed
     * server or a middlebox would; clients see an abnormal closure (1006) or an I/O error. Falls back to
     * {@link #dropConnections()}'s close frame, with a warning, if the socket cannot be reached under this
     * Tyrus/Grizzly version.
     */
    public void resetConnections() {
        faultsInjected.incrementAndGet();
        sender.resetConnections();
    }

    /**
     * Fault, Advanced Trade: every connection's next message has a {@code sequence_num} one higher than it should,
     * a gap of one. No effect on the Exchange feed, which has no per-connection sequence.
     */
    public void skipSequence() {
        faultsInjected.incrementAndGet();
        sender.skipSequence();
    }

    /**
     * Fault: sends nothing at all, heartbeats included, for {@code duration}; the market stands still meanwhile.
     * Other faults and subscriptions queued during the silence take effect when it ends.
     */
    public void goSilent(final Duration duration) {
        faultsInjected.incrementAndGet();
        sender.goSilent(duration);
    }

    /**
     * Fault: every connection open now stops getting {@code productId}'s book data and, on the Exchange feed, its
     * heartbeats, while the rest of its traffic goes on; a connection that subscribes to the product again (after
     * an unsubscribe, or while silenced) gets a fresh snapshot and everything again. Connections opened later are
     * not affected. An unknown product is logged and ignored.
     */
    public void silenceProduct(final String productId) {
        faultsInjected.incrementAndGet();
        sender.silenceProduct(productId, true);
    }

    /** Ends {@link #silenceProduct} for every connection: data resumes without a snapshot (the book may be off). */
    public void clearProductSilence(final String productId) {
        sender.silenceProduct(productId, false);
    }

    /**
     * Fault: one book update of {@code productId} that crosses the book, to every connection receiving the
     * product's data, in its protocol (on Advanced Trade with its next {@code sequence_num}, so no gap shows): a bid
     * one price step above the current best ask, with a small size. It is <em>not</em> applied to the market's
     * books and leaves no truth-log line, so the market, {@link #topOfBook} and later snapshots stay uncrossed: a
     * client that applies it holds a crossed book until it resubscribes the product (unsubscribe, subscribe), whose
     * fresh snapshot is the true book again.
     *
     * <p>Its time is one no market message of the product carries (on the synthetic market: a microsecond after the
     * product's last message, and on Advanced Trade the next envelope timestamp of the market), so a summary made
     * from it matches no truth-log line; on a recorded file the time is the market clock plus a microsecond, which
     * the file's next message could happen to carry too. Queued like the other faults; if the product's book has
     * no asks then, nothing is sent (logged). {@link #crossingUpdatesSent()} counts what was sent.
     *
     * @param productId a product of the market
     * @throws IllegalArgumentException if the product is unknown
     */
    public void injectCrossingUpdate(final String productId) {
        final int p = productIds.indexOf(productId);
        if (p < 0) {
            throw new IllegalArgumentException("unknown product " + productId);
        }
        faultsInjected.incrementAndGet();
        sender.injectCrossingUpdate(p);
    }

    /** Crossing updates sent so far, one per connection per {@link #injectCrossingUpdate} that reached it. */
    public long crossingUpdatesSent() {
        return sender.crossingUpdatesSent();
    }

    /**
     * Faults injected so far through this object: every call of a fault method ({@link #dropConnections},
     * {@link #resetConnections}, {@link #skipSequence}, {@link #goSilent}, {@link #silenceProduct}, both
     * {@code sendMalformed}, {@link #sendOversized}, {@link #injectCrossingUpdate}, {@link #slowDown}, and
     * {@link #refuseSubscriptions} with {@code true}), whether or not a connection was there to get it.
     */
    public long faultsInjected() {
        return faultsInjected.get();
    }

    /** Fault: one text frame of invalid JSON (a torn update) to every subscribed connection. */
    public void sendMalformed() {
        faultsInjected.incrementAndGet();
        sender.sendMalformed();
    }

    /**
     * Fault: one bad update of {@code productId} to every connection receiving that product's data: an otherwise
     * ordinary one-change update near the top of its book, spoiled as {@code kind} says. Every kind but
     * {@link MalformedKind#INVALID_JSON} is valid JSON that names the product, so a client can tell which book the
     * lost update concerned (and resnapshot it alone). It advances no sequence number. An unknown product is
     * logged and ignored.
     *
     * @param kind how to spoil it; may not be null
     */
    public void sendMalformed(final String productId, final MalformedKind kind) {
        if (productId == null || kind == null) {
            throw new IllegalArgumentException("productId and kind may not be null");
        }
        faultsInjected.incrementAndGet();
        sender.sendMalformed(productId, kind);
    }

    /**
     * Fault: one valid JSON text frame of about {@code bytes} bytes of a type clients must ignore
     * ({@code "type":"simulator_padding"}, on Advanced Trade {@code "channel":"simulator_padding"} with the next
     * {@code sequence_num}) to every subscribed connection.
     */
    public void sendOversized(final int bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must not be negative, was " + bytes);
        }
        faultsInjected.incrementAndGet();
        sender.sendOversized(bytes);
    }

    /**
     * Exchange feed: accepts the authenticated, unbatched {@code level2} channel from clients whose subscribe
     * message is signed with these credentials (as Coinbase checks them; see {@link ExchangeAuth}), and refuses it
     * otherwise. Served like {@code level2_batch}, named {@code level2} in the confirmation. Null: refuse it to
     * everyone (the default: no client has credentials).
     */
    public void requireExchangeCredentials(final ExchangeAuth auth) {
        sender.requireExchangeCredentials(auth);
    }

    /** Fault: while true, every subscribe is answered with an {@code error} message and nothing else. */
    public void refuseSubscriptions(final boolean refuse) {
        if (refuse) {
            faultsInjected.incrementAndGet();
        }
        sender.refuseSubscriptions(refuse);
    }

    /** Changes the rate of market update messages, in messages per second ({@code >= 1}). */
    public void slowDown(final int messagesPerSecond) {
        sender.setMessagesPerSecond(messagesPerSecond);
        faultsInjected.incrementAndGet();
    }

    /** Stops sending, closes every connection and releases the port. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (admin != null) {
            admin.close();
        }
        sender.stop();
        try {
            senderThread.join(SENDER_JOIN_MS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.closeAll();
        container.stop();
        awaitPortReleased();
        log.info("Exchange simulator stopped. port=[{}] messagesGenerated=[{}]", port, sender.messagesGenerated());
    }

    /**
     * Grizzly closes the listening channel on its selector thread, after {@code stop()} has returned; wait for
     * that, so that a caller can bind the port again as soon as {@link #close()} returns.
     */
    private void awaitPortReleased() {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PORT_RELEASE_WAIT_MS);
        while (System.nanoTime() < deadline) {
            try (ServerSocket probe = new ServerSocket()) {
                // Reuse tolerates closed connections in TIME_WAIT; the bind fails only while something listens.
                probe.setReuseAddress(true);
                probe.bind(new InetSocketAddress(port));
                return;
            } catch (final IOException e) {
                try {
                    Thread.sleep(PORT_PROBE_INTERVAL_MS);
                } catch (final InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        log.warn("Port still bound after close. port=[{}] waitedMs=[{}]", port, PORT_RELEASE_WAIT_MS);
    }
}
