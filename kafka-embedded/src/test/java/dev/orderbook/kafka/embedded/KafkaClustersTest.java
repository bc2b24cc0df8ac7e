package dev.orderbook.kafka.embedded;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaClustersTest {

    private static final BooleanSupplier DOCKER = () -> true;
    private static final BooleanSupplier NO_DOCKER = () -> false;
    private static final BooleanSupplier MUST_NOT_PROBE = () -> {
        throw new AssertionError("Docker must not be probed");
    };

    @Test
    void shouldChooseEmbeddedWhenNothingIsConfiguredAndNoDockerEngineAnswers() {
        assertThat(KafkaClusters.select(Map.of(), NO_DOCKER, true)).isEqualTo(KafkaCluster.Kind.EMBEDDED);
    }

    @Test
    void shouldChooseTestcontainersWhenDockerAnswersAndTestcontainersIsOnClasspath() {
        assertThat(KafkaClusters.select(Map.of(), DOCKER, true)).isEqualTo(KafkaCluster.Kind.TESTCONTAINERS);
    }

    @Test
    void shouldChooseEmbeddedWithoutProbingDockerWhenTestcontainersIsMissing() {
        assertThat(KafkaClusters.select(Map.of(), MUST_NOT_PROBE, false)).isEqualTo(KafkaCluster.Kind.EMBEDDED);
    }

    @Test
    void shouldChooseExternalWithoutProbingDockerWhenBootstrapIsSet() {
        final Map<String, String> env = Map.of(KafkaClusters.BOOTSTRAP_ENV, "kafka-1:9092,kafka-2:9092");

        assertThat(KafkaClusters.select(env, MUST_NOT_PROBE, true)).isEqualTo(KafkaCluster.Kind.EXTERNAL);
    }

    @Test
    void shouldIgnoreBlankBootstrap() {
        final Map<String, String> env = Map.of(KafkaClusters.BOOTSTRAP_ENV, "  ");

        assertThat(KafkaClusters.select(env, NO_DOCKER, true)).isEqualTo(KafkaCluster.Kind.EMBEDDED);
    }

    @Test
    void shouldLetForcedEmbeddedWinOverBootstrapAndDocker() {
        final Map<String, String> env = Map.of(
            KafkaClusters.KAFKA_ENV, "embedded",
            KafkaClusters.BOOTSTRAP_ENV, "kafka:9092");

        assertThat(KafkaClusters.select(env, MUST_NOT_PROBE, true)).isEqualTo(KafkaCluster.Kind.EMBEDDED);
    }

    @Test
    void shouldForceTestcontainersWithoutProbingDocker() {
        final Map<String, String> env = Map.of(KafkaClusters.KAFKA_ENV, "testcontainers");

        assertThat(KafkaClusters.select(env, MUST_NOT_PROBE, true)).isEqualTo(KafkaCluster.Kind.TESTCONTAINERS);
    }

    @Test
    void shouldForceExternalWhenBootstrapIsSet() {
        final Map<String, String> env = Map.of(
            KafkaClusters.KAFKA_ENV, "external",
            KafkaClusters.BOOTSTRAP_ENV, "kafka:9092");

        assertThat(KafkaClusters.select(env, MUST_NOT_PROBE, false)).isEqualTo(KafkaCluster.Kind.EXTERNAL);
    }

    @Test
    void shouldAcceptForcedKindInAnyCaseWithSurroundingSpaces() {
        final Map<String, String> env = Map.of(KafkaClusters.KAFKA_ENV, " Embedded ");

        assertThat(KafkaClusters.select(env, MUST_NOT_PROBE, true)).isEqualTo(KafkaCluster.Kind.EMBEDDED);
    }

    @Test
    void shouldRejectForcedExternalWithoutBootstrap() {
        final Map<String, String> env = Map.of(KafkaClusters.KAFKA_ENV, "external");

        assertThatThrownBy(() -> KafkaClusters.select(env, MUST_NOT_PROBE, true))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(KafkaClusters.BOOTSTRAP_ENV);
    }

    @Test
    void shouldRejectForcedTestcontainersWhenTestcontainersIsMissing() {
        final Map<String, String> env = Map.of(KafkaClusters.KAFKA_ENV, "testcontainers");

        assertThatThrownBy(() -> KafkaClusters.select(env, MUST_NOT_PROBE, false))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("testcontainers-kafka");
    }

    @Test
    void shouldRejectUnknownForcedKind() {
        final Map<String, String> env = Map.of(KafkaClusters.KAFKA_ENV, "zookeeper");

        assertThatThrownBy(() -> KafkaClusters.select(env, MUST_NOT_PROBE, true))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("zookeeper")
            .hasMessageContaining("embedded, testcontainers, external");
    }

    @Test
    void shouldProbeDockerAtMostOnce() {
        final AtomicInteger probes = new AtomicInteger();

        KafkaClusters.select(Map.of(), () -> probes.incrementAndGet() > 0, true);

        assertThat(probes).hasValue(1);
    }

    @Test
    void shouldReturnExternalClusterThatIsNeverClosedByUs() {
        final KafkaCluster cluster = KafkaClusters.fromEnvironment(Map.of(
            KafkaClusters.BOOTSTRAP_ENV, " kafka-1:9092 "));

        cluster.close();

        assertThat(cluster.kind()).isEqualTo(KafkaCluster.Kind.EXTERNAL);
        assertThat(cluster.bootstrapServers()).isEqualTo("kafka-1:9092");
    }

    @Test
    void shouldDefaultToApacheKafkaImageOfOurKafkaVersion() {
        assertThat(KafkaClusters.IMAGE_DEFAULT).matches("apache/kafka:4\\.\\d+\\.\\d+.*");
    }

    @Test
    void shouldMapBrokerPropertiesToApacheKafkaImageEnvironment() {
        assertThat(TestcontainersKafkaCluster.environmentName("message.max.bytes"))
            .isEqualTo("KAFKA_MESSAGE_MAX_BYTES");
        assertThat(TestcontainersKafkaCluster.environmentName("transaction.state.log.min.isr"))
            .isEqualTo("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR");
    }
}
