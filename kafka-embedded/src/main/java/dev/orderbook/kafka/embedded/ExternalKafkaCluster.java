package dev.orderbook.kafka.embedded;

import java.util.Objects;

/**
 * A Kafka cluster run by someone else, known only by its bootstrap address. {@link #close()} does nothing:
 * the cluster is never ours to stop. Immutable and thread-safe.
 */
final class ExternalKafkaCluster implements KafkaCluster {

    private final String bootstrapServers;

    ExternalKafkaCluster(final String bootstrapServers) {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        if (bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers may not be blank");
        }
        this.bootstrapServers = bootstrapServers.trim();
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public Kind kind() {
        return Kind.EXTERNAL;
    }

    @Override
    public void close() {
        // Deliberately empty: an external cluster outlives us.
    }

    @Override
    public String toString() {
        return "ExternalKafkaCluster[bootstrap=" + bootstrapServers + "]";
    }
}
