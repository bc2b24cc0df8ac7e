package dev.orderbook.launcher;

import dev.orderbook.book.BookProcessorConfig;
import dev.orderbook.book.engine.AlertThresholds;
import dev.orderbook.book.engine.CrossedPolicy;
import dev.orderbook.book.service.BookProcessorService;
import dev.orderbook.contract.KafkaAccessErrors;
import dev.orderbook.contract.TopicSetup;
import dev.orderbook.contract.Topics;
import org.apache.kafka.streams.KafkaStreams;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./orderbook process}: the Kafka Streams book processor, until Ctrl-C. */
@Command(name = "process", mixinStandardHelpOptions = true,
        description = {
            "Runs the book processor: reads the raw topic, keeps one exact book per product in a changelogged "
                    + "state store (exactly-once by default), and writes summaries, spread alerts and dead letters.",
            "Creates its output topics when missing; fails with a clear message when the broker is unreachable or "
                    + "the raw topic is missing. HTTP: /health, /ready, /metrics, /books/{product}?depth=N."})
final class ProcessCommand implements Callable<Integer> {
    @Mixin
    KafkaClientOptions kafka;

    @Mixin
    TopicDurabilityOptions topics;

    @Option(names = "--application-id", paramLabel = "ID", defaultValue = BookProcessorConfig.APPLICATION_ID_DEFAULT,
            description = "Kafka Streams application id (default: ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Local state directory (default: "
            + "$XDG_STATE_HOME/orderbook/streams, else ~/.local/state/orderbook/streams).")
    Path stateDir;

    @Option(names = "--http-port", paramLabel = "N", defaultValue = "" + BookProcessorConfig.HTTP_PORT_DEFAULT,
            description = "HTTP port, 0 for a free one (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--http-host", paramLabel = "HOST", defaultValue = BookProcessorConfig.HTTP_HOST_DEFAULT,
            description = "Address the HTTP server binds (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Option(names = "--advertised-host", paramLabel = "HOST", defaultValue = BookProcessorConfig.ADVERTISED_HOST_DEFAULT,
            description = "Host other instances reach this one at, for book queries (default: ${DEFAULT-VALUE}).")
    String advertisedHost;

    @Option(names = "--guarantee", paramLabel = "G", defaultValue = BookProcessorConfig.GUARANTEE_DEFAULT,
            description = "exactly_once_v2 or at_least_once (default: ${DEFAULT-VALUE}).")
    String guarantee;

    @Option(names = "--standby-replicas", paramLabel = "N", defaultValue = "0",
            description = "Standby replicas per task (default: ${DEFAULT-VALUE}).")
    int standbyReplicas;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1",
            description = "Stream threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--alert-bps", paramLabel = "BPS", defaultValue = AlertThresholds.DEFAULT_BPS,
            description = "Alert when the spread exceeds BPS basis points of the ask (default: ${DEFAULT-VALUE}).")
    String alertBps;

    @Option(names = "--alert-bps-for", paramLabel = "PRODUCT=BPS", split = ",",
            description = "Per-product alert threshold, repeatable or comma-separated.")
    Map<String, String> alertBpsFor = new LinkedHashMap<>();

    @Option(names = "--crossed-policy", paramLabel = "P", defaultValue = "flag",
            description = "flag (crossed state until the next snapshot) or trim (drop the crossed levels) "
                    + "(default: ${DEFAULT-VALUE}).")
    CrossedPolicy crossedPolicy;

    @Option(names = "--raw-topic", defaultValue = Topics.RAW_DEFAULT, description = "(default: ${DEFAULT-VALUE})")
    String rawTopic;

    @Option(names = "--summaries-topic", defaultValue = Topics.SUMMARIES_DEFAULT,
            description = "(default: ${DEFAULT-VALUE})")
    String summariesTopic;

    @Option(names = "--alerts-topic", defaultValue = Topics.ALERTS_DEFAULT, description = "(default: ${DEFAULT-VALUE})")
    String alertsTopic;

    @Option(names = "--dlq-topic", defaultValue = Topics.DLQ_DEFAULT, description = "(default: ${DEFAULT-VALUE})")
    String dlqTopic;

    @Option(names = "--control-topic", defaultValue = Topics.CONTROL_DEFAULT,
            description = "Where books that are stale or crossed ask the ingestor for a snapshot "
                    + "(default: ${DEFAULT-VALUE}).")
    String controlTopic;

    @Option(names = "--stale-after", paramLabel = "DURATION", defaultValue = "5s",
            converter = DurationConverter.class,
            description = "A live book that hears nothing of its product (data or liveness record) for this long "
                    + "becomes stale (feed-silent); it is live again by itself if nothing was lost "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration staleAfter;

    @Option(names = "--resnapshot-retry", paramLabel = "DURATION", defaultValue = "10s",
            converter = DurationConverter.class,
            description = "A book still stale or crossed this long after asking the ingestor for a snapshot asks "
                    + "again (default: ${DEFAULT-VALUE}).")
    Duration resnapshotRetry;

    @Option(names = "--products", paramLabel = "A,B,...", split = ",",
            description = "Product placement order: the ingestor's --products (products listed go one per "
                    + "partition, in order).")
    List<String> products = List.of();

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "0",
            description = "Partitions of output topics created here (default: as many as the raw topic).")
    int partitions;

    @Option(names = "--store-layout", paramLabel = "L", defaultValue = "checkpoint",
            description = "checkpoint (the books as periodic checkpoints plus the raw records after them), or a "
                    + "changelog record per level: hash, hash_cached, in_memory, in_memory_cached, rocksdb_cached "
                    + "(default: ${DEFAULT-VALUE}).")
    String storeLayout;

    @Option(names = "--checkpoint-changes", paramLabel = "N",
            defaultValue = "" + BookProcessorConfig.CHECKPOINT_CHANGES_DEFAULT,
            description = "checkpoint layout: a task checkpoints its books after this many level changes and raw "
                    + "records. Fewer: a restart reads less of the raw topic again; more: fewer checkpoint bytes in "
                    + "the changelog per change (default: ${DEFAULT-VALUE}).")
    long checkpointChanges;

    @Option(names = "--checkpoint-interval", paramLabel = "DURATION", defaultValue = "60s",
            converter = DurationConverter.class,
            description = "checkpoint layout: a task also checkpoints after this long, so that a restart of a quiet "
                    + "feed does not read hours of it again (default: ${DEFAULT-VALUE}).")
    Duration checkpointInterval;

    @Option(names = "--cache-max-bytes", paramLabel = "N", defaultValue = "" + BookProcessorConfig.CACHE_MAX_BYTES_DEFAULT,
            description = "Kafka Streams' record cache (statestore.cache.max.bytes), used by the *_cached store layouts: "
                    + "memory against changelog traffic (default: ${DEFAULT-VALUE}).")
    long cacheMaxBytes;

    @Option(names = "--commit-interval-ms", paramLabel = "MS", defaultValue = "-1",
            description = "Commit interval (default: Kafka Streams', 100 ms exactly-once).")
    long commitIntervalMs;

    @Override
    public Integer call() throws InterruptedException {
        final BookProcessorConfig config;
        try {
            config = config();
        } catch (final IllegalArgumentException e) {
            System.err.println("orderbook process: " + e.getMessage());
            return 2;
        }
        return run(config);
    }

    /** Runs until the service stops or the JVM shuts down; returns the exit code. */
    private static int run(final BookProcessorConfig config) throws InterruptedException {
        final BookProcessorService service;
        try {
            service = BookProcessorService.start(config);
        } catch (final TopicSetup.SetupException e) {
            System.err.println("orderbook process: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "book-processor-shutdown"));
        System.err.println("orderbook process: reading " + config.rawTopic() + " on " + config.bootstrapServers()
                + "; ready at http://" + config.httpHost() + ":" + service.httpPort() + "/ready");
        service.awaitStop();
        if (service.failure() != null) {
            KafkaAccessErrors.explain(service.failure()).ifPresent(m -> System.err.println("orderbook process: " + m));
        }
        return service.streams().state() == KafkaStreams.State.ERROR ? 1 : 0;
    }

    BookProcessorConfig config() {
        final BookProcessorConfig.Builder b = BookProcessorConfig.builder();
        b.kafka = kafka.load();
        b.applicationId = applicationId;
        if (stateDir != null) {
            b.stateDir = stateDir;
        }
        b.httpPort = httpPort;
        b.httpHost = httpHost;
        b.advertisedHost = advertisedHost;
        b.guarantee = guarantee;
        b.standbyReplicas = standbyReplicas;
        b.threads = threads;
        b.alertThresholds = AlertThresholds.of(alertBps, alertBpsFor);
        b.crossedPolicy = crossedPolicy;
        b.rawTopic = rawTopic;
        b.summariesTopic = summariesTopic;
        b.alertsTopic = alertsTopic;
        b.dlqTopic = dlqTopic;
        b.controlTopic = controlTopic;
        b.staleAfterMs = staleAfter.toMillis();
        b.resnapshotRetryMs = resnapshotRetry.toMillis();
        b.products = products;
        b.partitions = partitions;
        b.durability = topics.durability();
        b.storeLayout = BookProcessorConfig.StoreLayout.valueOf(storeLayout.trim().toUpperCase(java.util.Locale.ROOT)
                .replace('-', '_'));
        b.commitIntervalMs = commitIntervalMs;
        b.cacheMaxBytes = cacheMaxBytes;
        b.checkpointChanges = checkpointChanges;
        b.checkpointIntervalMs = checkpointInterval.toMillis();
        return b.build();
    }
}
