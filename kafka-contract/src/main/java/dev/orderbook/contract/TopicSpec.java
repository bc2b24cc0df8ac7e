package dev.orderbook.contract;

import java.time.Duration;

/**
 * The topics of the pipeline and how each is created when missing: the one place for their defaults (names in
 * {@link Topics}). Existing topics are never altered; {@link TopicSetup} checks the settings the contract depends on.
 *
 * <table>
 *   <caption>Topics</caption>
 *   <tr><th>topic</th><th>written by</th><th>cleanup</th><th>retention</th><th>max.message.bytes</th>
 *       <th>partitions</th></tr>
 *   <tr><td>raw</td><td>ingestor</td><td>delete (never compact: the system of record)</td><td>7 days</td>
 *       <td>{@link Limits#MAX_RECORD_BYTES}</td><td>one per product</td></tr>
 *   <tr><td>dead letters</td><td>both</td><td>delete</td><td>30 days</td>
 *       <td>{@link Limits#DEAD_LETTER_MAX_RECORD_BYTES}</td><td>as the raw topic</td></tr>
 *   <tr><td>summaries</td><td>processor</td><td>delete</td><td>7 days</td><td>1 MiB</td><td>as the raw topic</td></tr>
 *   <tr><td>alerts</td><td>processor</td><td>delete</td><td>30 days</td><td>1 MiB</td><td>as the raw topic</td></tr>
 *   <tr><td>control</td><td>processor (read by the ingestor)</td><td>delete</td><td>1 day</td><td>1 MiB</td>
 *       <td>1 (its one partition is also the ingestors' leadership token)</td></tr>
 * </table>
 */
public enum TopicSpec {
    RAW(Topics.RAW_DEFAULT, Duration.ofDays(7), Limits.MAX_RECORD_BYTES, Partitioning.ONE_PER_PRODUCT),
    DEAD_LETTERS(Topics.DLQ_DEFAULT, Duration.ofDays(30), Limits.DEAD_LETTER_MAX_RECORD_BYTES, Partitioning.AS_RAW),
    SUMMARIES(Topics.SUMMARIES_DEFAULT, Duration.ofDays(7), Limits.SMALL_RECORD_BYTES, Partitioning.AS_RAW),
    ALERTS(Topics.ALERTS_DEFAULT, Duration.ofDays(30), Limits.SMALL_RECORD_BYTES, Partitioning.AS_RAW),
    CONTROL(Topics.CONTROL_DEFAULT, Duration.ofDays(1), Limits.SMALL_RECORD_BYTES, Partitioning.ONE);

    /** How many partitions a created topic gets. */
    public enum Partitioning {
        /** One per configured product, so that each product has a partition of its own (ProductPartitioner). */
        ONE_PER_PRODUCT,
        /** As many as the raw topic, so that a product's outputs sit on the partition number of its input. */
        AS_RAW,
        /** Exactly one. */
        ONE
    }

    private final String defaultName;
    private final Duration retention;
    private final int maxMessageBytes;
    private final Partitioning partitioning;

    TopicSpec(final String defaultName, final Duration retention, final int maxMessageBytes,
              final Partitioning partitioning) {
        this.defaultName = defaultName;
        this.retention = retention;
        this.maxMessageBytes = maxMessageBytes;
        this.partitioning = partitioning;
    }

    public String defaultName() {
        return defaultName;
    }

    /** Retention of a created topic, unless the service is told otherwise. */
    public Duration retention() {
        return retention;
    }

    /** {@code max.message.bytes} of a created topic, and the least an existing one must allow. */
    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    public Partitioning partitioning() {
        return partitioning;
    }
}
