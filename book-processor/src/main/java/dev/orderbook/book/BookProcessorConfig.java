package dev.orderbook.book;

import dev.orderbook.book.engine.AlertThresholds;
import dev.orderbook.book.engine.CrossedPolicy;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.contract.KafkaClientConfig;
import dev.orderbook.contract.Limits;
import dev.orderbook.contract.ProtectedKafkaProperties;
import dev.orderbook.contract.TopicDurability;
import dev.orderbook.contract.Topics;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * The book processor's configuration, validated as a whole when built, so that a bad value fails at startup. Built
 * with {@link #builder} in one place, {@code ./orderbook process} (flags and {@code ORDERBOOK_*} environment
 * variables, see docs/configuration.md), and by tests; {@link #toStreamsProperties} turns it into Kafka Streams
 * properties, where the operator's Kafka client properties ({@code --kafka-config}) win over our tuning.
 *
 * @param kafka the cluster and the operator's Kafka client properties (security, tuning; the properties the
 *     guarantees depend on are refused by {@link KafkaClientConfig})
 * @param applicationId Kafka Streams application id: the consumer group, the prefix of internal topics
 * @param stateDir where Kafka Streams keeps local state
 * @param httpHost address the HTTP server binds
 * @param httpPort HTTP port, 0 for a free one
 * @param advertisedHost host other instances reach this one's HTTP server at ({@code application.server})
 * @param guarantee {@code exactly_once_v2} (default) or {@code at_least_once}
 * @param standbyReplicas warm copies of each task's store on other instances: faster failover, more changelog reads
 * @param threads stream threads; more than the raw topic's partitions leaves threads idle
 * @param alertThresholds spread alerts: default and per product
 * @param crossedPolicy what an update that crosses a book does
 * @param rawTopic the ingestor's topic (never created here)
 * @param summariesTopic summaries output
 * @param alertsTopic alerts output
 * @param dlqTopic dead letters output
 * @param controlTopic requests to the ingestor (a fresh snapshot of a product whose book is stale or crossed)
 * @param products product ids in placement order; must be the ingestor's {@code --products}
 * @param partitions partitions of output topics created here; 0 for as many as the raw topic has
 * @param durability replication factor and {@code min.insync.replicas} of the topics created here and of the
 *     internal (changelog, repartition) topics
 * @param storeLayout how the book levels are stored
 * @param commitIntervalMs Kafka Streams commit interval; -1 for its default (100 ms exactly-once, 30 s otherwise).
 *     Longer: more throughput, and summaries become visible to read_committed consumers later
 * @param cacheMaxBytes record cache (collapses repeated writes of a level between commits): memory against
 *     changelog traffic
 * @param maxMessageBytes largest raw message applied; larger ones are dead letters
 * @param adminTimeoutMs how long topic setup waits for the broker before it gives up
 * @param staleAfterMs a book that has seen no record of its product (data or liveness) for this long becomes
 *     {@code stale} (the ingestor writes a liveness record per healthy product every second). Shorter: a dead feed
 *     shows sooner, and a slow broker or a long GC pause marks books stale (they resume by themselves)
 * @param resnapshotRetryMs a book still stale or crossed this long after it asked the ingestor for a snapshot asks
 *     again (the request or its answer may have been lost, or no ingestor was running)
 * @param checkpointChanges checkpoint layout: level changes between two checkpoints of a task's books. Fewer: a
 *     restart reads less of the raw topic again, and the changelog carries more checkpoint bytes per change
 * @param checkpointIntervalMs checkpoint layout: time between checkpoints of books that changed, so that a quiet
 *     feed's restart does not read hours of it again
 */
public record BookProcessorConfig(KafkaClientConfig kafka, String applicationId, Path stateDir, String httpHost,
                                  int httpPort, String advertisedHost, String guarantee, int standbyReplicas,
                                  int threads, AlertThresholds alertThresholds, CrossedPolicy crossedPolicy,
                                  String rawTopic, String summariesTopic, String alertsTopic, String dlqTopic,
                                  String controlTopic, List<String> products, int partitions,
                                  TopicDurability durability,
                                  StoreLayout storeLayout, long commitIntervalMs, long cacheMaxBytes,
                                  int maxMessageBytes, int adminTimeoutMs, long staleAfterMs,
                                  long resnapshotRetryMs, long checkpointChanges, long checkpointIntervalMs) {

    public static final String APPLICATION_ID_DEFAULT = "orderbook-processor";
    public static final int HTTP_PORT_DEFAULT = 8082;
    public static final String HTTP_HOST_DEFAULT = "0.0.0.0";
    public static final String ADVERTISED_HOST_DEFAULT = "127.0.0.1";
    public static final String GUARANTEE_DEFAULT = StreamsConfig.EXACTLY_ONCE_V2;
    public static final StoreLayout STORE_LAYOUT_DEFAULT = StoreLayout.CHECKPOINT;
    /** Level changes between two checkpoints of a task's books (checkpoint layout). */
    public static final long CHECKPOINT_CHANGES_DEFAULT = 200_000;
    /** Time between two checkpoints of books that changed (checkpoint layout). */
    public static final long CHECKPOINT_INTERVAL_MS_DEFAULT = 60_000;
    /** Raw messages up to 16 MiB (a deep Advanced Trade snapshot is ~5 MB). */
    public static final int MAX_MESSAGE_BYTES_DEFAULT = Limits.MAX_MESSAGE_BYTES;
    public static final long STALE_AFTER_MS_DEFAULT = 5_000;
    public static final long RESNAPSHOT_RETRY_MS_DEFAULT = 10_000;
    public static final long CACHE_MAX_BYTES_DEFAULT = 32L * 1024 * 1024;
    public static final int ADMIN_TIMEOUT_MS_DEFAULT = 15_000;

    /**
     * Kafka Streams properties the processor sets from its options: the Kafka config file may not set them (the option
     * would silently win).
     */
    public static final Map<String, String> FIXED_STREAMS_PROPERTIES = Map.of(
            StreamsConfig.NUM_STREAM_THREADS_CONFIG, "it is --threads",
            StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "it is --standby-replicas",
            StreamsConfig.STATE_DIR_CONFIG, "it is --state-dir",
            StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "it is --commit-interval-ms",
            StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, "it is --cache-max-bytes",
            StreamsConfig.REPLICATION_FACTOR_CONFIG, "it is --replication-factor",
            StreamsConfig.topicPrefix("min.insync.replicas"), "it is --min-insync-replicas");

    private static final String GLOBAL_PROCESSING_HANDLER = "processing.exception.handler.global.enabled";

    /** How the levels of the books are kept in the changelogged store (see docs/processor.md for the benchmark). */
    public enum StoreLayout {
        /** RocksDB, one entry per level, under the record cache. */
        ROCKSDB_CACHED,
        /** Kafka's in-memory sorted store, one entry per level, under the record cache. */
        IN_MEMORY_CACHED,
        /** Kafka's in-memory sorted store without the record cache: every level write goes to the changelog. */
        IN_MEMORY,
        /** Our hashed in-memory store ({@code HashLevelStore}), under the record cache. */
        HASH_CACHED,
        /** Our hashed in-memory store without the record cache: every level write goes to the changelog. */
        HASH,
        /**
         * No level store: every {@code checkpointChanges} changes (or {@code checkpointIntervalMs}) a checkpoint of the
         * task's books with the raw offset it reflects; a starting task loads it and applies the raw records after it
         * again. The default: a fraction of the changelog of the level layouts (docs/processor.md).
         */
        CHECKPOINT
    }

    public BookProcessorConfig {
        require(kafka != null, "the Kafka client configuration is required");
        require(applicationId != null && applicationId.matches("[A-Za-z0-9._-]+"),
                "application id must be letters, digits, '.', '_' or '-': " + applicationId);
        require(stateDir != null, "state dir is required");
        require(httpHost != null && !httpHost.isBlank(), "HTTP host is required");
        require(httpPort >= 0 && httpPort <= 65535, "HTTP port must be 0..65535: " + httpPort);
        require(advertisedHost != null && !advertisedHost.isBlank(), "advertised host is required");
        guarantee = guarantee == null ? null : guarantee.trim().toLowerCase(Locale.ROOT);
        require(StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee) || StreamsConfig.AT_LEAST_ONCE.equals(guarantee),
                "guarantee must be exactly_once_v2 or at_least_once: " + guarantee);
        require(standbyReplicas >= 0, "standby replicas must be >= 0: " + standbyReplicas);
        require(threads >= 1, "threads must be >= 1: " + threads);
        require(alertThresholds != null && crossedPolicy != null && storeLayout != null,
                "alert thresholds, crossed policy and store layout are required");
        for (final String topic : new String[] {rawTopic, summariesTopic, alertsTopic, dlqTopic, controlTopic}) {
            require(topic != null && topic.matches("[A-Za-z0-9._-]{1,249}"), "invalid topic name: " + topic);
        }
        require(List.of(summariesTopic, alertsTopic, dlqTopic, rawTopic, controlTopic).stream().distinct().count() == 5,
                "the raw, summaries, alerts, DLQ and control topics must differ");
        products = List.copyOf(products == null ? List.of() : products);
        for (final String p : products) {
            require(ProductRegistry.isValidProductId(p), "invalid product id: " + p);
        }
        require(products.stream().distinct().count() == products.size(), "products listed twice: " + products);
        require(partitions >= 0, "partitions must be >= 0 (0: as many as the raw topic): " + partitions);
        require(durability != null, "durability is required");
        ProtectedKafkaProperties.refuseFixed(kafka.properties().keySet(), FIXED_STREAMS_PROPERTIES, "the processor");
        require(commitIntervalMs == -1 || commitIntervalMs >= 1, "commit interval must be >= 1 ms or -1");
        require(cacheMaxBytes >= 0, "cache size must be >= 0");
        require(maxMessageBytes > 0, "max message bytes must be positive");
        require(adminTimeoutMs > 0, "admin timeout must be positive");
        require(staleAfterMs >= 100, "stale-after must be at least 100 ms: " + staleAfterMs);
        require(resnapshotRetryMs >= 1_000, "resnapshot retry must be at least 1000 ms: " + resnapshotRetryMs);
        require(checkpointChanges >= 1, "checkpoint changes must be at least 1: " + checkpointChanges);
        require(checkpointIntervalMs >= 100, "checkpoint interval must be at least 100 ms: " + checkpointIntervalMs);
    }

    private static void require(final boolean condition, final String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** A builder with every default; only the bootstrap servers have none. */
    public static Builder builder() {
        return new Builder();
    }

    /** Puts our tuning value unless the operator's properties set the same key, plain or prefixed. */
    private void tune(final Properties p, final String prefixedKey, final Object value) {
        final String key = ProtectedKafkaProperties.unprefixed(prefixedKey);
        if (kafka.properties().keySet().stream().noneMatch(k -> ProtectedKafkaProperties.unprefixed(k).equals(key))) {
            p.put(prefixedKey, value);
        }
    }

    /** The builder pre-filled with this configuration. */
    public Builder toBuilder() {
        final Builder b = new Builder();
        b.kafka = kafka;
        b.applicationId = applicationId;
        b.stateDir = stateDir;
        b.httpHost = httpHost;
        b.httpPort = httpPort;
        b.advertisedHost = advertisedHost;
        b.guarantee = guarantee;
        b.standbyReplicas = standbyReplicas;
        b.threads = threads;
        b.alertThresholds = alertThresholds;
        b.crossedPolicy = crossedPolicy;
        b.rawTopic = rawTopic;
        b.summariesTopic = summariesTopic;
        b.alertsTopic = alertsTopic;
        b.dlqTopic = dlqTopic;
        b.controlTopic = controlTopic;
        b.products = products;
        b.partitions = partitions;
        b.durability = durability;
        b.storeLayout = storeLayout;
        b.commitIntervalMs = commitIntervalMs;
        b.cacheMaxBytes = cacheMaxBytes;
        b.maxMessageBytes = maxMessageBytes;
        b.adminTimeoutMs = adminTimeoutMs;
        b.staleAfterMs = staleAfterMs;
        b.resnapshotRetryMs = resnapshotRetryMs;
        b.checkpointChanges = checkpointChanges;
        b.checkpointIntervalMs = checkpointIntervalMs;
        return b;
    }

    /** The Kafka bootstrap servers. */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** The name of the book store (its changelog is {@code <application id>-<name>-changelog}). */
    public String storeName() {
        return "books";
    }

    /** The checkpoint layout's store (its changelog is {@code <application id>-book-checkpoints-changelog}). */
    public static final String CHECKPOINT_STORE_NAME = "book-checkpoints";

    /** The name of the checkpoint store (checkpoint layout). */
    public String checkpointStoreName() {
        return CHECKPOINT_STORE_NAME;
    }

    /** The name of the meta store (level layouts: books' state and chains, partitions' offsets). */
    public String metaStoreName() {
        return "book-meta";
    }

    /**
     * A store every layout has, one per task: which instance holds a product's book is which instance holds this
     * store's partition for the product ({@code BookQuery}).
     */
    public String ownershipStoreName() {
        return storeLayout == StoreLayout.CHECKPOINT ? checkpointStoreName() : metaStoreName();
    }

    /** Whether processing is exactly-once. */
    public boolean exactlyOnce() {
        return StreamsConfig.EXACTLY_ONCE_V2.equals(guarantee);
    }

    /**
     * Kafka Streams properties: our tuning first, then the operator's Kafka client properties (which may not touch
     * what the guarantees depend on), then what this configuration fixes.
     *
     * @param applicationServer {@code host:port} of this instance's HTTP server, for interactive queries
     */
    public Properties toStreamsProperties(final String applicationServer) {
        final Properties p = new Properties();
        // Tuning, which the operator's Kafka client properties replace when they set the same key (plain or behind any
        // client prefix: a prefixed value of ours would otherwise win over the operator's plain one):
        // batch summaries and changelog writes a little: throughput for a few ms of latency,
        tune(p, StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), 5);
        tune(p, StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 256 * 1024);
        tune(p, StreamsConfig.producerPrefix(ProducerConfig.COMPRESSION_TYPE_CONFIG), "lz4");
        // a 5 MB snapshot (up to 16 MiB) must fit one fetch, or the consumer would stall on it,
        tune(p, StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), Limits.FETCH_BYTES);
        tune(p, StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG),
                Math.max(Limits.FETCH_BYTES, 52_428_800));
        // dead letters carry raw messages up to 16 MiB;
        tune(p, StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                Limits.DEAD_LETTER_MAX_RECORD_BYTES);
        // the checkpoint store's RocksDB memory, bounded (an operator's own setter replaces this one).
        tune(p, StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, CheckpointStoreRocksDb.class);
        p.putAll(kafka.streams());
        // What the options and the guarantees fix:
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
        p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, standbyReplicas);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, threads);
        p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        p.put(StreamsConfig.APPLICATION_SERVER_CONFIG, applicationServer);
        p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, cacheMaxBytes);
        if (commitIntervalMs > 0) {
            p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
        }
        if (durability.replicationFactor() > 0) {
            p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, durability.replicationFactor());
        }
        durability.topicConfigs().forEach((k, v) -> p.put(StreamsConfig.topicPrefix(k), v));
        // Kafka 4.3 asks for this at every start; there are no global stores here, so it changes nothing else. Its
        // partition assignor reads the setting again from the main consumer's configuration (where Kafka Streams does
        // not copy it, and warns at every start), so it goes there too.
        p.put(GLOBAL_PROCESSING_HANDLER, true);
        p.put(StreamsConfig.mainConsumerPrefix(GLOBAL_PROCESSING_HANDLER), true);
        p.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
        p.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.ByteArraySerde.class.getName());
        // Replay the raw topic from its start when the application is new: the books need the snapshots.
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        return p;
    }

    /** Builds a {@link BookProcessorConfig}; fields are public for brevity, {@link #build} validates. */
    public static final class Builder {
        /** The cluster and the operator's client properties; if null, {@link #bootstrapServers} alone. */
        public KafkaClientConfig kafka;
        /** Shorthand for a plain cluster: used when {@link #kafka} is null. */
        public String bootstrapServers;
        public String applicationId = APPLICATION_ID_DEFAULT;
        public Path stateDir = StateDirectories.processorDefault();
        public String httpHost = HTTP_HOST_DEFAULT;
        public int httpPort = HTTP_PORT_DEFAULT;
        public String advertisedHost = ADVERTISED_HOST_DEFAULT;
        public String guarantee = GUARANTEE_DEFAULT;
        public int standbyReplicas;
        public int threads = 1;
        public AlertThresholds alertThresholds = AlertThresholds.defaults();
        public CrossedPolicy crossedPolicy = CrossedPolicy.FLAG;
        public String rawTopic = Topics.RAW_DEFAULT;
        public String summariesTopic = Topics.SUMMARIES_DEFAULT;
        public String alertsTopic = Topics.ALERTS_DEFAULT;
        public String dlqTopic = Topics.DLQ_DEFAULT;
        public String controlTopic = Topics.CONTROL_DEFAULT;
        public List<String> products = List.of();
        public int partitions;
        public TopicDurability durability = TopicDurability.BROKER_DEFAULTS;
        public StoreLayout storeLayout = STORE_LAYOUT_DEFAULT;
        public long commitIntervalMs = -1;
        public long cacheMaxBytes = CACHE_MAX_BYTES_DEFAULT;
        public int maxMessageBytes = MAX_MESSAGE_BYTES_DEFAULT;
        public int adminTimeoutMs = ADMIN_TIMEOUT_MS_DEFAULT;
        public long staleAfterMs = STALE_AFTER_MS_DEFAULT;
        public long resnapshotRetryMs = RESNAPSHOT_RETRY_MS_DEFAULT;
        public long checkpointChanges = CHECKPOINT_CHANGES_DEFAULT;
        public long checkpointIntervalMs = CHECKPOINT_INTERVAL_MS_DEFAULT;

        public BookProcessorConfig build() {
            return new BookProcessorConfig(kafka != null ? kafka : KafkaClientConfig.of(bootstrapServers),
                    applicationId, stateDir, httpHost, httpPort,
                    advertisedHost, guarantee, standbyReplicas, threads, alertThresholds, crossedPolicy, rawTopic,
                    summariesTopic, alertsTopic, dlqTopic, controlTopic, products, partitions, durability,
                    storeLayout, commitIntervalMs, cacheMaxBytes, maxMessageBytes, adminTimeoutMs, staleAfterMs,
                    resnapshotRetryMs, checkpointChanges, checkpointIntervalMs);
        }
    }
}
