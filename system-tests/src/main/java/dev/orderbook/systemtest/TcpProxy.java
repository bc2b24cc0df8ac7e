package dev.orderbook.systemtest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback: it listens on {@code 127.0.0.1:}{@link #port()} and forwards every connection to a
 * target address, byte for byte in both directions (half-closes included), until {@link #cut()} simulates a
 * network partition between the clients and the target.
 *
 * <p>{@link #cut()} closes every forwarded connection at once, abortively (a TCP reset to both ends), and from
 * then on <em>blackholes</em> new connections: they are accepted and held open, but not a byte is forwarded
 * either way and nothing is read from them. A client sees a connection that never answers and runs into its own
 * timeouts, as across a real partition, rather than a quick "connection refused" it could retry at once. (A
 * Kafka client, for example, times out its requests and fails deliveries after {@code delivery.timeout.ms}.)
 * {@link #restore()} resets the held connections, so that clients reconnect at once, and forwards new
 * connections again. While the target itself is down (a broker restarting), a new connection is accepted and
 * then reset, as a refused connection would be.
 *
 * <p>Put it in front of a Kafka broker's proxied listener (see
 * {@code EmbeddedKafkaBroker.Builder#proxiedListener}): a client that bootstraps at the proxy is told by the
 * broker to reconnect to the proxy, so all its traffic stays behind it.
 *
 * <p>Threading: thread-safe. One daemon thread accepts; each forwarded connection has two daemon threads, one per
 * direction (a test has a handful of connections, so blocking I/O is simpler than a selector and as fast).
 * {@link #close()} stops listening and resets every connection; it is idempotent.
 */
public final class TcpProxy implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);

    /** The address the proxy listens on. */
    public static final String LOOPBACK_HOST = "127.0.0.1";

    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private static final int BUFFER_BYTES = 64 * 1024;
    private static final long ACCEPT_THREAD_JOIN_MS = 5_000;

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Thread acceptor;
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicInteger connectionIds = new AtomicInteger();

    /** Guarded by {@code this}. */
    private final Set<Connection> forwarded = new HashSet<>();
    /** Guarded by {@code this}. */
    private final List<Socket> blackholed = new ArrayList<>();
    /** Guarded by {@code this}. */
    private boolean cut;
    /** Guarded by {@code this}. */
    private boolean closed;

    private TcpProxy(final ServerSocket server, final InetSocketAddress target) {
        this.server = server;
        this.target = target;
        this.acceptor = new Thread(this::acceptLoop, "tcp-proxy-" + server.getLocalPort() + "-accept");
        this.acceptor.setDaemon(true);
    }

    /**
     * Starts a proxy on a free port of 127.0.0.1.
     *
     * @param targetHost where to forward to; may not be null
     * @param targetPort the target's port, 1 to 65535; nothing need listen there yet
     * @return the running proxy; close it when done
     * @throws UncheckedIOException if the proxy cannot listen
     */
    public static TcpProxy start(final String targetHost, final int targetPort) {
        return start(0, targetHost, targetPort);
    }

    /**
     * Starts a proxy on a given port of 127.0.0.1.
     *
     * @param listenPort the port to listen on, or 0 for a free one
     * @param targetHost where to forward to; may not be null
     * @param targetPort the target's port, 1 to 65535; nothing need listen there yet
     * @return the running proxy; close it when done
     * @throws UncheckedIOException if the proxy cannot listen (the port is taken)
     * @throws IllegalArgumentException if a port is out of range
     */
    public static TcpProxy start(final int listenPort, final String targetHost, final int targetPort) {
        Objects.requireNonNull(targetHost, "targetHost");
        if (listenPort < 0 || listenPort > 65535) {
            throw new IllegalArgumentException("listen port must be 0 to 65535, was " + listenPort);
        }
        if (targetPort < 1 || targetPort > 65535) {
            throw new IllegalArgumentException("target port must be 1 to 65535, was " + targetPort);
        }
        final ServerSocket server;
        try {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new InetSocketAddress(InetAddress.getByName(LOOPBACK_HOST), listenPort));
        } catch (final IOException e) {
            throw new UncheckedIOException("Could not listen on " + LOOPBACK_HOST + ":" + listenPort, e);
        }
        final TcpProxy proxy = new TcpProxy(server, InetSocketAddress.createUnresolved(targetHost, targetPort));
        proxy.acceptor.start();
        log.info("TCP proxy started. listen=[{}] target=[{}:{}]", proxy.address(), targetHost, targetPort);
        return proxy;
    }

    /**
     * Returns the port the proxy listens on.
     *
     * @return the bound port, 1 to 65535
     */
    public int port() {
        return server.getLocalPort();
    }

    /**
     * Returns the address clients connect to.
     *
     * @return {@code 127.0.0.1:PORT}, never null
     */
    public String address() {
        return LOOPBACK_HOST + ":" + port();
    }

    /**
     * Partitions clients from the target: resets every forwarded connection and blackholes new ones until
     * {@link #restore()} (see the class description). Idempotent.
     */
    public void cut() {
        final List<Connection> reset;
        synchronized (this) {
            if (cut || closed) {
                return;
            }
            cut = true;
            reset = new ArrayList<>(forwarded);
            forwarded.clear();
        }
        reset.forEach(Connection::abort);
        log.info("TCP proxy cut. listen=[{}] connectionsReset=[{}]", address(), reset.size());
    }

    /**
     * Ends a {@link #cut()}: resets the connections held since, so their clients reconnect at once, and forwards
     * new connections again. Idempotent.
     */
    public void restore() {
        final List<Socket> reset;
        synchronized (this) {
            if (!cut || closed) {
                return;
            }
            cut = false;
            reset = new ArrayList<>(blackholed);
            blackholed.clear();
        }
        reset.forEach(TcpProxy::abort);
        log.info("TCP proxy restored. listen=[{}] heldConnectionsReset=[{}]", address(), reset.size());
    }

    /**
     * Tells whether the proxy is cut.
     *
     * @return true between {@link #cut()} and {@link #restore()}
     */
    public synchronized boolean isCut() {
        return cut;
    }

    /**
     * Returns the number of connections being forwarded now.
     *
     * @return open forwarded connections, at least 0
     */
    public synchronized int forwardedConnections() {
        return forwarded.size();
    }

    /**
     * Returns the number of connections held without forwarding since the current {@link #cut()}.
     *
     * @return held connections, at least 0; 0 when not cut
     */
    public synchronized int blackholedConnections() {
        return blackholed.size();
    }

    /**
     * Returns the number of connections accepted since the proxy started, forwarded or not.
     *
     * @return accepted connections, at least 0
     */
    public long acceptedConnections() {
        return accepted.get();
    }

    /** Stops listening and resets every connection, forwarded or held. Idempotent. */
    @Override
    public void close() {
        final List<Connection> reset;
        final List<Socket> held;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            reset = new ArrayList<>(forwarded);
            forwarded.clear();
            held = new ArrayList<>(blackholed);
            blackholed.clear();
        }
        closeQuietly(server);
        reset.forEach(Connection::abort);
        held.forEach(TcpProxy::abort);
        try {
            acceptor.join(ACCEPT_THREAD_JOIN_MS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.info("TCP proxy closed. listen=[{}] accepted=[{}]", address(), accepted.get());
    }

    @Override
    public String toString() {
        return "TcpProxy[" + address() + " -> " + target.getHostString() + ":" + target.getPort() + "]";
    }

    private void acceptLoop() {
        while (true) {
            final Socket client;
            try {
                client = server.accept();
            } catch (final IOException e) {
                if (!server.isClosed()) {
                    log.warn("TCP proxy stopped accepting. listen=[{}]", address(), e);
                }
                return;
            }
            accepted.incrementAndGet();
            final Connection connection;
            synchronized (this) {
                if (closed) {
                    abort(client);
                    return;
                }
                if (cut) {
                    blackholed.add(client);
                    continue;
                }
                connection = new Connection(connectionIds.incrementAndGet(), client);
                forwarded.add(connection);
            }
            final Thread upstream = new Thread(connection::connectAndForward,
                "tcp-proxy-" + port() + "-c" + connection.id + "-up");
            upstream.setDaemon(true);
            upstream.start();
        }
    }

    private synchronized void forget(final Connection connection) {
        forwarded.remove(connection);
    }

    /** Closes with a TCP reset (SO_LINGER 0) instead of an orderly FIN: the peer learns at once. */
    private static void abort(final Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (final SocketException e) {
            // Already closed: nothing left to reset.
        }
        closeQuietly(socket);
    }

    private static void closeQuietly(final AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (final Exception e) {
            log.debug("Error while closing {}", closeable, e);
        }
    }

    /** One client connection and its connection to the target; two threads, one per direction. */
    private final class Connection {
        private final int id;
        private final Socket client;
        private final Socket upstream = new Socket();
        /** Directions still open; the sockets are closed when both have ended. */
        private final AtomicInteger openDirections = new AtomicInteger(2);
        /** Guarded by {@code this}. */
        private boolean aborted;

        Connection(final int id, final Socket client) {
            this.id = id;
            this.client = client;
        }

        void connectAndForward() {
            try {
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                upstream.connect(new InetSocketAddress(target.getHostString(), target.getPort()),
                    CONNECT_TIMEOUT_MS);
            } catch (final IOException e) {
                // The target is down (a broker restarting): the client sees its connection reset, as if refused.
                log.debug("TCP proxy could not reach the target. listen=[{}] target=[{}]", address(), target, e);
                abort();
                return;
            }
            final Thread downstream = new Thread(() -> pump(upstream, client),
                "tcp-proxy-" + port() + "-c" + id + "-down");
            downstream.setDaemon(true);
            downstream.start();
            pump(client, upstream);
        }

        /** Copies until end of stream, then half-closes the other side; an error resets both. */
        private void pump(final Socket from, final Socket to) {
            final byte[] buffer = new byte[BUFFER_BYTES];
            try {
                final InputStream in = from.getInputStream();
                final OutputStream out = to.getOutputStream();
                int read;
                while ((read = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, read);
                }
                to.shutdownOutput();
            } catch (final IOException e) {
                abort();
                return;
            }
            if (openDirections.decrementAndGet() == 0) {
                closeQuietly(client);
                closeQuietly(upstream);
                forget(this);
            }
        }

        void abort() {
            synchronized (this) {
                if (aborted) {
                    return;
                }
                aborted = true;
            }
            TcpProxy.abort(client);
            TcpProxy.abort(upstream);
            forget(this);
        }
    }
}
