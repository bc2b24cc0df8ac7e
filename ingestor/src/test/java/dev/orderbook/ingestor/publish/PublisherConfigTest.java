package dev.orderbook.ingestor.publish;

import dev.orderbook.contract.KafkaClientConfig;
import dev.orderbook.contract.Limits;
import dev.orderbook.contract.ProductPartitioner;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PublisherConfigTest {
    private static final PublisherConfig CONFIG = PublisherConfig.of("127.0.0.1:9092", List.of("BTC-USD", "ETH-USD"));

    @Test
    void shouldBuildAnIdempotentOrderedProducerPlacedByProduct() {
        final Map<String, Object> p = CONFIG.producerProperties("test");
        assertThat(p).containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.PARTITIONER_CLASS_CONFIG, ProductPartitioner.class.getName())
                .containsEntry(ProductPartitioner.PRODUCTS_CONFIG, "BTC-USD,ETH-USD")
                .containsEntry(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Limits.DEAD_LETTER_MAX_RECORD_BYTES);
        assertThat((int) p.get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG) + (int) p.get(ProducerConfig.LINGER_MS_CONFIG))
                .as("Kafka requires delivery.timeout.ms >= linger.ms + request.timeout.ms")
                .isLessThanOrEqualTo((int) p.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG));
    }

    @ParameterizedTest
    @ValueSource(strings = {"enable.idempotence", "acks", "partitioner.class", "key.serializer",
        "orderbook.partition.products"})
    void shouldRefuseOverridesThatWouldBreakOrderOrPlacement(final String key) {
        assertThatThrownBy(() -> PublisherConfig.of(KafkaClientConfig.of("b:9092", Map.of(key, "x")),
                List.of("BTC-USD"))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(key);
    }

    @Test
    void shouldPassSecurityAndTuningThroughButKeepWhatTheGuaranteesNeed() {
        final PublisherConfig config = PublisherConfig.of(KafkaClientConfig.of("b:9092", Map.of(
                "security.protocol", "SASL_SSL", "retries", "20", "session.timeout.ms", "9000")),
                List.of("BTC-USD"));
        assertThat(config.producerProperties("test")).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all").containsEntry("retries", "20")
                .doesNotContainKey("session.timeout.ms");
    }

    @Test
    void shouldRefuseProducerPropertiesThatAreOptionsOfTheIngestor() {
        assertThatThrownBy(() -> PublisherConfig.of(KafkaClientConfig.of("b:9092", Map.of("producer.linger.ms", "9")),
                List.of("BTC-USD"))).hasMessageContaining("linger.ms").hasMessageContaining("--linger-ms");
    }

    @Test
    void shouldRefuseADeliveryTimeoutNotAboveTheLinger() {
        assertThatThrownBy(() -> CONFIG.withBatching(Duration.ofSeconds(5), 1024)
                .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deliveryTimeout");
    }
}
