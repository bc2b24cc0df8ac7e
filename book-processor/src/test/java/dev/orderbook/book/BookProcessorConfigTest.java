package dev.orderbook.book;

import dev.orderbook.book.engine.AlertThresholds;
import dev.orderbook.book.engine.CrossedPolicy;
import dev.orderbook.contract.KafkaClientConfig;
import dev.orderbook.contract.TopicDurability;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BookProcessorConfigTest {
    @Test
    void shouldDefaultToExactlyOnceAndTheDesignTopicNames() {
        final BookProcessorConfig config = with(b -> { });

        assertThat(config.guarantee()).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(config.rawTopic()).isEqualTo("coinbase.l2.raw");
        assertThat(config.summariesTopic()).isEqualTo("orderbook.summaries");
        assertThat(config.alertsTopic()).isEqualTo("orderbook.alerts");
        assertThat(config.dlqTopic()).isEqualTo("orderbook.dlq");
        assertThat(config.crossedPolicy()).isEqualTo(CrossedPolicy.FLAG);
        assertThat(config.alertThresholds().bpsE4For("BTC-USD")).isEqualTo(100_000L);
        assertThat(config.durability()).isEqualTo(TopicDurability.BROKER_DEFAULTS);
    }

    @Test
    void shouldLetTheOperatorsKafkaPropertiesTuneButNotWhatTheOptionsFix() {
        final BookProcessorConfig config = with(b -> {
            b.kafka = KafkaClientConfig.of("a:1,b:2", Map.of("security.protocol", "SASL_SSL",
                    "producer.linger.ms", "20", "consumer.session.timeout.ms", "9000"));
            b.standbyReplicas = 1;
            b.alertThresholds = AlertThresholds.of("5", Map.of("ETH-USD", "2.5"));
        });

        final Properties props = config.toStreamsProperties("h:1");
        assertThat(props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)).isEqualTo("a:1,b:2");
        assertThat(props.get("security.protocol")).isEqualTo("SASL_SSL");
        // The operator's tuning wins over ours; the options' values over both.
        assertThat(props.get(StreamsConfig.producerPrefix("linger.ms"))).isEqualTo("20");
        assertThat(props.get(StreamsConfig.consumerPrefix("session.timeout.ms"))).isEqualTo("9000");
        assertThat(props.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(1);
        assertThat(props.get(StreamsConfig.APPLICATION_SERVER_CONFIG)).isEqualTo("h:1");
        assertThat(config.alertThresholds().bpsE4For("ETH-USD")).isEqualTo(25_000L);
    }

    @Test
    void shouldLetAPlainOperatorPropertyReplaceOurPrefixedTuning() {
        final Properties props = with(b -> b.kafka = KafkaClientConfig.of("k:1", Map.of("compression.type", "zstd",
                "max.partition.fetch.bytes", "33554432"))).toStreamsProperties("h:1");

        assertThat(props.get("compression.type")).isEqualTo("zstd");
        assertThat(props).doesNotContainKeys(StreamsConfig.producerPrefix("compression.type"),
                StreamsConfig.consumerPrefix("max.partition.fetch.bytes"));
        assertThat(props.get(StreamsConfig.producerPrefix("linger.ms"))).isEqualTo(5);
        final StreamsConfig streams = new StreamsConfig(props);
        assertThat(streams.getProducerConfigs("c").get("compression.type")).isEqualTo("zstd");
        assertThat(streams.getMainConsumerConfigs("g", "c", 0).get("max.partition.fetch.bytes"))
                .isEqualTo("33554432");
    }

    @Test
    void shouldCreateInternalTopicsWithTheConfiguredDurability() {
        final Properties props = with(b -> b.durability = TopicDurability.PRODUCTION).toStreamsProperties("h:1");

        assertThat(props.get(StreamsConfig.REPLICATION_FACTOR_CONFIG)).isEqualTo(3);
        assertThat(props.get(StreamsConfig.topicPrefix("min.insync.replicas"))).isEqualTo("2");
    }

    @Test
    void shouldRefuseKafkaPropertiesThatAreOptionsOfTheProcessor() {
        assertThatThrownBy(() -> with(b -> b.kafka = KafkaClientConfig.of("k:1",
                Map.of("num.stream.threads", "3")))).hasMessageContaining("--threads");
        assertThatThrownBy(() -> with(b -> b.kafka = KafkaClientConfig.of("k:1",
                Map.of("replication.factor", "3")))).hasMessageContaining("--replication-factor");
    }

    @Test
    void shouldFetchA16MiBMessageFromTheRawTopic() {
        final Properties props = with(b -> { }).toStreamsProperties("h:1");

        assertThat((Integer) props.get(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG)))
                .isGreaterThanOrEqualTo(16 * 1024 * 1024);
        assertThat((Integer) props.get(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG)))
                .isGreaterThanOrEqualTo(16 * 1024 * 1024);
    }

    @Test
    void shouldRejectInvalidValuesAtStartup() {
        assertThatThrownBy(() -> with(b -> b.guarantee = "exactly_once")).hasMessageContaining("guarantee");
        assertThatThrownBy(() -> with(b -> b.threads = 0)).hasMessageContaining("threads");
        assertThatThrownBy(() -> with(b -> b.products = List.of("btc usd"))).hasMessageContaining("invalid product id");
        assertThatThrownBy(() -> with(b -> b.summariesTopic = "coinbase.l2.raw")).hasMessageContaining("must differ");
        assertThatThrownBy(() -> BookProcessorConfig.builder().build()).isInstanceOf(IllegalArgumentException.class);
        assertThat(List.of(BookProcessorConfig.StoreLayout.values())).hasSize(6);
    }

    private static BookProcessorConfig with(final Consumer<BookProcessorConfig.Builder> change) {
        final BookProcessorConfig.Builder b = BookProcessorConfig.builder();
        b.bootstrapServers = "kafka:9092";
        change.accept(b);
        return b.build();
    }
}
