package dev.orderbook.kafka.embedded.junit;

import dev.orderbook.kafka.embedded.KafkaCluster;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(KafkaClusterExtension.class)
class KafkaClusterExtensionIT {

    private static KafkaCluster fromBeforeAll;

    private final KafkaCluster fromConstructor;

    KafkaClusterExtensionIT(final KafkaCluster cluster) {
        this.fromConstructor = cluster;
    }

    @BeforeAll
    static void rememberCluster(final KafkaCluster cluster) {
        fromBeforeAll = cluster;
    }

    @Test
    void shouldInjectOneRunningClusterIntoConstructorLifecycleAndTestMethods(final KafkaCluster cluster) {
        assertThat(cluster).isSameAs(fromConstructor).isSameAs(fromBeforeAll);
        assertThat(cluster.bootstrapServers()).isNotBlank();
    }

    @Test
    void shouldCreateUniquelyNamedTopicsWithRequestedPartitionsAndConfigs(final KafkaCluster cluster)
        throws Exception {
        final String spreads = KafkaClusterExtension.createTopic(cluster, "spreads", 3);
        final String books =
            KafkaClusterExtension.createTopic(cluster, "spreads", 1, Map.of("cleanup.policy", "compact"));

        assertThat(spreads).isNotEqualTo(books).startsWith("spreads-");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            cluster.bootstrapServers()))) {
            final Map<String, TopicDescription> topics =
                admin.describeTopics(List.of(spreads, books)).allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(topics.get(spreads).partitions()).hasSize(3);
            final ConfigResource booksResource = new ConfigResource(ConfigResource.Type.TOPIC, books);
            final Config config = admin.describeConfigs(List.of(booksResource)).all().get(30, TimeUnit.SECONDS)
                .get(booksResource);
            assertThat(config.get("cleanup.policy").value()).isEqualTo("compact");
        }
    }

    @Test
    void shouldReturnOnlyWhenEveryPartitionHasALeaderEvenBackToBack(final KafkaCluster cluster) throws Exception {
        // Right after CreateTopics the broker may not know the topic yet; createTopic must wait, not fail.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
            cluster.bootstrapServers()))) {
            for (int i = 0; i < 25; i++) {
                final String topic = KafkaClusterExtension.createTopic(cluster, "burst", 2);
                final TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get(topic);
                assertThat(description.partitions()).hasSize(2)
                    .allSatisfy(p -> assertThat(p.leader()).isNotNull());
            }
        }
    }

    @Test
    void shouldRoundTripRecordOnCreatedTopic(final KafkaCluster cluster) throws Exception {
        final String topic = KafkaClusterExtension.createTopic(cluster, "round-trip", 1);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
            Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers()),
            new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "BTC-USD", "hello")).get(30, TimeUnit.SECONDS);
        }

        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG, KafkaClusterExtension.uniqueTopicName("group"),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            final List<String> values = pollValues(consumer, Duration.ofSeconds(30));

            assertThat(values).containsExactly("hello");
        }
    }

    private static List<String> pollValues(final KafkaConsumer<String, String> consumer, final Duration timeout) {
        final List<String> values = new ArrayList<>();
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        while (values.isEmpty() && System.nanoTime() < deadlineNs) {
            consumer.poll(Duration.ofMillis(200)).forEach(record -> values.add(record.value()));
        }
        return values;
    }
}
