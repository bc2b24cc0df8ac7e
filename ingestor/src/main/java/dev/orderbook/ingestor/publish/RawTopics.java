package dev.orderbook.ingestor.publish;

import dev.orderbook.contract.TopicSetup;
import dev.orderbook.contract.TopicSpec;

import java.time.Duration;
import java.util.List;

/**
 * The topics a publisher writes, set up through the one {@link TopicSetup}: the raw topic (created with one
 * partition per product unless told otherwise, and the given retention; an existing one is checked: never compacted,
 * large enough for a 5 MB snapshot) and the dead-letter topic (as many partitions as the raw topic).
 */
public final class RawTopics {
    private RawTopics() {
    }

    /**
     * Ensures both topics exist and have leaders.
     *
     * @param partitions partitions of a created raw topic; 0 for one per product
     * @param retention  retention of a created raw topic
     * @param timeout    how long to wait for the broker before giving up
     * @throws TopicSetup.SetupException with a clear message when the broker cannot be reached in time or the
     *                                   existing raw topic does not fit the contract
     */
    public static TopicSetup.Result ensure(final PublisherConfig config, final int partitions, final Duration retention,
                                           final Duration timeout) {
        final int rawPartitions = partitions > 0 ? partitions : config.products().size();
        return TopicSetup.ensure(TopicSetup.adminProperties(config.adminProperties(), timeout), List.of(
                TopicSetup.Request.create(TopicSpec.RAW, config.rawTopic(), rawPartitions, -1, retention),
                TopicSetup.Request.create(TopicSpec.DEAD_LETTERS, config.dlqTopic(), rawPartitions, -1, null)),
                timeout);
    }
}
