package dev.orderbook.contract;

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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Sets up the topics a service needs before it starts, the same way for every service: creates the missing ones as
 * their {@link TopicSpec} says, checks the existing ones against what the contract depends on, and waits until every
 * partition has a leader (a producer that starts on a topic created a moment ago would otherwise have its first
 * batches refused and retried). Existing topics are never altered: a topic that does not fit is refused, with the
 * command that fixes it.
 *
 * <p>Checks on an existing topic: one the service writes must allow records of its spec's {@code max.message.bytes}
 * (a raw topic too small for a 5 MB snapshot would refuse it forever); one it only reads, that another service owns,
 * is not held to its writer's limit (the writer checks it, and a consumer reads any record the topic took). The raw
 * topic must not be compacted (compaction would keep one message per product and destroy the record).
 */
public final class TopicSetup {
    private static final Logger log = LoggerFactory.getLogger(TopicSetup.class);
    private static final long LEADER_POLL_MS = 50;

    /** Why a service cannot start; the message says what to do. */
    public static final class SetupException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        SetupException(final String message, final Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * One topic a service needs.
     *
     * @param spec          what kind of topic it is
     * @param name          its name (the spec's default unless configured)
     * @param partitions    partitions if it is created
     * @param durability    replication and {@code min.insync.replicas} if it is created
     * @param retention     retention if it is created; null for the spec's
     * @param create        false for a topic that another service owns: it must exist, it is never created
     * @param minPartitions an existing topic with fewer partitions is refused (the raw topic: one per product
     *                      listed); 0 for no minimum
     */
    public record Request(TopicSpec spec, String name, int partitions, TopicDurability durability,
                          Duration retention, boolean create, int minPartitions) {
        public Request {
            if (spec == null || name == null || name.isBlank()) {
                throw new IllegalArgumentException("spec and name are required");
            }
            if (create && partitions < 1) {
                throw new IllegalArgumentException("partitions of " + name + " must be at least 1, was " + partitions);
            }
            if (durability == null) {
                durability = TopicDurability.BROKER_DEFAULTS;
            }
            if (minPartitions < 0 || (create && partitions < minPartitions)) {
                throw new IllegalArgumentException(name + " needs at least " + minPartitions + " partitions (one per "
                        + "product), " + partitions + " were asked for");
            }
        }

        /** A topic this service creates when missing. */
        public static Request create(final TopicSpec spec, final String name, final int partitions,
                                     final TopicDurability durability, final Duration retention) {
            return new Request(spec, name, partitions, durability, retention, true, 0);
        }

        /** A topic another service owns: checked, never created. */
        public static Request existing(final TopicSpec spec, final String name) {
            return new Request(spec, name, 0, TopicDurability.BROKER_DEFAULTS, null, false, 0);
        }

        /** The same topic, refused when it exists with fewer than {@code min} partitions. */
        public Request withMinPartitions(final int min) {
            return new Request(spec, name, partitions, durability, retention, create, min);
        }
    }

    /**
     * What the topics look like once set up.
     *
     * @param partitions partition count per topic name
     * @param created    the names of the topics created now
     */
    public record Result(Map<String, Integer> partitions, Set<String> created) {
        public int partitionsOf(final String topic) {
            final Integer n = partitions.get(topic);
            if (n == null) {
                throw new IllegalArgumentException("not set up here: " + topic);
            }
            return n;
        }
    }

    private TopicSetup() {
    }

    /**
     * The admin client properties for setup: the service's Kafka client properties (security settings included),
     * with timeouts no longer than {@code timeout}.
     */
    public static Map<String, Object> adminProperties(final Map<String, ?> clientProperties, final Duration timeout) {
        final Map<String, Object> props = new HashMap<>(clientProperties);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeout.toMillis(), 30_000));
        return props;
    }

    /**
     * Sets up the topics, in order: checks or creates each, then waits for every partition's leader.
     *
     * @param adminProperties for the admin client (see {@link #adminProperties}); must name the bootstrap servers
     * @param timeout         how long to wait for the broker before giving up
     * @throws SetupException with a clear message when the broker cannot be reached in time, a topic another
     *                        service owns is missing, or an existing topic does not fit the contract
     */
    public static Result ensure(final Map<String, Object> adminProperties, final List<Request> topics,
                               final Duration timeout) {
        final String bootstrap = String.valueOf(adminProperties.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
        String step = "list topics";
        try (Admin admin = Admin.create(adminProperties)) {
            final Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            final Map<String, Integer> partitions = new LinkedHashMap<>();
            final Set<String> created = new LinkedHashSet<>();
            for (final Request topic : topics) {
                if (!existing.contains(topic.name())) {
                    if (!topic.create()) {
                        throw new SetupException((topic.spec() == TopicSpec.RAW ? "the raw topic '" : "the topic '")
                                + topic.name() + "' does not exist on " + bootstrap
                                + " (or this principal may not DESCRIBE it, see docs/security.md): "
                                + ownerHint(topic.spec()), null);
                    }
                    step = "create topic " + topic.name();
                    if (create(admin, topic, timeout)) {
                        created.add(topic.name());
                    }
                }
            }
            for (final Request topic : topics) {
                step = "describe topic " + topic.name();
                final int count = awaitLeaders(admin, topic.name(), timeout);
                partitions.put(topic.name(), count);
                if (!created.contains(topic.name())) {
                    if (count < topic.minPartitions()) {
                        throw new SetupException("Topic " + topic.name() + " has " + count + " partitions, fewer "
                                + "than the " + topic.minPartitions() + " products listed (each product has a "
                                + "partition of its own); add partitions with "
                                + fixCommand("kafka-topics.sh", bootstrap) + " --alter --topic " + topic.name() + " --partitions " + topic.minPartitions()
                                + ", or list fewer products", null);
                    }
                    step = "describe the configuration of topic " + topic.name();
                    check(admin, topic, bootstrap, timeout);
                }
            }
            return new Result(Map.copyOf(partitions), Set.copyOf(created));
        } catch (final TimeoutException e) {
            throw unreachable(bootstrap, timeout, e);
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unreachable(bootstrap, timeout, e.getCause());
            }
            final java.util.Optional<String> refused = KafkaAccessErrors.explain(e.getCause(), bootstrap, step);
            if (refused.isPresent()) {
                throw new SetupException(refused.get(), e.getCause());
            }
            throw new SetupException("setting up topics on Kafka at " + bootstrap + " failed: " + e.getCause(),
                    e.getCause());
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SetupException("interrupted while setting up topics", e);
        }
    }

    private static String ownerHint(final TopicSpec spec) {
        return spec == TopicSpec.RAW
                ? "start the ingestor (or ./orderbook publish) first, which creates it, or pass --raw-topic"
                : "start the service that creates it first, or create it with kafka-topics.sh --create";
    }

    private static SetupException unreachable(final String bootstrap, final Duration timeout, final Throwable cause) {
        return new SetupException("cannot reach Kafka at " + bootstrap + " within " + timeout.toMillis()
                + " ms: is the broker running and the address right (--bootstrap)?", cause);
    }

    private static boolean create(final Admin admin, final Request topic, final Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        final Duration retention = topic.retention() != null ? topic.retention() : topic.spec().retention();
        final Map<String, String> configs = new TreeMap<>(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
                TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()),
                TopicConfig.MAX_MESSAGE_BYTES_CONFIG, Integer.toString(topic.spec().maxMessageBytes())));
        configs.putAll(topic.durability().topicConfigs());
        final int replication = topic.durability().replicationFactor();
        final NewTopic newTopic = new NewTopic(topic.name(), Optional.of(topic.partitions()),
                replication > 0 ? Optional.of((short) replication) : Optional.empty())
                .configs(configs);
        try {
            admin.createTopics(List.of(newTopic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            log.info("Created topic. topic=[{}] partitions=[{}] configs=[{}]", topic.name(), topic.partitions(),
                    configs);
            return true;
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return false;
            }
            throw e;
        }
    }

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
            Thread.sleep(LEADER_POLL_MS);
        }
    }

    /**
     * The start of a command that fixes a topic: run as a principal allowed to alter it ({@code admin.properties},
     * docs/security.md), not as the service.
     */
    private static String fixCommand(final String tool, final String bootstrap) {
        return tool + " --bootstrap-server " + bootstrap + " --command-config admin.properties";
    }

    private static void check(final Admin admin, final Request topic, final String bootstrap,
                              final Duration timeout)
            throws InterruptedException, ExecutionException, TimeoutException {
        final ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic.name());
        final Config config = admin.describeConfigs(List.of(resource)).all()
                .get(timeout.toMillis(), TimeUnit.MILLISECONDS).get(resource);
        final ConfigEntry cleanup = config.get(TopicConfig.CLEANUP_POLICY_CONFIG);
        if (topic.spec() == TopicSpec.RAW && cleanup != null
                && cleanup.value().contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
            throw new SetupException("Raw topic " + topic.name() + " has cleanup.policy=" + cleanup.value()
                    + ": compaction would keep one message per product and destroy the record; fix it with "
                    + fixCommand("kafka-configs.sh", bootstrap) + " --alter --entity-type topics --entity-name "
                    + topic.name() + " --add-config cleanup.policy=delete", null);
        }
        if (!topic.create()) {
            return;
        }
        final ConfigEntry maxBytes = config.get(TopicConfig.MAX_MESSAGE_BYTES_CONFIG);
        final int needed = topic.spec().maxMessageBytes();
        if (maxBytes != null && Long.parseLong(maxBytes.value()) < needed) {
            throw new SetupException("Topic " + topic.name() + " has max.message.bytes=" + maxBytes.value()
                    + ", below the " + needed + " its records may need" + (topic.spec() == TopicSpec.RAW
                    ? " (a 5 MB snapshot)" : "") + "; raise it with " + fixCommand("kafka-configs.sh", bootstrap)
                    + " --alter --entity-type topics --entity-name " + topic.name() + " --add-config max.message.bytes="
                    + needed, null);
        }
    }
}
