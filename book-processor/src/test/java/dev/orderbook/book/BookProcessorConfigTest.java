package dev.orderbook.book;

import dev.orderbook.book.engine.CrossedPolicy;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BookProcessorConfigTest {
    @Test
    void shouldDefaultToExactlyOnceAndTheDesignTopicNames() {
        final BookProcessorConfig config = BookProcessorConfig.fromEnv(Map.of(
                BookProcessorConfig.BOOTSTRAP_SERVERS_ENV, "kafka:9092"));

        assertThat(config.guarantee()).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(config.rawTopic()).isEqualTo("coinbase.l2.raw");
        assertThat(config.summariesTopic()).isEqualTo("orderbook.summaries");
        assertThat(config.alertsTopic()).isEqualTo("orderbook.alerts");
        assertThat(config.dlqTopic()).isEqualTo("orderbook.dlq");
        assertThat(config.crossedPolicy()).isEqualTo(CrossedPolicy.FLAG);
        assertThat(config.alertThresholds().bpsE4For("BTC-USD")).isEqualTo(100_000L);
    }

    @Test
    void shouldReadEveryOptionFromTheEnvironment() {
        final BookProcessorConfig config = BookProcessorConfig.fromEnv(Map.ofEntries(
                Map.entry(BookProcessorConfig.BOOTSTRAP_SERVERS_ENV, "a:1,b:2"),
                Map.entry(BookProcessorConfig.APPLICATION_ID_ENV, "books-eu"),
                Map.entry(BookProcessorConfig.STATE_DIR_ENV, "/var/lib/books"),
                Map.entry(BookProcessorConfig.GUARANTEE_ENV, "AT_LEAST_ONCE"),
                Map.entry(BookProcessorConfig.STANDBY_REPLICAS_ENV, "1"),
                Map.entry(BookProcessorConfig.THREADS_ENV, "2"),
                Map.entry(BookProcessorConfig.ALERT_BPS_ENV, "5"),
                Map.entry(BookProcessorConfig.ALERT_BPS_FOR_ENV, "ETH-USD=2.5, SOL-USD=40"),
                Map.entry(BookProcessorConfig.CROSSED_POLICY_ENV, "trim"),
                Map.entry(BookProcessorConfig.PRODUCTS_ENV, "BTC-USD,ETH-USD"),
                Map.entry(BookProcessorConfig.STORE_LAYOUT_ENV, "rocksdb-cached"),
                Map.entry(BookProcessorConfig.STREAMS_OVERRIDES_ENV, "num.stream.threads=3")));

        assertThat(config.guarantee()).isEqualTo(StreamsConfig.AT_LEAST_ONCE);
        assertThat(config.stateDir()).isEqualTo(Path.of("/var/lib/books"));
        assertThat(config.alertThresholds().bpsE4For("ETH-USD")).isEqualTo(25_000L);
        assertThat(config.alertThresholds().bpsE4For("BTC-USD")).isEqualTo(50_000L);
        assertThat(config.crossedPolicy()).isEqualTo(CrossedPolicy.TRIM);
        assertThat(config.products()).containsExactly("BTC-USD", "ETH-USD");
        assertThat(config.storeLayout()).isEqualTo(BookProcessorConfig.StoreLayout.ROCKSDB_CACHED);
        final Properties props = config.toStreamsProperties("h:1");
        assertThat(props.get(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG)).isEqualTo(1);
        // Operator overrides win over our values.
        assertThat(props.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG)).isEqualTo("3");
        assertThat(props.get(StreamsConfig.APPLICATION_SERVER_CONFIG)).isEqualTo("h:1");
    }

    @Test
    void shouldFetchA16MiBMessageFromTheRawTopic() {
        final Properties props = BookProcessorConfig.fromEnv(Map.of(BookProcessorConfig.BOOTSTRAP_SERVERS_ENV,
                "k:1")).toStreamsProperties("h:1");

        assertThat((Integer) props.get(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG)))
                .isGreaterThanOrEqualTo(16 * 1024 * 1024);
        assertThat((Integer) props.get(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_BYTES_CONFIG)))
                .isGreaterThanOrEqualTo(16 * 1024 * 1024);
    }

    @Test
    void shouldRejectInvalidValuesAtStartup() {
        assertThatThrownBy(() -> BookProcessorConfig.fromEnv(Map.of())).hasMessageContaining("bootstrap");
        assertThatThrownBy(() -> BookProcessorConfig.fromEnv(Map.of(BookProcessorConfig.BOOTSTRAP_SERVERS_ENV, "k:1",
                BookProcessorConfig.GUARANTEE_ENV, "exactly_once"))).hasMessageContaining("guarantee");
        assertThatThrownBy(() -> BookProcessorConfig.fromEnv(Map.of(BookProcessorConfig.BOOTSTRAP_SERVERS_ENV, "k:1",
                BookProcessorConfig.THREADS_ENV, "0"))).hasMessageContaining("threads");
        assertThatThrownBy(() -> BookProcessorConfig.fromEnv(Map.of(BookProcessorConfig.BOOTSTRAP_SERVERS_ENV, "k:1",
                BookProcessorConfig.PRODUCTS_ENV, "btc usd"))).hasMessageContaining("invalid product id");
        assertThatThrownBy(() -> BookProcessorConfig.fromEnv(Map.of(BookProcessorConfig.BOOTSTRAP_SERVERS_ENV, "k:1",
                BookProcessorConfig.SUMMARIES_TOPIC_ENV, "coinbase.l2.raw"))).hasMessageContaining("must differ");
        assertThatThrownBy(() -> BookProcessorConfig.fromEnv(Map.of(BookProcessorConfig.BOOTSTRAP_SERVERS_ENV, "k:1",
                BookProcessorConfig.CROSSED_POLICY_ENV, "ignore"))).hasMessageContaining("flag");
        assertThatThrownBy(() -> BookProcessorConfig.builder().build()).isInstanceOf(IllegalArgumentException.class);
        assertThat(List.of(BookProcessorConfig.StoreLayout.values())).hasSize(5);
    }
}
