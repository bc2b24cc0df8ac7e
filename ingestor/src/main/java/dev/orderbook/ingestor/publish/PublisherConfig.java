package dev.orderbook.ingestor.publish;

import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.contract.KafkaClientConfig;
import dev.orderbook.contract.Limits;
import dev.orderbook.contract.ProductPartitioner;
import dev.orderbook.contract.ProtectedKafkaProperties;
import dev.orderbook.contract.TopicDurability;
import dev.orderbook.contract.Topics;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How raw records reach Kafka: where, which topics, the producer's batching and the memory budget. Immutable and
 * validated on construction. Start from {@link #of} and adjust with the {@code with...} methods.
 *
 * @param kafka             the cluster and the operator's Kafka client properties (security, tuning)
 * @param rawTopic          the raw topic (DESIGN.md {@code coinbase.l2.raw})
 * @param dlqTopic          the dead-letter topic for frames that cannot be published as they are
 * @param products          the products, in placement order ({@link ProductPartitioner}): the i-th goes to partition
 *                          i modulo the partition count
 * @param linger            how long the producer waits to fill a batch; small keeps latency low, larger batches
 *                          more per request under load
 * @param batchBytes        the producer's batch size per partition
 * @param compression       {@code none}, {@code gzip}, {@code snappy}, {@code lz4} or {@code zstd}
 * @param bufferBudgetBytes bytes that may be sent but not yet acknowledged; past it the ingestor drops the
 *                          WebSocket and marks gaps rather than grow (Kafka slow or down)
 * @param deliveryTimeout   how long the producer keeps retrying a record before it fails it (and the ingestor
 *                          marks a gap for its product)
 * @param maxBlock          how long a send may wait for topic metadata when Kafka cannot be reached
 * @param priceScale        decimal places kept for prices when a frame is validated (as in the processor)
 * @param sizeScale         decimal places kept for sizes when a frame is validated
 * @param durability        replication and {@code min.insync.replicas} of the topics created here (raw, dead
 *                          letters, control)
 */
public record PublisherConfig(KafkaClientConfig kafka, String rawTopic, String dlqTopic, List<String> products,
                              Duration linger, int batchBytes, String compression, long bufferBudgetBytes,
                              Duration deliveryTimeout, Duration maxBlock, int priceScale, int sizeScale,
                              TopicDurability durability) {

    /** 5 ms: a batch waits at most that long for company; the feed's own batching is 50 ms. */
    public static final Duration LINGER_DEFAULT = Duration.ofMillis(5);
    public static final int BATCH_BYTES_DEFAULT = 256 * 1024;
    /** lz4: fast, and a 5 MB snapshot of decimal strings shrinks about threefold. */
    public static final String COMPRESSION_DEFAULT = "lz4";
    public static final long BUFFER_BUDGET_DEFAULT = 256L * 1024 * 1024;
    /** Smallest budget accepted. A record larger than the budget is still sent when nothing else is in flight. */
    public static final long MIN_BUFFER_BUDGET = 64 * 1024;
    public static final Duration DELIVERY_TIMEOUT_DEFAULT = Duration.ofSeconds(120);
    /** 1 s: a metadata fetch takes milliseconds when Kafka is up; a send must not stall the feed for long. */
    public static final Duration MAX_BLOCK_DEFAULT = Duration.ofSeconds(1);
    /**
     * Producer properties the ingestor and publish set themselves, from an option or because their design depends on
     * the value: the Kafka config file may not set them (they would silently win over it).
     */
    public static final Map<String, String> FIXED_PRODUCER_PROPERTIES = Map.of(
            ProducerConfig.LINGER_MS_CONFIG, "it is --linger-ms",
            ProducerConfig.BATCH_SIZE_CONFIG, "it is --batch-bytes",
            ProducerConfig.COMPRESSION_TYPE_CONFIG, "it is --compression",
            ProducerConfig.BUFFER_MEMORY_CONFIG, "it follows --buffer-mb, so that the ingestor's own accounting "
                    + "reacts before a send blocks",
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "a record Kafka has not acknowledged by then becomes a gap "
                    + "marker for its product (120 s)",
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "it follows the delivery timeout and the linger",
            ProducerConfig.MAX_BLOCK_MS_CONFIG, "a send may not stall the feed for long when Kafka is unreachable (1 s)",
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "a 16 MiB dead letter must fit");
    private static final Set<String> COMPRESSIONS = Set.of("none", "gzip", "snappy", "lz4", "zstd");

    public PublisherConfig {
        if (kafka == null) {
            throw new IllegalArgumentException("the Kafka client configuration is required");
        }
        requireTopic("rawTopic", rawTopic);
        requireTopic("dlqTopic", dlqTopic);
        if (rawTopic.equals(dlqTopic)) {
            throw new IllegalArgumentException("rawTopic and dlqTopic must differ, both were " + rawTopic);
        }
        if (products == null || products.isEmpty()) {
            throw new IllegalArgumentException("products may not be empty");
        }
        for (final String id : products) {
            if (!ProductRegistry.isValidProductId(id)) {
                throw new IllegalArgumentException("invalid product id: " + id);
            }
        }
        products = List.copyOf(products);
        if (linger == null || linger.isNegative()) {
            throw new IllegalArgumentException("linger must be zero or more, was " + linger);
        }
        if (batchBytes < 1024) {
            throw new IllegalArgumentException("batchBytes must be at least 1024, was " + batchBytes);
        }
        if (compression == null || !COMPRESSIONS.contains(compression)) {
            throw new IllegalArgumentException("compression must be one of " + COMPRESSIONS + ", was " + compression);
        }
        if (bufferBudgetBytes < MIN_BUFFER_BUDGET) {
            throw new IllegalArgumentException("bufferBudgetBytes must be at least " + MIN_BUFFER_BUDGET + ", was "
                    + bufferBudgetBytes);
        }
        requirePositive("deliveryTimeout", deliveryTimeout);
        if (deliveryTimeout.compareTo(linger.plusMillis(1)) <= 0) {
            throw new IllegalArgumentException("deliveryTimeout " + deliveryTimeout + " must exceed linger " + linger);
        }
        requirePositive("maxBlock", maxBlock);
        if (durability == null) {
            durability = TopicDurability.BROKER_DEFAULTS;
        }
        ProtectedKafkaProperties.refuseFixed(kafka.producer().keySet(), FIXED_PRODUCER_PROPERTIES,
                "the raw-topic producer");
        if (priceScale < 0 || priceScale > 18 || sizeScale < 0 || sizeScale > 18) {
            throw new IllegalArgumentException("scales must be within 0..18, were " + priceScale + "/" + sizeScale);
        }
    }

    /** The defaults: DESIGN.md topic names, latency-friendly batching, lz4, 256 MiB budget. */
    public static PublisherConfig of(final String bootstrapServers, final List<String> products) {
        return of(KafkaClientConfig.of(bootstrapServers), products);
    }

    /** The defaults, on a cluster reached with these client properties. */
    public static PublisherConfig of(final KafkaClientConfig kafka, final List<String> products) {
        return new PublisherConfig(kafka, Topics.RAW_DEFAULT, Topics.DLQ_DEFAULT, products,
                LINGER_DEFAULT, BATCH_BYTES_DEFAULT, COMPRESSION_DEFAULT, BUFFER_BUDGET_DEFAULT,
                DELIVERY_TIMEOUT_DEFAULT, MAX_BLOCK_DEFAULT, ProductRegistry.DEFAULT_SCALE,
                ProductRegistry.DEFAULT_SCALE, TopicDurability.BROKER_DEFAULTS);
    }

    public PublisherConfig withTopics(final String raw, final String dlq) {
        return new PublisherConfig(kafka, raw, dlq, products, linger, batchBytes, compression,
                bufferBudgetBytes, deliveryTimeout, maxBlock, priceScale, sizeScale, durability);
    }

    public PublisherConfig withBatching(final Duration lingerTime, final int batchSize) {
        return new PublisherConfig(kafka, rawTopic, dlqTopic, products, lingerTime, batchSize,
                compression, bufferBudgetBytes, deliveryTimeout, maxBlock, priceScale, sizeScale, durability);
    }

    public PublisherConfig withCompression(final String type) {
        return new PublisherConfig(kafka, rawTopic, dlqTopic, products, linger, batchBytes, type,
                bufferBudgetBytes, deliveryTimeout, maxBlock, priceScale, sizeScale, durability);
    }

    public PublisherConfig withBufferBudgetBytes(final long bytes) {
        return new PublisherConfig(kafka, rawTopic, dlqTopic, products, linger, batchBytes, compression,
                bytes, deliveryTimeout, maxBlock, priceScale, sizeScale, durability);
    }

    public PublisherConfig withTimeouts(final Duration delivery, final Duration block) {
        return new PublisherConfig(kafka, rawTopic, dlqTopic, products, linger, batchBytes, compression,
                bufferBudgetBytes, delivery, block, priceScale, sizeScale, durability);
    }

    public PublisherConfig withScales(final int price, final int size) {
        return new PublisherConfig(kafka, rawTopic, dlqTopic, products, linger, batchBytes, compression,
                bufferBudgetBytes, deliveryTimeout, maxBlock, price, size, durability);
    }

    /**
     * The producer properties: the operator's (security, tuning), then these: idempotent, {@code acks=all}, ordered per partition, the product placement, sizes
     * for 16 MiB records, and a producer buffer a little above the budget so that the ingestor's own accounting,
     * not a blocked {@code send}, is what reacts first.
     */
    public Map<String, Object> producerProperties(final String clientId) {
        final Map<String, Object> p = new HashMap<>(kafka.producer());
        // An operator's client.id (quotas, monitoring) wins.
        p.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // Idempotence keeps order with up to 5 requests in flight per connection.
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
        p.put(ProducerConfig.LINGER_MS_CONFIG, (int) linger.toMillis());
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, batchBytes);
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Limits.DEAD_LETTER_MAX_RECORD_BYTES);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, bufferBudgetBytes + 2L * Limits.DEAD_LETTER_MAX_RECORD_BYTES);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) deliveryTimeout.toMillis());
        // Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms.
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                (int) Math.max(1, Math.min(30_000, deliveryTimeout.toMillis() - linger.toMillis())));
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, maxBlock.toMillis());
        p.put(ProducerConfig.PARTITIONER_CLASS_CONFIG, ProductPartitioner.class.getName());
        p.put(ProductPartitioner.PRODUCTS_CONFIG, String.join(",", products));
        return p;
    }

    public PublisherConfig withDurability(final TopicDurability topics) {
        return new PublisherConfig(kafka, rawTopic, dlqTopic, products, linger, batchBytes, compression,
                bufferBudgetBytes, deliveryTimeout, maxBlock, priceScale, sizeScale, topics);
    }

    /** The Kafka bootstrap servers. */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** The products, closed (no other product is accepted), at the configured scales; index = placement order. */
    public ProductRegistry registry() {
        return ProductRegistry.closed(products, priceScale, sizeScale, Map.of());
    }

    /**
     * A decoder for the frames this configuration publishes: its products, its scales, records up to
     * {@link Limits#MAX_RECORD_BYTES}. Each frame source decodes once with its own and hands the decoded frame to the
     * publisher. Not thread-safe: one per thread.
     */
    public CoinbaseDecoder newDecoder() {
        return new CoinbaseDecoder(registry(), Limits.MAX_RECORD_BYTES);
    }

    private static void requireTopic(final String name, final String topic) {
        if (topic == null || topic.isBlank() || !topic.matches("[a-zA-Z0-9._-]{1,249}")) {
            throw new IllegalArgumentException(name + " is not a valid topic name: " + topic);
        }
    }

    private static void requirePositive(final String name, final Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
