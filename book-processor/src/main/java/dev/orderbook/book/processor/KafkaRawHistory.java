package dev.orderbook.book.processor;

import dev.orderbook.contract.Limits;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.processor.api.Record;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link RawHistory} from Kafka: a consumer of its own (assigned the one partition, positioned at the first offset
 * wanted), {@code read_committed}, with the service's Kafka client properties, closed after each read. The committed
 * offsets are the application's group's, read by a consumer that names the group without joining it (it only asks;
 * {@code read_committed} makes the broker answer only once no transaction holds an offset in doubt).
 */
public final class KafkaRawHistory implements RawHistory {
    private final Map<String, Object> consumerProperties;
    private final Map<String, Object> groupProperties;
    private final Duration timeout;

    /**
     * @param clientProperties the service's consumer properties (bootstrap, security)
     * @param applicationId    the Kafka Streams application id: the group whose committed offsets count
     * @param timeout          how long a read may wait for the broker before it fails
     */
    public KafkaRawHistory(final Map<String, Object> clientProperties, final String applicationId,
                           final Duration timeout) {
        final Map<String, Object> p = new HashMap<>(clientProperties);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Limits.FETCH_BYTES);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Math.max(Limits.FETCH_BYTES, 52_428_800));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "orderbook-processor-raw-history");
        this.consumerProperties = Map.copyOf(p);
        final Map<String, Object> g = new HashMap<>(p);
        g.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        g.put(ConsumerConfig.GROUP_ID_CONFIG, applicationId);
        g.put(ConsumerConfig.CLIENT_ID_CONFIG, p.get(ConsumerConfig.CLIENT_ID_CONFIG) + "-commits");
        this.groupProperties = Map.copyOf(g);
        this.timeout = timeout;
    }

    @Override
    public long committedOffset(final String topic, final int partition) {
        final TopicPartition tp = new TopicPartition(topic, partition);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(groupProperties)) {
            final OffsetAndMetadata committed = consumer.committed(Set.of(tp), timeout).get(tp);
            return committed == null ? -1 : committed.offset();
        } catch (final org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException("could not read the committed offset of " + tp + " within "
                    + timeout.toMillis() + " ms", e);
        }
    }

    @Override
    public void read(final String topic, final int partition, final long fromOffset, final long toOffset,
                     final Handler handler) {
        if (toOffset < fromOffset) {
            return;
        }
        final TopicPartition tp = new TopicPartition(topic, partition);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProperties)) {
            consumer.assign(List.of(tp));
            consumer.seek(tp, fromOffset);
            final long deadline = System.nanoTime() + timeout.toNanos();
            long next = fromOffset;
            while (next <= toOffset) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("reading " + tp + " from " + fromOffset + " to " + toOffset
                            + " took longer than " + timeout.toMillis() + " ms; stopped at " + next);
                }
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.offset() > toOffset) {
                        return;
                    }
                    handler.record(new Record<>(r.key(), r.value(), r.timestamp(), r.headers()), r.offset());
                    next = r.offset() + 1;
                }
                // The position also moves past offsets without records (retention, transaction markers).
                next = Math.max(next, consumer.position(tp));
            }
        }
    }
}
