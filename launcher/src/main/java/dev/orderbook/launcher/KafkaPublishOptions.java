package dev.orderbook.launcher;

import dev.orderbook.contract.Topics;
import dev.orderbook.ingestor.publish.PublisherConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.List;

/**
 * The Kafka options shared by {@code ingest} and {@code publish}: the cluster, topics, batching, budget, topic setup.
 */
final class KafkaPublishOptions {
    @Mixin
    KafkaClientOptions client;

    @Mixin
    TopicDurabilityOptions topics;

    @Option(names = "--raw-topic", defaultValue = Topics.RAW_DEFAULT, paramLabel = "TOPIC",
            description = "Raw topic (default: ${DEFAULT-VALUE}).")
    String rawTopic;

    @Option(names = "--dlq-topic", defaultValue = Topics.DLQ_DEFAULT, paramLabel = "TOPIC",
            description = "Dead-letter topic for frames that cannot be published as they are "
                    + "(default: ${DEFAULT-VALUE}).")
    String dlqTopic;

    @Option(names = "--linger-ms", defaultValue = "5", paramLabel = "MS",
            description = "Producer linger: how long a batch waits for more records (default: ${DEFAULT-VALUE}).")
    long lingerMs;

    @Option(names = "--batch-bytes", defaultValue = "" + PublisherConfig.BATCH_BYTES_DEFAULT, paramLabel = "N",
            description = "Producer batch size per partition (default: ${DEFAULT-VALUE}).")
    int batchBytes;

    @Option(names = "--compression", defaultValue = PublisherConfig.COMPRESSION_DEFAULT,
            paramLabel = "none|gzip|snappy|lz4|zstd", description = "Producer compression (default: ${DEFAULT-VALUE}).")
    String compression;

    @Option(names = "--buffer-mb", defaultValue = "256", paramLabel = "MB",
            description = "Memory for records not yet acknowledged by Kafka; past it the feed is dropped and gaps "
                    + "marked (default: ${DEFAULT-VALUE}).")
    long bufferMb;

    @Option(names = "--partitions", defaultValue = "0", paramLabel = "N",
            description = "Partitions of the raw and dead-letter topics if they must be created, at least one per "
                    + "product (default: one per product).")
    int partitions;

    @Option(names = "--retention-hours", defaultValue = "168", paramLabel = "H",
            description = "Retention of created topics (default: ${DEFAULT-VALUE}, 7 days).")
    long retentionHours;

    @Option(names = "--kafka-timeout-seconds", defaultValue = "30", paramLabel = "S",
            description = "How long topic setup waits for Kafka before giving up (default: ${DEFAULT-VALUE}).")
    long kafkaTimeoutSeconds;

    @Option(names = "--scale", defaultValue = "10", paramLabel = "N",
            description = "Decimal places prices and sizes are checked at, as the processor reads them "
                    + "(default: ${DEFAULT-VALUE}).")
    int scale;

    /** The publisher configuration; throws {@link IllegalArgumentException} with a message for bad values. */
    PublisherConfig config(final List<String> products) {
        if (partitions != 0 && products != null && partitions < products.size()) {
            throw new IllegalArgumentException("--partitions " + partitions + " is fewer than the " + products.size()
                    + " products: each product needs a partition of its own (0: one per product)");
        }
        return PublisherConfig.of(client.load(), products)
                .withDurability(topics.durability())
                .withTopics(rawTopic, dlqTopic)
                .withBatching(Duration.ofMillis(lingerMs), batchBytes)
                .withCompression(compression)
                .withBufferBudgetBytes(bufferMb * 1024 * 1024)
                .withScales(scale, scale);
    }

    Duration kafkaTimeout() {
        if (kafkaTimeoutSeconds <= 0) {
            throw new IllegalArgumentException("--kafka-timeout-seconds must be positive, was " + kafkaTimeoutSeconds);
        }
        return Duration.ofSeconds(kafkaTimeoutSeconds);
    }

    Duration retention() {
        if (retentionHours <= 0) {
            throw new IllegalArgumentException("--retention-hours must be positive, was " + retentionHours);
        }
        return Duration.ofHours(retentionHours);
    }
}
