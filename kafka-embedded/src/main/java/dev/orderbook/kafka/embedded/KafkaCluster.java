package dev.orderbook.kafka.embedded;

/**
 * A running Kafka cluster that clients can connect to: an {@link EmbeddedKafkaBroker} started in this JVM,
 * a Testcontainers' Kafka container, or an external cluster given by its bootstrap address.
 * Obtain one with {@link KafkaClusters#fromEnvironment(java.util.Map)}.
 *
 * <p>Lifecycle: the cluster is running when it is handed out; {@link #close()} stops what this JVM started
 * (broker or container) and is a no-op for an external cluster, which is never ours to stop.
 * {@code close()} is idempotent.
 *
 * <p>Threading: implementations are thread-safe; {@link #bootstrapServers()} may be called from any thread.
 */
public interface KafkaCluster extends AutoCloseable {

    /** Where a cluster comes from. */
    enum Kind {
        /** A single-node KRaft broker started in this JVM from the Kafka jars. */
        EMBEDDED,
        /** A single-node Kafka container started by Testcontainers on a local Docker engine. */
        TESTCONTAINERS,
        /** A cluster someone else runs, named by {@code ORDERBOOK_KAFKA_BOOTSTRAP}; never stopped by us. */
        EXTERNAL
    }

    /**
     * Returns the address for the {@code bootstrap.servers} client setting.
     *
     * @return comma-separated {@code host:port} pairs, never null
     */
    String bootstrapServers();

    /**
     * Returns where this cluster comes from.
     *
     * @return the kind, never null
     */
    Kind kind();

    /** Stops what this JVM started; a no-op for external clusters and on later calls. Never throws checked. */
    @Override
    void close();
}
