package dev.orderbook.contract;

import org.apache.kafka.clients.producer.Partitioner;
import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.utils.Utils;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Deliberate product-to-partition placement (shared/DESIGN.md): the products listed in
 * {@link #PRODUCTS_CONFIG}, in that order, go to partitions 0, 1, 2, ... (wrapping around), so that N products on N
 * partitions land one per partition instead of wherever their key hashes fall (with the default hashing, four
 * products on four partitions often leave one or two partitions idle). A product not in the list falls back to
 * Kafka's default murmur2 key hash, so an unlisted product still has one stable partition. Unkeyed records (dead
 * letters that name no product) go round-robin.
 *
 * <p>Every producer of a topic must use the same list, or one product's records would be split over two partitions
 * and lose their order: the ingestor and {@code publish} both take it from their {@code --products}.
 */
public final class ProductPartitioner implements Partitioner {
    /** Producer config: the product ids, comma-separated, in placement order. */
    public static final String PRODUCTS_CONFIG = "orderbook.partition.products";

    private final AtomicInteger unkeyed = new AtomicInteger();
    private Map<String, Integer> order = Map.of();

    /** The partition of {@code productId} among {@code numPartitions}, given the placement order. */
    public static int partition(final List<String> placementOrder, final String productId, final int numPartitions) {
        return partition(index(placementOrder), productId, numPartitions);
    }

    private static int partition(final Map<String, Integer> order, final String productId, final int numPartitions) {
        if (numPartitions <= 0) {
            throw new IllegalArgumentException("numPartitions must be positive, was " + numPartitions);
        }
        final Integer index = order.get(productId);
        if (index != null) {
            return index % numPartitions;
        }
        return Utils.toPositive(Utils.murmur2(productId.getBytes(StandardCharsets.UTF_8))) % numPartitions;
    }

    private static Map<String, Integer> index(final List<String> placementOrder) {
        final Map<String, Integer> order = new HashMap<>();
        for (final String id : placementOrder) {
            if (!id.isBlank()) {
                order.putIfAbsent(id.trim(), order.size());
            }
        }
        return Map.copyOf(order);
    }

    @Override
    public void configure(final Map<String, ?> configs) {
        final Object products = configs.get(PRODUCTS_CONFIG);
        if (products instanceof String && !((String) products).isBlank()) {
            order = index(List.of(((String) products).split(",")));
        } else if (products instanceof List) {
            order = index(((List<?>) products).stream().map(String::valueOf).toList());
        }
    }

    @Override
    public int partition(final String topic, final Object key, final byte[] keyBytes, final Object value,
                         final byte[] valueBytes, final Cluster cluster) {
        final int partitions = cluster.partitionsForTopic(topic).size();
        if (keyBytes == null) {
            // Unkeyed (a dead letter that names no product): no order to keep, so spread them round-robin.
            return Utils.toPositive(unkeyed.getAndIncrement()) % partitions;
        }
        return partition(order, key instanceof String ? (String) key
                : new String(keyBytes, StandardCharsets.UTF_8), partitions);
    }

    @Override
    public void close() {
    }
}
