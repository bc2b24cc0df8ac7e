package dev.orderbook.kafka.embedded;

import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

import java.util.Locale;
import java.util.Map;

/**
 * A single-node Kafka container ({@code apache/kafka} image) started by Testcontainers on a local Docker engine,
 * with the same single-node broker defaults as {@link EmbeddedKafkaBroker#SINGLE_NODE_DEFAULTS}.
 *
 * <p>This is the only class that refers to Testcontainers, an optional dependency: it is loaded only when
 * {@link KafkaClusters} has checked that Testcontainers is on the classpath.
 *
 * <p>Lifecycle and threading: running when {@link #start(String)} returns; {@link #close()} stops and removes
 * the container, is idempotent and thread-safe.
 */
final class TestcontainersKafkaCluster implements KafkaCluster {

    private final KafkaContainer container;
    private final String bootstrapServers;

    /** Guarded by {@code this}. */
    private boolean closed;

    private TestcontainersKafkaCluster(final KafkaContainer container) {
        this.container = container;
        this.bootstrapServers = container.getBootstrapServers();
    }

    /**
     * Starts a Kafka container and waits until it accepts clients.
     *
     * @param image an {@code apache/kafka} compatible image, such as {@code apache/kafka:4.3.1}
     * @return the running cluster
     */
    static KafkaCluster start(final String image) {
        final KafkaContainer container =
            new KafkaContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"));
        for (final Map.Entry<String, String> entry : EmbeddedKafkaBroker.SINGLE_NODE_DEFAULTS.entrySet()) {
            container.withEnv(environmentName(entry.getKey()), entry.getValue());
        }
        container.start();
        return new TestcontainersKafkaCluster(container);
    }

    /** The apache/kafka image maps {@code KAFKA_MESSAGE_MAX_BYTES} to {@code message.max.bytes}. */
    static String environmentName(final String brokerProperty) {
        return "KAFKA_" + brokerProperty
            .replace("_", "__")
            .replace("-", "___")
            .replace('.', '_')
            .toUpperCase(Locale.ROOT);
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public Kind kind() {
        return Kind.TESTCONTAINERS;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        container.stop();
    }

    @Override
    public String toString() {
        return "TestcontainersKafkaCluster[image=" + container.getDockerImageName() + ", bootstrap=" + bootstrapServers
            + "]";
    }
}
