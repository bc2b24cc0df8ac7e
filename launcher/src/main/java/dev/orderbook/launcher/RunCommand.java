package dev.orderbook.launcher;

import dev.orderbook.book.BookProcessorConfig;
import dev.orderbook.book.StateDirectories;
import dev.orderbook.book.service.BookProcessorService;
import dev.orderbook.codec.Protocol;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.contract.KafkaClientConfig;
import dev.orderbook.contract.Topics;
import dev.orderbook.ingestor.coinbase.FeedClientConfig;
import dev.orderbook.ingestor.publish.PublisherConfig;
import dev.orderbook.ingestor.service.IngestorService;
import dev.orderbook.kafka.embedded.EmbeddedKafkaBroker;
import dev.orderbook.simulator.market.BatchSizeDistribution;
import dev.orderbook.simulator.market.MarketOptions;
import dev.orderbook.simulator.server.ExchangeSimulator;
import dev.orderbook.simulator.server.SimulatorOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./orderbook run}: the whole product in one process, for a first look. A Kafka broker (embedded, unless
 * {@code --bootstrap}), the feed (Coinbase, or the exchange simulator), the ingestor, the book processor, and the
 * summaries printed as they are committed.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {
            "Runs the whole pipeline in one process until Ctrl-C (or --duration): an embedded Kafka broker (KRaft; "
                    + "or --bootstrap for an existing cluster), the feed (live Coinbase, or --feed simulator for the "
                    + "exchange simulator on loopback), the ingestor (raw topic), the Kafka Streams book processor "
                    + "(summaries, alerts, dead letters; exactly-once), and prints every committed summary to "
                    + "stdout as NDJSON. Status lines go to stderr.",
            "HTTP while it runs: the ingestor's /health and /metrics on --ingest-http-port, the processor's "
                    + "/health, /ready, /metrics and /books/{product}?depth=N on --process-http-port."})
final class RunCommand implements Callable<Integer> {
    @Option(names = "--feed", defaultValue = "coinbase", paramLabel = "coinbase|simulator",
            description = "Where market data comes from (default: ${DEFAULT-VALUE}). The simulator needs no "
                    + "network: a seeded synthetic market served over a real WebSocket on loopback.")
    String feed;

    @Option(names = "--protocol", defaultValue = "exchange", paramLabel = "exchange|advanced",
            description = "Feed protocol (default: ${DEFAULT-VALUE}).")
    String protocol;

    @Option(names = "--products", split = ",", paramLabel = "A,B,...", defaultValue = "BTC-USD,ETH-USD",
            description = "Products (default: ${DEFAULT-VALUE}).")
    List<String> products;

    @Option(names = "--rate", defaultValue = "200", paramLabel = "MESSAGES_PER_SECOND",
            description = "Simulator update messages per second (default: ${DEFAULT-VALUE}).")
    int rate;

    /** Without --bootstrap or --kafka-config, an embedded broker. */
    @Mixin
    KafkaClientOptions cluster;

    @Option(names = "--ingest-http-port", defaultValue = "8081", paramLabel = "N",
            description = "Ingestor HTTP port, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int ingestHttpPort;

    @Option(names = "--process-http-port", defaultValue = "" + BookProcessorConfig.HTTP_PORT_DEFAULT,
            paramLabel = "N", description = "Processor HTTP port, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int processHttpPort;

    @Option(names = "--duration", paramLabel = "SECONDS",
            description = "Stop after this many seconds (default: until Ctrl-C).")
    Long durationSeconds;

    @Override
    public Integer call() throws Exception {
        final Protocol p;
        try {
            p = FeedOptions.parseProtocol(protocol);
            if (!feed.equals("coinbase") && !feed.equals("simulator")) {
                throw new IllegalArgumentException("--feed must be coinbase or simulator, was " + feed);
            }
            if (durationSeconds != null && durationSeconds <= 0) {
                throw new IllegalArgumentException("--duration must be positive, was " + durationSeconds);
            }
            for (final String product : products) {
                if (!ProductRegistry.isValidProductId(product)) {
                    throw new IllegalArgumentException("invalid product id: " + product);
                }
            }
            if (cluster.given()) {
                cluster.load();
            }
        } catch (final IllegalArgumentException e) {
            System.err.println("orderbook run: " + e.getMessage());
            return 2;
        }
        final ShutdownSignal stop = new ShutdownSignal("run-shutdown", Duration.ofSeconds(60));
        final Deque<AutoCloseable> resources = new ArrayDeque<>();
        final Path stateDir = StateDirectories.ephemeral("run-state");
        try {
            final KafkaClientConfig kafka;
            if (!cluster.given()) {
                status("starting an embedded Kafka broker (KRaft)...");
                final EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
                resources.push(broker);
                kafka = KafkaClientConfig.of(broker.bootstrapServers());
            } else {
                kafka = cluster.load();
            }
            final String url;
            if (feed.equals("simulator")) {
                final MarketOptions market = new MarketOptions(MarketOptions.specsFor(products), 1, 2_000,
                        MarketOptions.DEEP_FRACTION_DEFAULT, BatchSizeDistribution.defaults());
                final ExchangeSimulator simulator = ExchangeSimulator.start(SimulatorOptions.of(
                        dev.orderbook.simulator.market.Protocol.valueOf(p.name()), market)
                        .withMessagesPerSecond(rate));
                resources.push(simulator);
                url = simulator.url();
                status("exchange simulator (synthetic market, not Coinbase data) at " + url);
            } else {
                url = p == Protocol.EXCHANGE ? FeedOptions.EXCHANGE_URL : FeedOptions.ADVANCED_URL;
            }
            final IngestorService ingestor = IngestorService.start(new IngestorService.Config(
                    FeedClientConfig.of(url, p, products), PublisherConfig.of(kafka, products), 0,
                    Duration.ofDays(1), Duration.ofSeconds(30), "127.0.0.1", ingestHttpPort));
            resources.push(ingestor);
            final BookProcessorConfig.Builder builder = BookProcessorConfig.builder();
            builder.kafka = kafka;
            builder.applicationId = "orderbook-run-" + UUID.randomUUID().toString().substring(0, 8);
            builder.stateDir = stateDir;
            builder.httpHost = "127.0.0.1";
            builder.httpPort = processHttpPort;
            builder.products = products;
            final BookProcessorService processor = BookProcessorService.start(builder.build());
            resources.push(processor);
            status("ingesting " + products + " from " + url + "; ingestor http://127.0.0.1:" + ingestor.httpPort()
                    + "/health, processor http://127.0.0.1:" + processor.httpPort() + "/books/" + products.get(0)
                    + "?depth=5; summaries follow on stdout (Ctrl-C to stop)");
            printSummaries(kafka, stop, ingestor, System.out);
            return 0;
        } catch (final IllegalStateException e) {
            System.err.println("orderbook run: " + e.getMessage());
            return 1;
        } finally {
            while (!resources.isEmpty()) {
                try {
                    resources.pop().close();
                } catch (final Exception e) {
                    System.err.println("orderbook run: closing failed: " + e);
                }
            }
            try {
                Utils.delete(stateDir.toFile());
            } catch (final IOException e) {
                System.err.println("orderbook run: could not delete " + stateDir + ": " + e);
            }
            stop.close();
        }
    }

    /** Prints committed summaries until {@code stop} or the duration ends; a status line every 10 s. */
    private void printSummaries(final KafkaClientConfig kafka, final ShutdownSignal stop,
                                final IngestorService ingestor, final PrintStream out) throws InterruptedException {
        final Map<String, Object> props = new HashMap<>(kafka.consumer());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "orderbook-run-printer-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        final long deadline = durationSeconds == null ? Long.MAX_VALUE
                : System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds);
        long summaries = 0;
        long nextStatus = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(Topics.SUMMARIES_DEFAULT));
            while (!stop.requested() && System.nanoTime() < deadline) {
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.println(new String(r.value(), StandardCharsets.UTF_8));
                    summaries++;
                }
                out.flush();
                if (System.nanoTime() > nextStatus) {
                    nextStatus = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    status("summaries=" + summaries + " ingestor healthy=" + ingestor.isHealthy()
                            + (summaries == 0 && feed.equals("coinbase")
                            ? " (no data yet: is Coinbase reachable from here? --feed simulator needs no network)"
                            : ""));
                }
            }
        }
        status("stopping; summaries printed: " + summaries);
    }

    private static void status(final String line) {
        System.err.println("orderbook run: " + line);
    }
}
