package dev.orderbook.book.processor;

import dev.orderbook.contract.ProductPartitioner;
import org.apache.kafka.streams.processor.StreamPartitioner;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The raw topic's product placement ({@link ProductPartitioner}) for Kafka Streams: output records and interactive
 * queries find a product on the same partition number as its raw records. Keys are product ids as {@code String} or
 * UTF-8 {@code byte[]}; a record without a key goes to Kafka's default choice. Immutable and thread-safe.
 */
public final class ProductStreamPartitioner implements StreamPartitioner<Object, Object> {
    private final List<String> placementOrder;
    /** Partition per product id and partition count; placement is computed once per pair. */
    private final Map<String, Integer> cache = new ConcurrentHashMap<>();

    /** @param placementOrder the products, in the order the ingestor's {@code --products} lists them */
    public ProductStreamPartitioner(final List<String> placementOrder) {
        this.placementOrder = List.copyOf(placementOrder);
    }

    @Override
    public Optional<Set<Integer>> partitions(final String topic, final Object key, final Object value,
                                             final int numPartitions) {
        final String id;
        if (key instanceof String s) {
            id = s;
        } else if (key instanceof byte[] b) {
            id = new String(b, StandardCharsets.UTF_8);
        } else {
            return Optional.empty();
        }
        return Optional.of(Set.of(partition(id, numPartitions)));
    }

    /** The partition of a product among {@code numPartitions}. */
    public int partition(final String productId, final int numPartitions) {
        return cache.computeIfAbsent(numPartitions + "/" + productId,
                k -> ProductPartitioner.partition(placementOrder, productId, numPartitions));
    }
}
