package dev.orderbook.systemtest;

import dev.orderbook.contract.summary.BookState;
import dev.orderbook.contract.summary.BookSummary;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Every summary the processor commits, read as a consumer service would ({@code read_committed}) by a background
 * thread from the start of the summaries topic, with the wall-clock time it was read: what the fault suite judges.
 * Reconnects by itself across a broker restart. Thread-safe.
 */
final class SummaryLog implements AutoCloseable {
    /** One committed summary. */
    record Seen(BookSummary summary, long readAtMs, int partition, long offset) {
        String product() {
            return summary.productId();
        }

        boolean isLive() {
            return summary.bookState() == BookState.LIVE;
        }
    }

    private final List<Seen> seen = new ArrayList<>();
    private final Thread thread;
    private volatile boolean closed;
    private volatile Throwable failure;

    SummaryLog(final String bootstrap, final String topic, final int partitions) {
        final KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()));
        final List<TopicPartition> assigned = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            assigned.add(new TopicPartition(topic, p));
        }
        consumer.assign(assigned);
        consumer.seekToBeginning(assigned);
        this.thread = new Thread(() -> {
            try (consumer) {
                while (!closed) {
                    for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                        final Seen s = new Seen(BookSummary.fromJson(r.value()), System.currentTimeMillis(),
                                r.partition(), r.offset());
                        synchronized (this) {
                            seen.add(s);
                            notifyAll();
                        }
                    }
                }
            } catch (final RuntimeException e) {
                failure = e;
            }
        }, "summary-log");
        thread.setDaemon(true);
        thread.start();
    }

    /** Everything read so far. */
    synchronized List<Seen> all() {
        checkFailure();
        return List.copyOf(seen);
    }

    /** Everything read so far of one product, in commit order. */
    List<Seen> of(final String product) {
        return all().stream().filter(s -> s.product().equals(product)).collect(Collectors.toList());
    }

    /** The latest summary of each product read so far. */
    synchronized Map<String, Seen> latest() {
        checkFailure();
        final Map<String, Seen> out = new java.util.TreeMap<>();
        for (final Seen s : seen) {
            out.put(s.product(), s);
        }
        return out;
    }

    /**
     * Waits until every product's latest summary matches, and returns when that first held (the read time of the
     * summary that made it hold).
     */
    long awaitAll(final List<String> products, final Predicate<Seen> condition, final Duration timeout,
                  final String what) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (true) {
                checkFailure();
                final Map<String, Seen> latest = latest();
                if (products.stream().allMatch(p -> latest.containsKey(p) && condition.test(latest.get(p)))) {
                    return products.stream().mapToLong(p -> latest.get(p).readAtMs()).max().orElseThrow();
                }
                final long leftMs = (deadline - System.nanoTime()) / 1_000_000;
                if (leftMs <= 0) {
                    throw new AssertionError("timed out after " + timeout + " waiting for " + what + "; latest: "
                            + describe(latest));
                }
                wait(Math.min(leftMs, 200));
            }
        }
    }

    static String describe(final Map<String, Seen> latest) {
        return latest.values().stream().map(s -> s.product() + "=" + s.summary().state()
                + (s.summary().stateReason() == null ? "" : "/" + s.summary().stateReason()))
                .collect(Collectors.joining(", "));
    }

    private void checkFailure() {
        if (failure != null) {
            throw new IllegalStateException("the summary reader failed", failure);
        }
    }

    @Override
    public void close() throws InterruptedException {
        closed = true;
        thread.join(5_000);
    }
}
