package dev.orderbook.ingestor.service;

import dev.orderbook.contract.Topics;

import java.time.Duration;
import java.util.Map;

/**
 * How ingestors for the same products share the work and hear the processor (the control topic).
 *
 * @param topic               the control topic: its one partition is the leadership token, and it carries the
 *                            processor's snapshot requests
 * @param groupId             the consumer group of the ingestors that cover the same products; one of them publishes
 * @param sessionTimeout      how long the group waits for a silent member before a standby takes over: the
 *                            failover time after a crash is about this plus a connect. Shorter fails over sooner and
 *                            risks a long GC pause deposing a healthy ingestor (the broker's
 *                            {@code group.min.session.timeout.ms}, 6 s by default, is the floor)
 * @param resnapshotInterval  at most one requested resnapshot per product per this interval
 * @param resnapshotsPerSecond at most this many requested resnapshots per second in all
 */
public record ControlOptions(String topic, String groupId, Duration sessionTimeout, Duration resnapshotInterval,
                             int resnapshotsPerSecond) {
    public static final String GROUP_ID_DEFAULT = "orderbook-ingestor";
    /**
     * Consumer properties the leadership consumer sets itself: the Kafka config file may not set them (they would
     * silently win over it).
     */
    public static final Map<String, String> FIXED_CONSUMER_PROPERTIES = Map.of(
            "session.timeout.ms", "it is --session-timeout",
            "heartbeat.interval.ms", "it follows --session-timeout (a sixth of it)",
            "group.protocol", "classic: the lease needs the member's own session timeout",
            "partition.assignment.strategy", "cooperative sticky: a standby joining must not take the control "
                    + "partition from the active ingestor, even for a moment");
    public static final Duration RESNAPSHOT_INTERVAL_DEFAULT = Duration.ofSeconds(5);
    /** Well inside Coinbase's 100 client messages per second: each resnapshot is two messages. */
    public static final int RESNAPSHOTS_PER_SECOND_DEFAULT = 5;

    public ControlOptions {
        if (topic == null || !topic.matches("[A-Za-z0-9._-]{1,249}")) {
            throw new IllegalArgumentException("invalid control topic: " + topic);
        }
        if (groupId == null || groupId.isBlank()) {
            throw new IllegalArgumentException("a group id is required");
        }
        if (sessionTimeout == null || sessionTimeout.toMillis() < 1_000) {
            throw new IllegalArgumentException("session timeout must be at least 1 s, was " + sessionTimeout);
        }
        if (resnapshotInterval == null || resnapshotInterval.isNegative() || resnapshotsPerSecond < 1) {
            throw new IllegalArgumentException("resnapshot limits must be a non-negative interval and >= 1 per second");
        }
    }

    /** The defaults. */
    public static ControlOptions defaults() {
        return new ControlOptions(Topics.CONTROL_DEFAULT, GROUP_ID_DEFAULT, Leadership.SESSION_TIMEOUT_DEFAULT,
                RESNAPSHOT_INTERVAL_DEFAULT, RESNAPSHOTS_PER_SECOND_DEFAULT);
    }

    public ControlOptions withTopic(final String name) {
        return new ControlOptions(name, groupId, sessionTimeout, resnapshotInterval, resnapshotsPerSecond);
    }

    public ControlOptions withGroupId(final String group) {
        return new ControlOptions(topic, group, sessionTimeout, resnapshotInterval, resnapshotsPerSecond);
    }

    public ControlOptions withSessionTimeout(final Duration timeout) {
        return new ControlOptions(topic, groupId, timeout, resnapshotInterval, resnapshotsPerSecond);
    }

    public ControlOptions withResnapshotLimits(final Duration interval, final int perSecond) {
        return new ControlOptions(topic, groupId, sessionTimeout, interval, perSecond);
    }
}
