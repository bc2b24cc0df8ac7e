package dev.orderbook.systemtest;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TcpProxy} over real loopback sockets, in front of a small server that answers every connection: it echoes
 * one line, or exchanges a large payload.
 */
class TcpProxyIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** How long a blackholed connection is watched for a byte that must not come. */
    private static final int SILENCE_MS = 500;

    private TargetServer target;

    @BeforeEach
    void startTarget() throws IOException {
        target = new TargetServer();
    }

    @AfterEach
    void stopTarget() throws IOException {
        target.close();
    }

    @Test
    void shouldForwardLargePayloadsByteForByteInBothDirectionsIncludingHalfClose() throws Exception {
        // Given 4 MiB each way, every byte value
        final byte[] request = randomBytes(4 * 1024 * 1024, 1);
        final byte[] response = randomBytes(4 * 1024 * 1024, 2);
        target.respondToPayloadWith(response);
        try (TcpProxy proxy = TcpProxy.start(TcpProxy.LOOPBACK_HOST, target.port());
             Socket client = connect(proxy)) {
            // When the client sends it all, half-closes, and reads to the end
            final CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> readAll(client));
            client.getOutputStream().write(request);
            client.shutdownOutput();

            // Then each side got exactly what the other sent
            assertThat(received.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                .isEqualTo(response);
            assertThat(target.lastPayload().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                .isEqualTo(request);
        }
    }

    @Test
    void shouldResetOpenConnectionsWhenCut() throws Exception {
        try (TcpProxy proxy = TcpProxy.start(TcpProxy.LOOPBACK_HOST, target.port());
             Socket client = connect(proxy)) {
            assertThat(echo(client, "before")).isEqualTo("before");
            assertThat(proxy.forwardedConnections()).isEqualTo(1);

            proxy.cut();

            assertThat(readEndsOrFails(client)).isTrue();
            assertThat(proxy.isCut()).isTrue();
            assertThat(proxy.forwardedConnections()).isZero();
        }
    }

    @Test
    void shouldAcceptButNeverForwardNewConnectionsWhileCut() throws Exception {
        try (TcpProxy proxy = TcpProxy.start(TcpProxy.LOOPBACK_HOST, target.port())) {
            proxy.cut();

            try (Socket client = connect(proxy)) {
                client.getOutputStream().write("hello\n".getBytes(StandardCharsets.UTF_8));
                client.setSoTimeout(SILENCE_MS);

                assertThat(readTimesOut(client)).as("no answer across the cut").isTrue();
                assertThat(target.connections()).as("connections that reached the target").isZero();
                assertThat(proxy.blackholedConnections()).isEqualTo(1);
            }
        }
    }

    @Test
    void shouldResetHeldConnectionsAndForwardNewOnesWhenRestored() throws Exception {
        try (TcpProxy proxy = TcpProxy.start(TcpProxy.LOOPBACK_HOST, target.port())) {
            proxy.cut();
            try (Socket held = connect(proxy)) {
                awaitBlackholed(proxy, 1);

                proxy.restore();

                assertThat(readEndsOrFails(held)).as("held connection reset").isTrue();
            }
            assertThat(proxy.isCut()).isFalse();
            assertThat(proxy.blackholedConnections()).isZero();
            try (Socket client = connect(proxy)) {
                assertThat(echo(client, "after")).isEqualTo("after");
            }
            assertThat(proxy.acceptedConnections()).isEqualTo(2);
        }
    }

    @Test
    void shouldResetClientWhenTargetIsDown() throws Exception {
        final int nothingListens = LoopbackPorts.free();
        try (TcpProxy proxy = TcpProxy.start(TcpProxy.LOOPBACK_HOST, nothingListens);
             Socket client = connect(proxy)) {
            assertThat(readEndsOrFails(client)).isTrue();
        }
    }

    @Test
    void shouldReleaseItsPortAndConnectionsOnClose() throws Exception {
        final TcpProxy proxy = TcpProxy.start(TcpProxy.LOOPBACK_HOST, target.port());
        final int port = proxy.port();
        try (Socket client = connect(proxy)) {
            assertThat(echo(client, "open")).isEqualTo("open");

            proxy.close();
            proxy.close();

            assertThat(readEndsOrFails(client)).isTrue();
        }
        try (TcpProxy again = TcpProxy.start(port, TcpProxy.LOOPBACK_HOST, target.port());
             Socket client = connect(again)) {
            assertThat(again.port()).isEqualTo(port);
            assertThat(echo(client, "again")).isEqualTo("again");
        }
    }

    private static Socket connect(final TcpProxy proxy) throws IOException {
        final Socket socket = new Socket();
        socket.connect(new InetSocketAddress(TcpProxy.LOOPBACK_HOST, proxy.port()), (int) TIMEOUT.toMillis());
        socket.setSoTimeout((int) TIMEOUT.toMillis());
        return socket;
    }

    private static String echo(final Socket socket, final String text) throws IOException {
        socket.getOutputStream().write((text + "\n").getBytes(StandardCharsets.UTF_8));
        return readLine(socket.getInputStream());
    }

    /** True if the next read sees the end of the stream or a reset, within the socket's timeout. */
    private static boolean readEndsOrFails(final Socket socket) throws IOException {
        try {
            return socket.getInputStream().read() < 0;
        } catch (final SocketTimeoutException e) {
            return false;
        } catch (final SocketException e) {
            return true;
        }
    }

    private static boolean readTimesOut(final Socket socket) throws IOException {
        try {
            socket.getInputStream().read();
            return false;
        } catch (final SocketTimeoutException e) {
            return true;
        }
    }

    private static void awaitBlackholed(final TcpProxy proxy, final int count) throws InterruptedException {
        final long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
        while (proxy.blackholedConnections() < count) {
            assertThat(System.nanoTime()).as("held connections in time").isLessThan(deadlineNs);
            Thread.sleep(10);
        }
    }

    private static byte[] readAll(final Socket socket) {
        try {
            return socket.getInputStream().readAllBytes();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String readLine(final InputStream in) throws IOException {
        final ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0 && b != '\n') {
            line.write(b);
        }
        return line.toString(StandardCharsets.UTF_8);
    }

    private static byte[] randomBytes(final int size, final long seed) {
        final byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * The proxy's target: echoes each line it receives, or, once {@link #respondToPayloadWith} is set, reads to the
     * end of the stream and answers with the payload. One thread per connection.
     */
    private static final class TargetServer implements AutoCloseable {
        private final ServerSocket server = new ServerSocket();
        private final AtomicInteger connections = new AtomicInteger();
        private final CompletableFuture<byte[]> lastPayload = new CompletableFuture<>();
        private volatile byte[] response;

        TargetServer() throws IOException {
            server.bind(new InetSocketAddress(TcpProxy.LOOPBACK_HOST, 0));
            final Thread acceptor = new Thread(this::acceptLoop, "target-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return server.getLocalPort();
        }

        int connections() {
            return connections.get();
        }

        void respondToPayloadWith(final byte[] payload) {
            this.response = payload;
        }

        CompletableFuture<byte[]> lastPayload() {
            return lastPayload;
        }

        private void acceptLoop() {
            while (!server.isClosed()) {
                try {
                    final Socket socket = server.accept();
                    connections.incrementAndGet();
                    final Thread handler = new Thread(() -> serve(socket), "target-serve");
                    handler.setDaemon(true);
                    handler.start();
                } catch (final IOException e) {
                    return;
                }
            }
        }

        private void serve(final Socket socket) {
            try (socket) {
                final byte[] payload = response;
                if (payload != null) {
                    lastPayload.complete(socket.getInputStream().readAllBytes());
                    socket.getOutputStream().write(payload);
                    return;
                }
                String line;
                while (!(line = readLine(socket.getInputStream())).isEmpty()) {
                    socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
            } catch (final IOException e) {
                // The proxy reset the connection: what the tests do on purpose.
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
