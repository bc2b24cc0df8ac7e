package dev.orderbook.launcher;

import dev.orderbook.contract.TopicDurability;
import picocli.CommandLine.Option;

/** {@code --replication-factor} and {@code --min-insync-replicas} of the topics a command creates. */
final class TopicDurabilityOptions {
    @Option(names = "--replication-factor", paramLabel = "N", defaultValue = "-1",
            description = "Replication factor of the topics created here (and of the processor's internal topics); "
                    + "-1 for the broker's default.replication.factor. Production: 3 (default: ${DEFAULT-VALUE}).")
    int replicationFactor;

    @Option(names = "--min-insync-replicas", paramLabel = "N", defaultValue = "-1",
            description = "min.insync.replicas of the topics created here: with acks=all a write succeeds once this "
                    + "many replicas have it; -1 for the broker's. Production: 2 (default: ${DEFAULT-VALUE}).")
    int minInsyncReplicas;

    /** {@link IllegalArgumentException} with a one-line message for values that cannot work. */
    TopicDurability durability() {
        return new TopicDurability(replicationFactor, minInsyncReplicas);
    }
}
