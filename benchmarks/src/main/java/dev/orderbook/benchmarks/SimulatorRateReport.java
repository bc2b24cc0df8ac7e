package dev.orderbook.benchmarks;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.orderbook.simulator.market.MarketOptions;
import dev.orderbook.simulator.market.Protocol;
import dev.orderbook.simulator.server.ExchangeSimulator;
import dev.orderbook.simulator.server.SimulatorOptions;

/**
 * Measures the rate the exchange simulator reaches: a synthetic Exchange market on BTC-USD and ETH-USD (1,000 levels
 * per side, seed 42, as {@code SimulatorFaultsIT}) driven at a target rate, one WebSocket client in the same JVM
 * subscribed to both. After a warm-up it counts, over a measured window, the market messages the simulator generated
 * and the frames the client received, and prints both per second. This is the figure the integration tests used to
 * assert; they now assert only that every message is delivered, in order (docs/benchmarks.md).
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.orderbook.benchmarks.SimulatorRateReport [RATE [SECONDS [RUNS]]]
 * </pre>
 *
 * Defaults: 50,000 messages/s, 5 s measured after 2 s of warm-up, 3 runs (one simulator each).
 */
public final class SimulatorRateReport {
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD");
    private static final String SUBSCRIBE = "{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\",\"ETH-USD\"],"
            + "\"channels\":[\"level2_batch\",\"heartbeat\"]}";

    private SimulatorRateReport() {
    }

    public static void main(final String[] args) throws Exception {
        final int rate = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        final int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        final int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        final MarketOptions market = MarketOptions.of(PRODUCTS, 42);
        final SimulatorOptions options = SimulatorOptions.of(Protocol.EXCHANGE, new MarketOptions(market.products(),
                42, 1_000, market.deepFraction(), market.batchSizes())).withMessagesPerSecond(rate);
        for (int run = 1; run <= runs; run++) {
            measure(options, rate, seconds, run);
        }
    }

    private static void measure(final SimulatorOptions options, final int rate, final int seconds, final int run)
            throws Exception {
        final AtomicLong frames = new AtomicLong();
        try (ExchangeSimulator simulator = ExchangeSimulator.start(options)) {
            final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                    .buildAsync(URI.create(simulator.url()), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data,
                                                         final boolean last) {
                            if (last) {
                                frames.incrementAndGet();
                            }
                            webSocket.request(1);
                            return CompletableFuture.completedFuture(null);
                        }
                    }).get(10, TimeUnit.SECONDS);
            socket.sendText(SUBSCRIBE, true).get(10, TimeUnit.SECONDS);
            Thread.sleep(2_000);
            final long framesBefore = frames.get();
            final long generatedBefore = simulator.messagesGenerated();
            final long start = System.nanoTime();
            Thread.sleep(Duration.ofSeconds(seconds).toMillis());
            final long elapsedNs = System.nanoTime() - start;
            final double generated = (simulator.messagesGenerated() - generatedBefore) * 1e9 / elapsedNs;
            final double received = (frames.get() - framesBefore) * 1e9 / elapsedNs;
            System.out.printf("simulator run=%d target_per_sec=%d seconds=%.2f generated_per_sec=%.0f"
                    + " received_per_sec=%.0f%n", run, rate, elapsedNs / 1e9, generated, received);
            socket.abort();
        }
    }
}
