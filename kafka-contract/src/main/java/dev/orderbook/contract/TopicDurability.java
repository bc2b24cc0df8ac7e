package dev.orderbook.contract;

import org.apache.kafka.common.config.TopicConfig;

import java.util.Map;

/**
 * How durable the topics a service creates are: their replication factor and {@code min.insync.replicas}. With
 * {@code acks=all} (the ingestor) and exactly-once (the processor), a write succeeds only once
 * {@code min.insync.replicas} replicas have it, so a broker can be lost without losing a record. In production:
 * {@link #PRODUCTION}, 3 and 2 (one broker may be down, for maintenance or by failure, and writes go on). A single
 * test broker: {@link #BROKER_DEFAULTS}.
 *
 * @param replicationFactor replicas of each partition; -1 for the broker's {@code default.replication.factor}
 * @param minInsyncReplicas replicas that must have a record before a write succeeds; -1 for the broker's
 *                          {@code min.insync.replicas}; never above the replication factor, and only with one
 */
public record TopicDurability(int replicationFactor, int minInsyncReplicas) {
    /** Whatever the broker's defaults say. */
    public static final TopicDurability BROKER_DEFAULTS = new TopicDurability(-1, -1);
    /** The documented production values: 3 replicas, 2 in sync. */
    public static final TopicDurability PRODUCTION = new TopicDurability(3, 2);

    public TopicDurability {
        if (replicationFactor != -1 && replicationFactor < 1) {
            throw new IllegalArgumentException("--replication-factor must be at least 1 (or -1 for the broker's "
                    + "default), was " + replicationFactor);
        }
        if (minInsyncReplicas != -1 && minInsyncReplicas < 1) {
            throw new IllegalArgumentException("--min-insync-replicas must be at least 1 (or -1 for the broker's "
                    + "default), was " + minInsyncReplicas);
        }
        if (minInsyncReplicas > 0 && replicationFactor == -1) {
            throw new IllegalArgumentException("--min-insync-replicas " + minInsyncReplicas + " needs "
                    + "--replication-factor too: the broker's default replication factor is not known here, and a "
                    + "topic with fewer replicas than min.insync.replicas refuses every write");
        }
        if (replicationFactor > 0 && minInsyncReplicas > replicationFactor) {
            throw new IllegalArgumentException("--min-insync-replicas " + minInsyncReplicas + " exceeds "
                    + "--replication-factor " + replicationFactor + ": no write could ever succeed");
        }
    }

    /** The topic configuration this adds to a created topic. */
    public Map<String, String> topicConfigs() {
        return minInsyncReplicas > 0
                ? Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInsyncReplicas))
                : Map.of();
    }
}
