package dev.orderbook.book.service;

import dev.orderbook.book.BookProcessorConfig;
import dev.orderbook.contract.TopicDurability;
import dev.orderbook.contract.TopicSetup;
import dev.orderbook.contract.TopicSpec;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The processor's topics, set up through the one {@link TopicSetup} before Kafka Streams starts: the raw topic must
 * exist (it belongs to the ingestor and is never created here); the summaries, alerts and dead-letter topics are
 * created when missing with as many partitions as the raw topic (or {@code --partitions}), so a product's outputs
 * sit on the partition number of its input; the control topic with one partition. All with the configured
 * durability. The raw topic's layout is its writer's to check (the ingestor refuses one with fewer partitions than
 * products).
 */
public final class ProcessorTopics {
    private ProcessorTopics() {
    }

    /**
     * Checks the raw topic and creates the missing output topics.
     *
     * @return the raw topic's partition count
     * @throws TopicSetup.SetupException when the broker is unreachable in time, the raw topic is missing, or an
     *                                   existing topic does not fit the contract
     */
    public static int ensure(final BookProcessorConfig config) {
        final Duration timeout = Duration.ofMillis(config.adminTimeoutMs());
        final Map<String, Object> admin = TopicSetup.adminProperties(config.kafka().admin(), timeout);
        final int rawPartitions = TopicSetup.ensure(admin,
                List.of(TopicSetup.Request.existing(TopicSpec.RAW, config.rawTopic())), timeout)
                .partitionsOf(config.rawTopic());
        final int partitions = config.partitions() > 0 ? config.partitions() : rawPartitions;
        final TopicDurability replication = config.durability();
        TopicSetup.ensure(admin, List.of(
                TopicSetup.Request.create(TopicSpec.SUMMARIES, config.summariesTopic(), partitions, replication, null),
                TopicSetup.Request.create(TopicSpec.ALERTS, config.alertsTopic(), partitions, replication, null),
                TopicSetup.Request.create(TopicSpec.DEAD_LETTERS, config.dlqTopic(), partitions, replication, null),
                TopicSetup.Request.create(TopicSpec.CONTROL, config.controlTopic(), 1, replication, null)), timeout);
        return rawPartitions;
    }
}
