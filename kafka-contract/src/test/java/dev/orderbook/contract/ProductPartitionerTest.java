package dev.orderbook.contract;

import org.apache.kafka.common.Cluster;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class ProductPartitionerTest {
    private static final List<String> FOUR = List.of("BTC-USD", "BTC-EUR", "ETH-USD", "ETH-EUR");

    @Test
    void shouldPlaceListedProductsOnePerPartitionInListOrder() {
        for (int i = 0; i < FOUR.size(); i++) {
            assertThat(ProductPartitioner.partition(FOUR, FOUR.get(i), 4)).isEqualTo(i);
        }
    }

    @Test
    void shouldWrapAroundWhenThereAreMoreProductsThanPartitions() {
        assertThat(FOUR.stream().map(p -> ProductPartitioner.partition(FOUR, p, 2)))
                .containsExactly(0, 1, 0, 1);
    }

    @Test
    void shouldFallBackToKafkasDefaultKeyHashForUnlistedProducts() {
        final int expected = Utils.toPositive(Utils.murmur2("SOL-USD".getBytes(StandardCharsets.UTF_8))) % 6;
        assertThat(ProductPartitioner.partition(FOUR, "SOL-USD", 6)).isEqualTo(expected);
    }

    @Test
    void shouldTakeItsPlacementOrderFromProducerConfig() {
        final ProductPartitioner partitioner = new ProductPartitioner();
        partitioner.configure(Map.of(ProductPartitioner.PRODUCTS_CONFIG, "ETH-EUR, ETH-USD,BTC-EUR,BTC-USD"));
        final Cluster cluster = cluster("raw", 4);
        assertThat(partitioner.partition("raw", "BTC-USD", bytes("BTC-USD"), null, null, cluster)).isEqualTo(3);
        assertThat(partitioner.partition("raw", "ETH-EUR", bytes("ETH-EUR"), null, null, cluster)).isEqualTo(0);
        assertThat(partitioner.partition("raw", "ETH-USD", bytes("ETH-USD"), null, null, cluster)).isEqualTo(1);
    }

    @Test
    void shouldSpreadUnkeyedRecordsRoundRobin() {
        final ProductPartitioner partitioner = new ProductPartitioner();
        partitioner.configure(Map.of(ProductPartitioner.PRODUCTS_CONFIG, "BTC-USD"));
        final Cluster cluster = cluster("dlq", 3);
        assertThat(List.of(partitioner.partition("dlq", null, null, null, null, cluster),
                partitioner.partition("dlq", null, null, null, null, cluster),
                partitioner.partition("dlq", null, null, null, null, cluster))).containsExactly(0, 1, 2);
    }

    private static byte[] bytes(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Cluster cluster(final String topic, final int partitions) {
        final Node node = new Node(0, "localhost", 9092);
        final List<PartitionInfo> infos = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            infos.add(new PartitionInfo(topic, p, node, new Node[]{node},
                    new Node[]{node}));
        }
        return new Cluster("c", List.of(node), infos, Set.of(), Set.of());
    }
}
