package dev.orderbook.simulator.server;

import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.MessageKind;
import dev.orderbook.codec.StaleScope;
import dev.orderbook.codec.model.Product;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.simulator.market.protocol.MalformedKind;

import com.fasterxml.jackson.core.JsonProcessingException;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fault injection, pacing and lifecycle of the simulator, observed by a real WebSocket client. */
class SimulatorFaultsIT {

    private static FeedTestClient subscribed(final ExchangeSimulator simulator) throws InterruptedException {
        final FeedTestClient client = FeedTestClient.connect(simulator.url());
        ExchangeFeedSimulatorIT.subscribe(client);
        return client;
    }

    @Test
    void dropConnectionsShouldCloseEveryConnection() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(500));
             FeedTestClient first = subscribed(simulator);
             FeedTestClient second = subscribed(simulator)) {
            simulator.dropConnections();
            assertThat(first.closeCode.get(2, TimeUnit.SECONDS)).isEqualTo(1011);
            assertThat(second.closeCode.get(2, TimeUnit.SECONDS)).isEqualTo(1011);
        }
    }

    @Test
    void resetConnectionsShouldDropEveryConnectionWithoutACloseFrame() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(500));
             FeedTestClient client = subscribed(simulator)) {
            // When
            simulator.resetConnections();
            // Then the connection ends with an I/O error, not with a close frame from the server
            assertThatThrownBy(() -> client.closeCode.get(3, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(IOException.class);
        }
    }

    @Test
    void sendMalformedForOneProductShouldSendAnUpdateTheDecoderRejectsAndAttributesToThatProduct() throws Exception {
        final CoinbaseDecoder decoder = new CoinbaseDecoder(ProductRegistry.open());
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(500));
             FeedTestClient client = subscribed(simulator)) {
            for (final MalformedKind kind : List.of(MalformedKind.NEGATIVE_SIZE, MalformedKind.NON_NUMERIC_PRICE,
                    MalformedKind.UNKNOWN_SIDE, MalformedKind.EXPONENT)) {
                // When
                simulator.sendMalformed("ETH-USD", kind);
                // Then a frame the decoder rejects, which names only that product
                final FeedTestClient.Frame bad = nextInvalid(client, decoder);
                final byte[] bytes = bad.text().getBytes(StandardCharsets.UTF_8);
                final StaleScope scope = StaleScope.of(bytes, 0, bytes.length, ProductRegistry.open());
                assertThat(scope.isAll()).as(kind + ": " + bad.text()).isFalse();
                assertThat(scope.products()).extracting(Product::id).as(kind + ": " + bad.text())
                        .containsExactly("ETH-USD");
            }
        }
    }

    private static FeedTestClient.Frame nextInvalid(final FeedTestClient client, final CoinbaseDecoder decoder)
            throws InterruptedException {
        final FeedMessage decoded = new FeedMessage();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (System.nanoTime() < deadline) {
            final FeedTestClient.Frame frame = client.next(Duration.ofSeconds(3));
            if (decoder.decode(frame.text().getBytes(StandardCharsets.UTF_8), decoded).kind()
                    == MessageKind.INVALID) {
                return frame;
            }
        }
        throw new AssertionError("no invalid frame within 3 s");
    }

    @Test
    void goSilentShouldStopEveryMessageForTheDuration() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(1_000));
             FeedTestClient client = subscribed(simulator)) {
            client.next(Duration.ofSeconds(1));
            simulator.goSilent(Duration.ofMillis(1_200));
            final long silenceStart = System.nanoTime();
            long lastBefore = 0;
            FeedTestClient.Frame frame;
            do {
                frame = client.next(Duration.ofSeconds(3));
                if (frame.arrivalNanos() - silenceStart < TimeUnit.MILLISECONDS.toNanos(100)) {
                    lastBefore = frame.arrivalNanos();
                }
            } while (frame.arrivalNanos() - silenceStart < TimeUnit.MILLISECONDS.toNanos(100));
            final long gapMs = TimeUnit.NANOSECONDS.toMillis(frame.arrivalNanos() - Math.max(lastBefore,
                    silenceStart));
            assertThat(gapMs).isGreaterThanOrEqualTo(1_100);
            assertThat(TimeUnit.NANOSECONDS.toMillis(frame.arrivalNanos() - silenceStart)).isGreaterThan(1_190);
        }
    }

    @Test
    void sendMalformedShouldSendOneFrameThatIsNotJson() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(200));
             FeedTestClient client = subscribed(simulator)) {
            simulator.sendMalformed();
            int malformed = 0;
            final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
            while (System.nanoTime() < until) {
                final FeedTestClient.Frame frame = client.frames.poll(50, TimeUnit.MILLISECONDS);
                if (frame != null && !parses(frame.text())) {
                    malformed++;
                }
            }
            assertThat(malformed).isEqualTo(1);
        }
    }

    private static boolean parses(final String text) {
        try {
            FeedTestClient.JSON.readTree(text);
            return true;
        } catch (final JsonProcessingException e) {
            return false;
        }
    }

    @Test
    void sendOversizedShouldSendAValidJsonFrameLargerThanFiveMegabytes() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(200));
             FeedTestClient client = subscribed(simulator)) {
            simulator.sendOversized(6_000_000);
            final var padding = client.nextMatching(m -> "simulator_padding".equals(m.path("type").asText()),
                    Duration.ofSeconds(5));
            assertThat(padding.toString().length()).isGreaterThan(5_000_000);
            // The feed carries on after it.
            client.nextMatching(m -> "l2update".equals(m.path("type").asText()), Duration.ofSeconds(2));
        }
    }

    @Test
    void slowDownShouldLowerTheMessageRate() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(2_000));
             FeedTestClient client = subscribed(simulator)) {
            client.countOnly();
            final double fast = rate(client, 500);
            simulator.slowDown(100);
            Thread.sleep(100);
            final double slow = rate(client, 500);
            assertThat(fast).isGreaterThan(1_500);
            assertThat(slow).isLessThan(200);
        }
    }

    @Test
    void shouldSendFiftyThousandMessagesPerSecond() throws Exception {
        // -Dsimulator.rate=200000 measures the ceiling instead.
        final int rate = Integer.getInteger("simulator.rate", 50_000);
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(rate));
             FeedTestClient client = subscribed(simulator)) {
            client.countOnly();
            // Warm-up: lets the JIT compile the send path before measuring.
            Thread.sleep(700);
            final long generatedBefore = simulator.messagesGenerated();
            final long start = System.nanoTime();
            final double received = rate(client, 1_500);
            final double generated = (simulator.messagesGenerated() - generatedBefore) * 1e9
                    / (System.nanoTime() - start);
            System.out.printf("Simulator rate at %d/s: generated %.0f/s, received %.0f/s%n", rate, generated, received);
            // Client and server share this JVM and two cores; the server alone reaches about 58,000/s here.
            assertThat(received).isGreaterThan(40_000);
        }
    }

    /** Frames per second received over {@code millis}. */
    private static double rate(final FeedTestClient client, final long millis) throws InterruptedException {
        final long before = client.frameCount.get();
        final long start = System.nanoTime();
        Thread.sleep(millis);
        return (client.frameCount.get() - before) * 1e9 / (System.nanoTime() - start);
    }

    @Test
    void closeShouldReleaseThePortAndLeaveNoNonDaemonThreads() throws Exception {
        final Set<Thread> before = nonDaemonThreads();
        final ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(500));
        final int port = simulator.port();
        try (FeedTestClient client = subscribed(simulator)) {
            simulator.close();
            assertThat(client.closeCode.get(2, TimeUnit.SECONDS)).isEqualTo(1001);
        }
        try (ServerSocket socket = new ServerSocket()) {
            // Reuse allows closed connections in TIME_WAIT; it fails only if something still listens.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("0.0.0.0", port));
        }
        Thread.sleep(200);
        final Set<Thread> after = nonDaemonThreads();
        after.removeAll(before);
        assertThat(after).isEmpty();
    }

    private static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.isDaemon() && t.isAlive())
                .collect(Collectors.toSet());
    }

    @Test
    void runUntilInterruptedShouldPrintTheUrlAndStopWhenInterrupted() throws Exception {
        final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        final Thread runner = new Thread(() -> {
            try {
                ExchangeSimulator.runUntilInterrupted(ExchangeFeedSimulatorIT.options(100),
                        new PrintStream(printed, true, StandardCharsets.UTF_8));
            } catch (final IOException e) {
                throw new IllegalStateException(e);
            }
        });
        runner.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (printed.size() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8))
                .matches("Coinbase simulator \\(EXCHANGE\\) at ws://127\\.0\\.0\\.1:\\d+/\\R");
        runner.interrupt();
        runner.join(5_000);
        assertThat(runner.isAlive()).isFalse();
    }

    @Test
    void optionsShouldRejectARateOutOfRange() {
        assertThatThrownBy(() -> ExchangeFeedSimulatorIT.options(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
