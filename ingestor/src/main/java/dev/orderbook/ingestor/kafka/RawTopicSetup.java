package dev.orderbook.ingestor.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the raw and dead-letter topics when they are missing, and checks an existing raw topic against what the
 * raw contract needs. Settings of a created topic (documented in docs/ingestor.md):
 * <ul>
 *   <li>{@code cleanup.policy=delete}, {@code retention.ms} as given (7 days by default): the raw topic is the system
 *       of record for backtesting, retained by time and never compacted (compaction would keep one message per
 *       product);</li>
 *   <li>{@code max.message.bytes} = {@link PublisherConfig#MAX_RECORD_BYTES}, so a 5 MB snapshot travels whole;</li>
 *   <li>partitions: one per configured product by default (placement by {@code ProductPartitioner});
 *       replication: the broker's default.</li>
 * </ul>
 */
public final class RawTopicSetup {
    /** Seven days. */
    public static final Duration RETENTION_DEFAULT = Duration.ofDays(7);

    private static final Logger log = LoggerFactory.getLogger(RawTopicSetup.class);

    /** What the topics look like once set up. */
    public record Result(boolean rawCreated, boolean dlqCreated, int rawPartitions) {
    }

    private RawTopicSetup() {
    }

    /**
     * Ensures both topics exist.
     *
     * @param partitions partitions of a created raw topic (the DLQ gets the same); 0 for one per product
     * @param timeout    how long to wait for the broker before giving up
     * @throws IllegalStateException with a clear message when the broker cannot be reached in time, or the existing
     *                               raw topic is compacted or too small for a 5 MB snapshot
     */
    public static Result ensure(final PublisherConfig config, final int partitions, final Duration retention,
                                final Duration timeout) {
        final int toCreate = partitions > 0 ? partitions : config.products().size();
        final Map<String, Object> props = new HashMap<>();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        props.putAll(config.producerOverrides());
        try (Admin admin = Admin.create(props)) {
            final boolean rawCreated = createIfMissing(admin, config.rawTopic(), toCreate, retention, timeout);
            final boolean dlqCreated = createIfMissing(admin, config.dlqTopic(), toCreate, retention, timeout);
            final int rawPartitions = awaitLeaders(admin, config.rawTopic(), timeout);
            awaitLeaders(admin, config.dlqTopic(), timeout);
            checkRawTopic(admin, config.rawTopic(), timeout);
            return new Result(rawCreated, dlqCreated, rawPartitions);
        } catch (final TimeoutException e) {
            throw new IllegalStateException("Kafka at " + config.bootstrapServers() + " did not answer within "
                    + timeout.toSeconds() + " s; is it running and reachable?", e);
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw new IllegalStateException("Kafka at " + config.bootstrapServers() + " did not answer within "
                        + timeout.toSeconds() + " s; is it running and reachable?", e.getCause());
            }
            throw new IllegalStateException("Setting up topics on Kafka at " + config.bootstrapServers()
                    + " failed: " + e.getCause(), e.getCause());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while setting up topics", e);
        }
    }

    /**
     * Waits until every partition of the topic has a leader: a producer that starts writing to a topic created a
     * moment ago can otherwise have its first batches refused ({@code NOT_LEADER_OR_FOLLOWER}) and retried.
     *
     * @return the partition count
     */
    private static int awaitLeaders(final Admin admin, final String topic, final Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                final TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames()
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(topic);
                if (description.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    return description.partitions().size();
                }
            } catch (final ExecutionException e) {
                // Right after creation the broker that answers may not know the topic yet.
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("partitions of " + topic + " still without a leader");
            }
            Thread.sleep(50);
        }
    }

    private static boolean createIfMissing(final Admin admin, final String topic, final int partitions,
                                           final Duration retention, final Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS).contains(topic)) {
            return false;
        }
        final NewTopic newTopic = new NewTopic(topic, Optional.of(partitions), Optional.empty()).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(PublisherConfig.MAX_RECORD_BYTES)));
        try {
            admin.createTopics(List.of(newTopic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            log.info("Created topic. topic=[{}] partitions=[{}] retentionMs=[{}] maxMessageBytes=[{}]", topic,
                    partitions, retention.toMillis(), PublisherConfig.MAX_RECORD_BYTES);
            return true;
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw e;
        }
    }

    private static void checkRawTopic(final Admin admin, final String topic, final Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        final ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        final Config config = admin.describeConfigs(List.of(resource)).all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(resource);
        final ConfigEntry cleanup = config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        if (cleanup != null && cleanup.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
            throw new IllegalStateException("Raw topic " + topic + " has cleanup.policy=" + cleanup.value()
                    + ": compaction would keep one message per product and destroy the record; use delete");
        }
        final ConfigEntry maxBytes = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        if (maxBytes != null && Long.parseLong(maxBytes.value()) < PublisherConfig.MAX_RECORD_BYTES) {
            // A BTC-USD snapshot would be refused again and again: its book could never become live.
            throw new IllegalStateException("Raw topic " + topic + " has max.message.bytes=" + maxBytes.value()
                    + ", below the " + PublisherConfig.MAX_RECORD_BYTES + " a 5 MB snapshot needs; raise it with "
                    + "kafka-configs.sh --alter --entity-type topics --entity-name " + topic
                    + " --add-config max.message.bytes=" + PublisherConfig.MAX_RECORD_BYTES);
        }
    }
}
