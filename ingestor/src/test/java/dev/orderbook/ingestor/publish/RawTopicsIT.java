package dev.orderbook.ingestor.publish;

import dev.orderbook.contract.KafkaClientConfig;
import dev.orderbook.contract.TopicDurability;
import dev.orderbook.contract.TopicSetup;
import dev.orderbook.kafka.embedded.KafkaCluster;
import dev.orderbook.kafka.embedded.junit.KafkaClusterExtension;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The raw topic the ingestor and {@code publish} write, on a real broker: created as the contract says, and an
 * existing one that cannot hold the contract refused before anything is published, with the command that fixes it.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(60)
class RawTopicsIT {
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD", "SOL-USD");
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void shouldCreateOnePartitionPerProductWithTheConfiguredMinInsyncReplicas(final KafkaCluster kafka)
            throws Exception {
        final PublisherConfig config = config(kafka, KafkaClusterExtension.uniqueTopicName("raw"))
                .withDurability(new TopicDurability(1, 1));

        final TopicSetup.Result result = RawTopics.ensure(config, 0, Duration.ofDays(7), TIMEOUT);

        assertThat(result.partitionsOf(config.rawTopic())).isEqualTo(PRODUCTS.size());
        assertThat(topicConfig(kafka, config.rawTopic()).get("min.insync.replicas").value()).isEqualTo("1");
        assertThat(topicConfig(kafka, config.dlqTopic()).get("min.insync.replicas").value()).isEqualTo("1");
    }

    @Test
    void shouldRefuseAnExistingRawTopicWithFewerPartitionsThanProductsSayingHowToAddThem(final KafkaCluster kafka) {
        final String raw = KafkaClusterExtension.createTopic(kafka, "raw", 2);

        assertThatThrownBy(() -> RawTopics.ensure(config(kafka, raw), 0, Duration.ofDays(7), TIMEOUT))
                .isInstanceOf(TopicSetup.SetupException.class)
                .hasMessageContaining("has 2 partitions, fewer than the 3 products")
                .hasMessageContaining("kafka-topics.sh --bootstrap-server " + kafka.bootstrapServers()
                        + " --command-config admin.properties --alter --topic " + raw + " --partitions 3");
    }

    @Test
    void shouldRefuseACompactedRawTopicSayingHowToFixIt(final KafkaCluster kafka) {
        final String raw = KafkaClusterExtension.createTopic(kafka, "raw", 3, Map.of("cleanup.policy", "compact"));

        assertThatThrownBy(() -> RawTopics.ensure(config(kafka, raw), 0, Duration.ofDays(7), TIMEOUT))
                .isInstanceOf(TopicSetup.SetupException.class)
                .hasMessageContaining("cleanup.policy=compact")
                .hasMessageContaining("kafka-configs.sh --bootstrap-server " + kafka.bootstrapServers()
                        + " --command-config admin.properties --alter --entity-type topics --entity-name " + raw
                        + " --add-config cleanup.policy=delete");
    }

    @Test
    void shouldRefuseARawTopicTooSmallForASnapshotSayingHowToRaiseIt(final KafkaCluster kafka) {
        final String raw = KafkaClusterExtension.createTopic(kafka, "raw", 3, Map.of("max.message.bytes", "1048576"));

        assertThatThrownBy(() -> RawTopics.ensure(config(kafka, raw), 0, Duration.ofDays(7), TIMEOUT))
                .isInstanceOf(TopicSetup.SetupException.class)
                .hasMessageContaining("max.message.bytes=1048576").hasMessageContaining("a 5 MB snapshot")
                .hasMessageContaining("kafka-configs.sh --bootstrap-server " + kafka.bootstrapServers()
                        + " --command-config admin.properties --alter --entity-type topics --entity-name " + raw
                        + " --add-config max.message.bytes=16842752");
    }

    @Test
    void shouldRefuseToCreateFewerPartitionsThanProducts(final KafkaCluster kafka) {
        final PublisherConfig config = config(kafka, KafkaClusterExtension.uniqueTopicName("raw"));

        assertThatThrownBy(() -> RawTopics.ensure(config, 2, Duration.ofDays(7), TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--partitions 2 is fewer than");
    }

    private static PublisherConfig config(final KafkaCluster kafka, final String raw) {
        return PublisherConfig.of(KafkaClientConfig.of(kafka.bootstrapServers()), PRODUCTS)
                .withTopics(raw, KafkaClusterExtension.uniqueTopicName("dlq"));
    }

    private static Config topicConfig(final KafkaCluster kafka, final String topic) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                kafka.bootstrapServers()))) {
            final ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            return admin.describeConfigs(List.of(resource)).all().get().get(resource);
        }
    }
}
