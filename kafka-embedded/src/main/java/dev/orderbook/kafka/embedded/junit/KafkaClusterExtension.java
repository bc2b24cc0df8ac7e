package dev.orderbook.kafka.embedded.junit;

import dev.orderbook.kafka.embedded.KafkaCluster;
import dev.orderbook.kafka.embedded.KafkaClusters;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * JUnit 5 extension that gives integration tests a running {@link KafkaCluster}: one per test JVM, chosen by
 * {@link KafkaClusters#fromEnvironment(Map)} (an embedded KRaft broker unless the environment says otherwise),
 * started lazily on first use and closed when the JUnit engine finishes.
 *
 * <pre>{@code
 * @ExtendWith(KafkaClusterExtension.class)
 * class BookTopologyIT {
 *     @Test
 *     void shouldPublishSpread(final KafkaCluster kafka) {
 *         final String input = KafkaClusterExtension.createTopic(kafka, "l2-updates", 3);
 *         ...
 *     }
 * }
 * }</pre>
 *
 * <p>Parameters of type {@link KafkaCluster} are resolved in constructors, test methods and lifecycle methods
 * ({@code @BeforeAll} included). Test classes share the cluster, so each should create its own topics with
 * {@link #createTopic(KafkaCluster, String, int)}, whose names never collide.
 *
 * <p>Lifecycle and threading: the cluster lives in the root {@link ExtensionContext.Store}, which JUnit closes
 * after the last test; starting it is thread-safe (parallel test classes wait for the one start). The static
 * helpers are thread-safe.
 */
public final class KafkaClusterExtension implements ParameterResolver {

    private static final Logger log = LoggerFactory.getLogger(KafkaClusterExtension.class);

    private static final ExtensionContext.Namespace NAMESPACE =
        ExtensionContext.Namespace.create(KafkaClusterExtension.class);

    /** Kafka's legal topic characters; the longest legal name is 249 characters. */
    private static final Pattern LEGAL_TOPIC_PREFIX = Pattern.compile("[a-zA-Z0-9._-]{1,200}");
    private static final AtomicLong TOPIC_SEQUENCE = new AtomicLong();
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final long LEADER_POLL_INTERVAL_MS = 20;

    @Override
    public boolean supportsParameter(final ParameterContext parameterContext, final ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaCluster.class;
    }

    @Override
    public Object resolveParameter(final ParameterContext parameterContext, final ExtensionContext extensionContext) {
        return cluster(extensionContext);
    }

    /**
     * Returns the test JVM's cluster, starting it on first call.
     *
     * @param context any extension context of the current test run
     * @return the running cluster, never null; do not close it, JUnit does
     */
    public static KafkaCluster cluster(final ExtensionContext context) {
        return context.getRoot()
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(SharedCluster.class, key -> SharedCluster.start(), SharedCluster.class)
            .cluster();
    }

    /**
     * Creates a topic with a unique name and the cluster's default replication factor, and waits until every
     * partition has a leader.
     *
     * @param cluster the cluster; may not be null
     * @param prefix start of the name: letters, digits, {@code .}, {@code _}, {@code -}
     * @param partitions number of partitions, at least 1
     * @return the topic's name, {@code prefix-SEQ-RANDOM}
     */
    public static String createTopic(final KafkaCluster cluster, final String prefix, final int partitions) {
        return createTopic(cluster, prefix, partitions, Map.of());
    }

    /**
     * Creates a topic with a unique name and the given topic configuration (such as
     * {@code cleanup.policy=compact}), and waits until every partition has a leader.
     *
     * @param cluster the cluster; may not be null
     * @param prefix start of the name: letters, digits, {@code .}, {@code _}, {@code -}
     * @param partitions number of partitions, at least 1
     * @param topicConfigs topic-level configuration; may be empty, not null
     * @return the topic's name, {@code prefix-SEQ-RANDOM}
     * @throws IllegalStateException if Kafka refuses or does not answer within 30 s, or if interrupted (the
     *     interrupt flag is restored)
     */
    public static String createTopic(
        final KafkaCluster cluster,
        final String prefix,
        final int partitions,
        final Map<String, String> topicConfigs
    ) {
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be at least 1, was " + partitions);
        }
        final String topic = uniqueTopicName(prefix);
        final NewTopic newTopic = new NewTopic(topic, Optional.of(partitions), Optional.empty()).configs(topicConfigs);
        try (Admin admin = Admin.create(Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, cluster.bootstrapServers(),
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis()))) {
            admin.createTopics(List.of(newTopic)).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            awaitLeaders(admin, topic);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating topic " + topic, e);
        } catch (final ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not create topic " + topic + " on " + cluster.bootstrapServers(), e);
        }
        log.debug("Created topic. topic=[{}] partitions=[{}] configs=[{}]", topic, partitions, topicConfigs);
        return topic;
    }

    /**
     * Returns a topic name that no other call in this JVM returns, and that is unlikely to exist on a shared
     * external cluster: {@code prefix-SEQ-RANDOM}.
     *
     * @param prefix start of the name: 1 to 200 letters, digits, {@code .}, {@code _}, {@code -}
     * @return the name, never null
     * @throws IllegalArgumentException if the prefix is not a legal topic name start
     */
    public static String uniqueTopicName(final String prefix) {
        if (prefix == null || !LEGAL_TOPIC_PREFIX.matcher(prefix).matches()) {
            throw new IllegalArgumentException("Topic prefix must be 1 to 200 of [a-zA-Z0-9._-], was '" + prefix + "'");
        }
        final int random = ThreadLocalRandom.current().nextInt() & Integer.MAX_VALUE;
        return prefix + "-" + TOPIC_SEQUENCE.incrementAndGet() + "-" + Integer.toString(random, 36);
    }

    /** The topic's description, or null while the broker does not know the topic yet. */
    private static TopicDescription describeOrNull(final Admin admin, final String topic)
        throws InterruptedException, ExecutionException, TimeoutException {
        try {
            return admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .get(topic);
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return null;
            }
            throw e;
        }
    }

    /**
     * Metadata may reach the broker a moment after CreateTopics returns: until then DescribeTopics answers
     * UnknownTopicOrPartition, or partitions have no leader yet. Both mean "not yet", polled until the deadline.
     */
    private static void awaitLeaders(final Admin admin, final String topic)
        throws InterruptedException, ExecutionException, TimeoutException {
        final long deadlineNs = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            final TopicDescription description = describeOrNull(admin, topic);
            if (description != null && description.partitions().stream().map(TopicPartitionInfo::leader)
                .allMatch(leader -> leader != null && !leader.isEmpty())) {
                return;
            }
            if (System.nanoTime() > deadlineNs) {
                throw new TimeoutException("Topic " + topic + " has partitions without a leader after "
                    + ADMIN_TIMEOUT);
            }
            Thread.sleep(LEADER_POLL_INTERVAL_MS);
        }
    }

    /**
     * The store value: closes the cluster when JUnit closes the root store. It implements both the JUnit 5.13+
     * {@link AutoCloseable} contract and the older {@code CloseableResource} one, so it is closed whatever
     * {@code junit.jupiter.extensions.store.close.autocloseable.enabled} says; closing twice is harmless.
     */
    @SuppressWarnings("deprecation")
    private static final class SharedCluster implements AutoCloseable, ExtensionContext.Store.CloseableResource {
        private final KafkaCluster cluster;

        private SharedCluster(final KafkaCluster cluster) {
            this.cluster = cluster;
        }

        static SharedCluster start() {
            return new SharedCluster(KafkaClusters.fromEnvironment(System.getenv()));
        }

        KafkaCluster cluster() {
            return cluster;
        }

        @Override
        public void close() {
            log.info("Closing the tests' Kafka cluster. kind=[{}] bootstrap=[{}]", cluster.kind(),
                cluster.bootstrapServers());
            cluster.close();
        }
    }
}
