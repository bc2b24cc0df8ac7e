package dev.orderbook.kafka.embedded;

import org.apache.kafka.common.utils.AppInfoParser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Chooses and starts the {@link KafkaCluster} that tests and the demo run against, from the environment:
 * <ol>
 *   <li>{@code ORDERBOOK_KAFKA=embedded|testcontainers|external} forces a kind;</li>
 *   <li>otherwise {@code ORDERBOOK_KAFKA_BOOTSTRAP=host:port[,...]} selects that external cluster;</li>
 *   <li>otherwise Testcontainers' Kafka, if {@code org.testcontainers:testcontainers-kafka} is on the classpath
 *       and a Docker engine answers (see {@link DockerEnvironment}; image {@code ORDERBOOK_KAFKA_IMAGE}, default
 *       {@link #IMAGE_DEFAULT});</li>
 *   <li>otherwise an {@link EmbeddedKafkaBroker}.</li>
 * </ol>
 * Stateless and thread-safe.
 */
public final class KafkaClusters {

    private static final Logger log = LoggerFactory.getLogger(KafkaClusters.class);

    /** Forces the kind of cluster: {@code embedded}, {@code testcontainers} or {@code external}. */
    public static final String KAFKA_ENV = "ORDERBOOK_KAFKA";
    /** Bootstrap address of an external cluster. */
    public static final String BOOTSTRAP_ENV = "ORDERBOOK_KAFKA_BOOTSTRAP";
    /** Docker image for the Testcontainers cluster. */
    public static final String IMAGE_ENV = "ORDERBOOK_KAFKA_IMAGE";
    /** The official Apache Kafka image of the same version as our Kafka jars. */
    public static final String IMAGE_DEFAULT = "apache/kafka:" + AppInfoParser.getVersion();

    static final String TESTCONTAINERS_MARKER_CLASS = "org.testcontainers.kafka.KafkaContainer";

    private KafkaClusters() {
    }

    /**
     * Chooses a cluster as described above and returns it running.
     *
     * @param env the process environment, usually {@code System.getenv()}; may not be null
     * @return a running cluster; close it when done (a no-op for an external one)
     * @throws IllegalArgumentException if {@code ORDERBOOK_KAFKA} has an unknown value, or is {@code external}
     *     without {@code ORDERBOOK_KAFKA_BOOTSTRAP}
     * @throws IllegalStateException if Testcontainers is forced but missing, or a cluster fails to start
     */
    public static KafkaCluster fromEnvironment(final Map<String, String> env) {
        final KafkaCluster.Kind kind =
            select(env, () -> DockerEnvironment.isDockerAvailable(env), isTestcontainersOnClasspath());
        final String image = valueOf(env, IMAGE_ENV);
        final KafkaCluster cluster = switch (kind) {
            case EXTERNAL -> new ExternalKafkaCluster(valueOf(env, BOOTSTRAP_ENV));
            case TESTCONTAINERS -> TestcontainersKafkaCluster.start(image == null ? IMAGE_DEFAULT : image);
            case EMBEDDED -> EmbeddedKafkaBroker.start();
        };
        log.info("Using Kafka cluster. kind=[{}] bootstrap=[{}]", cluster.kind(), cluster.bootstrapServers());
        return cluster;
    }

    /**
     * The selection rule, free of side effects: Docker is probed only if nothing else decides.
     *
     * @param env the process environment
     * @param dockerAvailable probes for a Docker engine; called at most once
     * @param testcontainersOnClasspath whether Testcontainers' Kafka module can be loaded
     * @return the kind of cluster to start
     */
    static KafkaCluster.Kind select(
        final Map<String, String> env,
        final BooleanSupplier dockerAvailable,
        final boolean testcontainersOnClasspath
    ) {
        final String forced = valueOf(env, KAFKA_ENV);
        final String bootstrap = valueOf(env, BOOTSTRAP_ENV);
        if (forced != null) {
            final KafkaCluster.Kind kind = parseKind(forced);
            if (kind == KafkaCluster.Kind.EXTERNAL && bootstrap == null) {
                throw new IllegalArgumentException(KAFKA_ENV + "=external needs " + BOOTSTRAP_ENV + "=host:port");
            }
            if (kind == KafkaCluster.Kind.TESTCONTAINERS && !testcontainersOnClasspath) {
                throw new IllegalStateException(KAFKA_ENV + "=testcontainers needs "
                    + "org.testcontainers:testcontainers-kafka on the classpath");
            }
            return kind;
        }
        if (bootstrap != null) {
            return KafkaCluster.Kind.EXTERNAL;
        }
        if (testcontainersOnClasspath && dockerAvailable.getAsBoolean()) {
            return KafkaCluster.Kind.TESTCONTAINERS;
        }
        return KafkaCluster.Kind.EMBEDDED;
    }

    static boolean isTestcontainersOnClasspath() {
        try {
            Class.forName(TESTCONTAINERS_MARKER_CLASS, false, KafkaClusters.class.getClassLoader());
            return true;
        } catch (final ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static KafkaCluster.Kind parseKind(final String value) {
        for (final KafkaCluster.Kind kind : KafkaCluster.Kind.values()) {
            if (kind.name().equalsIgnoreCase(value)) {
                return kind;
            }
        }
        throw new IllegalArgumentException(KAFKA_ENV + " must be one of embedded, testcontainers, external; was '"
            + value + "'");
    }

    /** Returns the trimmed value, or null if unset or blank. */
    private static String valueOf(final Map<String, String> env, final String name) {
        final String value = env.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }
}
