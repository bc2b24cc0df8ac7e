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
     * @param partitions partitions of a created raw topic; 0 for one per product, never fewer (an existing raw
     *                   topic with fewer is refused too)
     * @param retention  retention of a created raw topic
     * @param timeout    how long to wait for the broker before giving up
     * @throws IllegalArgumentException  for fewer partitions than products
     * @throws TopicSetup.SetupException with a clear message when the broker cannot be reached in time or the
     *                                   existing raw topic does not fit the contract
     */
    public static TopicSetup.Result ensure(final PublisherConfig config, final int partitions, final Duration retention,
                                           final Duration timeout) {
        final int products = config.products().size();
        if (partitions != 0 && partitions < products) {
            throw new IllegalArgumentException("--partitions " + partitions + " is fewer than the " + products
                    + " products: each product needs a partition of its own (0: one per product)");
        }
        final int rawPartitions = partitions > 0 ? partitions : products;
        return TopicSetup.ensure(TopicSetup.adminProperties(config.kafka().admin(), timeout), List.of(
                TopicSetup.Request.create(TopicSpec.RAW, config.rawTopic(), rawPartitions, config.durability(),
                        retention).withMinPartitions(products),
                TopicSetup.Request.create(TopicSpec.DEAD_LETTERS, config.dlqTopic(), rawPartitions,
                        config.durability(), null)),
                timeout);
    }
}
