package dev.orderbook.contract;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Kafka ACLs each service needs on a cluster with an authorizer, and nothing more: one place for them.
 * docs/security.md shows them (a test keeps it equal to this class), the Strimzi overlay's {@code KafkaUser}s grant
 * them (a test compares), and the secured integration tests run each service with exactly these.
 *
 * <p>Why each: a service creates the topics it owns when they are missing ({@code CREATE}), checks them before it
 * starts ({@code DESCRIBE}, {@code DESCRIBE_CONFIGS}: partitions, cleanup policy, message size), and writes or reads
 * them. The ingestor's producer is idempotent, which since Kafka 3.2 needs {@code WRITE} on the topic and no cluster
 * permission; it elects its active instance through a consumer group on the control topic. The processor is a Kafka
 * Streams application: its consumer group, its internal topics and its transactional ids (exactly-once) all begin
 * with the application id, hence the prefixed grants.
 */
public final class ServiceAcls {

    /**
     * One grant: operations on one resource (or every resource whose name begins with {@code name}).
     *
     * @param type       topic, group or transactional id
     * @param name       the resource's name, or its prefix
     * @param pattern    {@link PatternType#LITERAL} or {@link PatternType#PREFIXED}
     * @param operations what is allowed
     * @param why        what the service does with it
     */
    public record Grant(ResourceType type, String name, PatternType pattern, Set<AclOperation> operations,
                        String why) {
        public Grant {
            operations = Set.copyOf(operations);
        }

        /** The Kafka ACL bindings of this grant for {@code principal} (for example {@code User:ingestor}). */
        public List<AclBinding> bindings(final String principal) {
            return operations.stream().sorted().map(op -> new AclBinding(new ResourcePattern(type, name, pattern),
                    new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW))).toList();
        }

        /** The operations' names as {@code kafka-acls} spells them ({@code DescribeConfigs}), sorted. */
        public List<String> operationNames() {
            return operations.stream().sorted().map(ServiceAcls::camel).toList();
        }

        /** The {@code kafka-acls.sh} command that adds this grant for {@code principal}. */
        public String command(final String principal) {
            final String resource = switch (type) {
                case TOPIC -> "--topic " + name;
                case GROUP -> "--group " + name;
                case TRANSACTIONAL_ID -> "--transactional-id " + name;
                case CLUSTER -> "--cluster";
                default -> throw new IllegalStateException("no kafka-acls flag for " + type);
            };
            return "kafka-acls.sh --bootstrap-server \"$BOOTSTRAP\" --command-config admin.properties --add "
                    + "--allow-principal " + principal + " "
                    + operationNames().stream().map(op -> "--operation " + op).collect(Collectors.joining(" "))
                    + " " + resource + (pattern == PatternType.PREFIXED ? " --resource-pattern-type prefixed" : "");
        }
    }

    private static final Set<AclOperation> CREATE_AND_CHECK = Set.of(AclOperation.CREATE, AclOperation.DESCRIBE,
            AclOperation.DESCRIBE_CONFIGS);

    private ServiceAcls() {
    }

    /** The ingestor ({@code ./orderbook ingest}). */
    public static List<Grant> ingestor(final String rawTopic, final String dlqTopic, final String controlTopic,
                                       final String groupId) {
        return List.of(
                topic(rawTopic, with(CREATE_AND_CHECK, AclOperation.WRITE),
                        "creates the raw topic when missing, checks it, publishes every record to it"),
                topic(dlqTopic, with(CREATE_AND_CHECK, AclOperation.WRITE),
                        "creates the dead-letter topic when missing, checks it, writes frames it cannot publish"),
                topic(controlTopic, with(CREATE_AND_CHECK, AclOperation.READ),
                        "creates the control topic when missing; reads the processor's snapshot requests and "
                                + "elects the active ingestor through its one partition"),
                new Grant(ResourceType.GROUP, groupId, PatternType.LITERAL, Set.of(AclOperation.READ),
                        "the ingestors' group: election, lease (offset commits)"));
    }

    /** {@code ./orderbook publish}: a recorded file to the raw topic, as the ingestor writes it. */
    public static List<Grant> publish(final String rawTopic, final String dlqTopic) {
        return List.of(
                topic(rawTopic, with(CREATE_AND_CHECK, AclOperation.WRITE),
                        "creates the raw topic when missing, checks it, publishes every record to it"),
                topic(dlqTopic, with(CREATE_AND_CHECK, AclOperation.WRITE),
                        "creates the dead-letter topic when missing, checks it, writes lines it cannot publish"));
    }

    /** The book processor ({@code ./orderbook process}), a Kafka Streams application. */
    public static List<Grant> processor(final String rawTopic, final String summariesTopic, final String alertsTopic,
                                        final String dlqTopic, final String controlTopic,
                                        final String applicationId) {
        return List.of(
                topic(rawTopic, Set.of(AclOperation.READ, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS),
                        "checks the raw topic and reads it"),
                topic(summariesTopic, with(CREATE_AND_CHECK, AclOperation.WRITE),
                        "creates the summaries topic when missing, writes summaries"),
                topic(alertsTopic, with(CREATE_AND_CHECK, AclOperation.WRITE),
                        "creates the alerts topic when missing, writes spread alerts"),
                topic(dlqTopic, with(CREATE_AND_CHECK, AclOperation.WRITE),
                        "creates the dead-letter topic when missing, writes dead letters"),
                topic(controlTopic, with(CREATE_AND_CHECK, AclOperation.WRITE),
                        "creates the control topic when missing, asks the ingestor for snapshots"),
                new Grant(ResourceType.TOPIC, applicationId + "-", PatternType.PREFIXED,
                        Set.of(AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS,
                                AclOperation.READ, AclOperation.WRITE, AclOperation.DELETE),
                        "Kafka Streams' internal topics (the books' changelogs): creates, restores, writes them"),
                new Grant(ResourceType.GROUP, applicationId, PatternType.LITERAL,
                        Set.of(AclOperation.READ, AclOperation.DESCRIBE),
                        "Kafka Streams' consumer group (the application id): assignment, offsets"),
                new Grant(ResourceType.TRANSACTIONAL_ID, applicationId + "-", PatternType.PREFIXED,
                        Set.of(AclOperation.WRITE, AclOperation.DESCRIBE),
                        "exactly-once: the producers' transactional ids begin with the application id"));
    }

    /** Every binding of {@code grants} for {@code principal}. */
    public static List<AclBinding> bindings(final List<Grant> grants, final String principal) {
        final List<AclBinding> out = new ArrayList<>();
        grants.forEach(g -> out.addAll(g.bindings(principal)));
        return out;
    }

    private static Grant topic(final String name, final Set<AclOperation> operations, final String why) {
        return new Grant(ResourceType.TOPIC, name, PatternType.LITERAL, operations, why);
    }

    private static Set<AclOperation> with(final Set<AclOperation> base, final AclOperation more) {
        final Set<AclOperation> out = new LinkedHashSet<>(base);
        out.add(more);
        return out;
    }

    /** {@code DESCRIBE_CONFIGS} -> {@code DescribeConfigs}. */
    static String camel(final AclOperation operation) {
        final StringBuilder out = new StringBuilder();
        for (final String part : operation.name().split("_")) {
            out.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
        }
        return out.toString();
    }
}
