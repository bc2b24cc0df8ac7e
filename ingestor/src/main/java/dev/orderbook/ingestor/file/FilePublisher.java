package dev.orderbook.ingestor.file;

import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.io.NdjsonReader;
import dev.orderbook.contract.DeadLetterReason;
import dev.orderbook.contract.Limits;
import dev.orderbook.ingestor.frame.DecodedFrame;
import dev.orderbook.ingestor.frame.EpochClock;
import dev.orderbook.ingestor.publish.IngestMetrics;
import dev.orderbook.ingestor.publish.PublisherConfig;
import dev.orderbook.ingestor.publish.RawPublisher;
import dev.orderbook.ingestor.publish.RawTopics;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.kafka.clients.producer.KafkaProducer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code publish}: sends a recorded NDJSON file (as {@code record} writes it, or {@code generate}) to the raw topic
 * exactly as the live ingestor would: the same {@link RawPublisher} (same keys, split, headers, gap markers and
 * dead letters) and the same topic setup. The file is one session: a new random session id, and the line number as
 * the session counter. Recorded gap markers pass through as the gap markers they are. The receive-time header is the
 * time of publishing. Nothing is dropped for lack of buffer: the file waits for Kafka.
 */
public final class FilePublisher {
    /** What a publish did. */
    public record Stats(long lines, long published, long notBookData, long deadLettered, long publishFailures,
                        long bytes, long elapsedNs, String sessionId) {
        /** A one-line summary for the command line. */
        public String line() {
            final double seconds = elapsedNs / 1e9;
            return String.format("published lines=%d records_from_lines=%d not_book_data=%d dead_lettered=%d "
                    + "publish_failures=%d bytes=%d seconds=%.3f lines_per_second=%.0f session=%s", lines, published,
                    notBookData, deadLettered, publishFailures, bytes, seconds,
                    seconds > 0 ? lines / seconds : 0.0, sessionId);
        }
    }

    private FilePublisher() {
    }

    /**
     * Publishes the file and waits until Kafka acknowledged every record.
     *
     * @param partitions partitions of a created raw topic (0: one per product)
     */
    public static Stats publish(final Path input, final PublisherConfig config, final Pacing pacing,
                                final int partitions, final Duration retention, final Duration setupTimeout)
            throws IOException {
        RawTopics.ensure(config, partitions, retention, setupTimeout);
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final IngestMetrics metrics = new IngestMetrics(registry);
        final String sessionId = UUID.randomUUID().toString();
        final CoinbaseDecoder decoder = config.newDecoder();
        final DecodedFrame frame = new DecodedFrame();
        long lines = 0;
        long published = 0;
        long notBookData = 0;
        long deadLettered = 0;
        final long startNs = System.nanoTime();
        try (RawPublisher publisher = new RawPublisher(config,
                new KafkaProducer<>(config.producerProperties("orderbook-publish")), metrics,
                RawPublisher.Source.FILE, 0);
             NdjsonReader reader = NdjsonReader.open(input, Limits.MAX_RECORD_BYTES)) {
            publisher.warmUp(setupTimeout);
            while (reader.next()) {
                if (reader.length() == 0 && !reader.oversized()) {
                    continue;
                }
                lines++;
                final long seq = reader.lineNumber();
                final RawPublisher.Outcome outcome;
                if (reader.oversized()) {
                    outcome = publisher.publishUnreadable(sessionId, seq, EpochClock.nowEpochNs(),
                            ("line " + seq + " of " + input.getFileName()).getBytes(StandardCharsets.UTF_8),
                            DeadLetterReason.OVERSIZED, "line of " + reader.length() + " bytes, limit "
                                    + Limits.MAX_RECORD_BYTES);
                } else {
                    frame.decode(decoder, sessionId, seq, EpochClock.nowEpochNs(), Arrays.copyOfRange(reader.buffer(),
                            reader.offset(), reader.offset() + reader.length()));
                    if (!pacing.isMax()) {
                        waitNs(pacing.delayNs(frame.message().time(), System.nanoTime()));
                    }
                    outcome = publisher.publishFrame(frame);
                    publisher.requests().drainTo(request -> { });
                }
                switch (outcome) {
                    case PUBLISHED -> published++;
                    case NOT_BOOK_DATA -> notBookData++;
                    default -> deadLettered++;
                }
            }
            publisher.flush();
            final long failures = (long) registry.get("orderbook.ingest.publish.failures").counter().count();
            return new Stats(lines, published, notBookData, deadLettered, failures, reader.bytesRead(),
                    System.nanoTime() - startNs, sessionId);
        }
    }

    private static void waitNs(final long nanos) {
        final long until = System.nanoTime() + nanos;
        long left = nanos;
        while (left > 0) {
            LockSupport.parkNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
            if (Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("interrupted while pacing");
            }
            left = until - System.nanoTime();
        }
    }
}
