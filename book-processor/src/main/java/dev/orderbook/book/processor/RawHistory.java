package dev.orderbook.book.processor;

import org.apache.kafka.streams.processor.api.Record;

/**
 * The raw topic's records of one partition in an offset range, read again, and where the application's commits
 * stand: how a task that starts from a book checkpoint brings its books to where they stood at the last commit
 * ({@link BookUpdateProcessor}). The Kafka
 * implementation is {@link KafkaRawHistory}; tests give the records they produced.
 */
public interface RawHistory {
    /** Receives each record read, in offset order. */
    interface Handler {
        void record(Record<byte[], byte[]> record, long offset);
    }

    /**
     * Hands every record of {@code partition} from {@code fromOffset} through {@code toOffset} (both inclusive) to
     * {@code handler}, in order; offsets no longer in the topic (retention) are skipped, and the handler sees the
     * jump.
     *
     * @throws IllegalStateException if the records cannot be read (the task then fails, and Kafka Streams retries it)
     */
    void read(String topic, int partition, long fromOffset, long toOffset, Handler handler);

    /**
     * The application's committed offset of {@code partition}: the first record it has not yet processed for good,
     * where Kafka Streams resumes the task (under exactly-once, only offsets of committed transactions count).
     *
     * @return the offset, or -1 when the application never committed one for the partition
     * @throws IllegalStateException if the broker cannot be asked (the task then fails, and Kafka Streams retries it)
     */
    long committedOffset(String topic, int partition);
}
