package dev.orderbook.book.processor;

import org.apache.kafka.streams.processor.api.Record;

/**
 * The raw topic's records of one partition in an offset range, read again: how a task that starts from a book
 * checkpoint brings its books to where they stood at the last commit ({@link BookUpdateProcessor}). The Kafka
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
}
