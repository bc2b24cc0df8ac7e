package dev.orderbook.book;

import dev.orderbook.contract.ProductPartitioner;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/** Test producer (as the ingestor writes the raw topic) and read_committed consumer helpers. */
public final class KafkaIo {
    private KafkaIo() {
    }

    /** Writes the records with the ingestor's placement (ProductPartitioner over {@code products}). */
    public static void produce(final String bootstrap, final String topic, final List<String> products,
                               final List<RawFeed.Raw> records) {
        final Map<String, Object> props = new LinkedHashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.PARTITIONER_CLASS_CONFIG, ProductPartitioner.class.getName());
        props.put(ProductPartitioner.PRODUCTS_CONFIG, String.join(",", products));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 17 * 1024 * 1024);
        final AtomicReference<Exception> failure = new AtomicReference<>();
        final Callback check = (metadata, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        };
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (final RawFeed.Raw r : records) {
                // The partitioner insists on keys; an unkeyed record goes to partition 0.
                producer.send(new ProducerRecord<>(topic, r.key() == null ? Integer.valueOf(0) : null, null, r.key(),
                        r.value(), r.headers()), check);
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("test producer failed: " + failure.get(), failure.get());
        }
    }

    /** Reads every committed record of a topic from the start until {@code count} arrived or the timeout. */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(final String bootstrap, final String topic,
                                                                      final int count, final Duration timeout) {
        final Map<String, Object> props = new LinkedHashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        final List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    /** Values per key (product), in offset order. */
    public static Map<String, List<String>> byProduct(final List<ConsumerRecord<byte[], byte[]>> records) {
        final Map<String, List<String>> out = new LinkedHashMap<>();
        for (final ConsumerRecord<byte[], byte[]> r : records) {
            out.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(new String(r.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    /** Summary lines per product_id, in order. */
    public static Map<String, List<String>> byProductId(final List<String> summaries) {
        return summaries.stream().collect(Collectors.groupingBy(KafkaIo::productId, LinkedHashMap::new,
                Collectors.toList()));
    }

    static String productId(final String summary) {
        final int at = summary.indexOf("\"product_id\":\"") + 14;
        return summary.substring(at, summary.indexOf('"', at));
    }
}
