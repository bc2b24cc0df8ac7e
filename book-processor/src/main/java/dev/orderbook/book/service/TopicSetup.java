package dev.orderbook.book.service;

import dev.orderbook.book.BookProcessorConfig;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Checks the raw topic and creates the output topics when they are missing, before Kafka Streams starts:
 *
 * <table>
 *   <caption>Output topics</caption>
 *   <tr><th>topic</th><th>cleanup</th><th>retention</th><th>max.message.bytes</th></tr>
 *   <tr><td>summaries</td><td>delete</td><td>7 days</td><td>1 MiB</td></tr>
 *   <tr><td>alerts</td><td>delete</td><td>30 days</td><td>1 MiB</td></tr>
 *   <tr><td>dlq</td><td>delete</td><td>30 days</td><td>16 MiB + 192 KiB (a raw message up to 16 MiB)</td></tr>
 * </table>
 *
 * Partitions: the configured number, or as many as the raw topic has (so the product placement of the raw topic
 * carries over). The raw topic is never created here: it belongs to the ingestor. Existing topics are left as they
 * are.
 */
public final class TopicSetup {
    private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);
    public static final long SUMMARIES_RETENTION_MS = TimeUnit.DAYS.toMillis(7);
    public static final long ALERTS_RETENTION_MS = TimeUnit.DAYS.toMillis(30);
    public static final long DLQ_RETENTION_MS = TimeUnit.DAYS.toMillis(30);
    public static final int SUMMARY_MAX_MESSAGE_BYTES = 1024 * 1024;
    public static final int DLQ_MAX_MESSAGE_BYTES = BookProcessorConfig.FETCH_BYTES + 64 * 1024;

    /** Why the processor cannot start; the message says what to do. */
    public static final class SetupException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SetupException(final String message, final Throwable cause) {
            super(message, cause);
        }
    }

    private TopicSetup() {
    }

    /**
     * Checks the raw topic and creates missing output topics.
     *
     * @return the raw topic's partition count
     * @throws SetupException when the broker cannot be reached in time or the raw topic does not exist
     */
    public static int ensure(final BookProcessorConfig config) {
        final Map<String, Object> props = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(config.adminTimeoutMs(), 30_000),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, config.adminTimeoutMs());
        try (Admin admin = Admin.create(props)) {
            final int rawPartitions = rawPartitions(admin, config);
            final int partitions = config.partitions() > 0 ? config.partitions() : rawPartitions;
            final Set<String> existing = admin.listTopics().names().get(config.adminTimeoutMs(), TimeUnit.MILLISECONDS);
            final Map<String, Map<String, String>> wanted = new LinkedHashMap<>();
            wanted.put(config.summariesTopic(), topicConfig(SUMMARIES_RETENTION_MS, SUMMARY_MAX_MESSAGE_BYTES));
            wanted.put(config.alertsTopic(), topicConfig(ALERTS_RETENTION_MS, SUMMARY_MAX_MESSAGE_BYTES));
            wanted.put(config.dlqTopic(), topicConfig(DLQ_RETENTION_MS, DLQ_MAX_MESSAGE_BYTES));
            final List<NewTopic> create = new ArrayList<>();
            wanted.forEach((name, configs) -> {
                if (!existing.contains(name)) {
                    create.add(new NewTopic(name, Optional.of(partitions), config.replicationFactor() > 0
                            ? Optional.of((short) config.replicationFactor()) : Optional.empty()).configs(configs));
                }
            });
            for (final NewTopic topic : create) {
                try {
                    admin.createTopics(List.of(topic)).all().get(config.adminTimeoutMs(), TimeUnit.MILLISECONDS);
                    log.info("Created topic. topic=[{}] partitions=[{}] configs=[{}]", topic.name(), partitions,
                            topic.configs());
                } catch (final ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
            return rawPartitions;
        } catch (final TimeoutException e) {
            throw unreachable(config, e);
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unreachable(config, e.getCause());
            }
            throw new SetupException("topic setup failed on " + config.bootstrapServers() + ": " + e.getCause(),
                    e.getCause());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SetupException("interrupted during topic setup", e);
        }
    }

    private static int rawPartitions(final Admin admin, final BookProcessorConfig config)
            throws ExecutionException, InterruptedException, TimeoutException {
        try {
            final TopicDescription raw = admin.describeTopics(List.of(config.rawTopic())).allTopicNames()
                    .get(config.adminTimeoutMs(), TimeUnit.MILLISECONDS).get(config.rawTopic());
            return raw.partitions().size();
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                throw new SetupException("the raw topic '" + config.rawTopic() + "' does not exist on "
                        + config.bootstrapServers() + ": start the ingestor (or ./orderbook publish) first, which "
                        + "creates it, or pass --raw-topic; the processor never creates it", e.getCause());
            }
            throw e;
        }
    }

    private static SetupException unreachable(final BookProcessorConfig config, final Throwable cause) {
        return new SetupException("cannot reach Kafka at " + config.bootstrapServers() + " within "
                + config.adminTimeoutMs() + " ms: is the broker running and the address right (--bootstrap)?", cause);
    }

    private static Map<String, String> topicConfig(final long retentionMs, final int maxMessageBytes) {
        return Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retentionMs),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(maxMessageBytes));
    }
}
