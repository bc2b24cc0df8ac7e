package dev.orderbook.ingestor.publish;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * The publisher's way to Kafka: hands records to the producer without ever blocking the caller on Kafka, accounts
 * for the bytes in flight (the memory budget), reports each record Kafka did not take to a {@link Failures}, and
 * tells when Kafka is unavailable.
 *
 * <p>Outages. A record that times out (no metadata within {@code max.block.ms}, or not delivered within the delivery
 * timeout) starts an outage: from then on nothing is handed to the producer (each send would block for
 * {@code max.block.ms}) and every send fails at once. Once a second a probe thread sends a real record (the probe
 * record the owner gives: a gap marker that is to be written anyway) and only its acknowledgement ends the outage:
 * cached metadata answering would prove nothing.
 *
 * <p>Threading: {@link #send} is called by one thread (the publisher's); producer callbacks run on the producer's
 * I/O thread and the probe on its own; they share only atomics and volatiles. Queries may come from any thread.
 */
final class KafkaSender implements AutoCloseable {
    /** How often Kafka is probed while it is unavailable. */
    static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);
    /** How long {@link #close()} waits for records in flight. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    /**
     * What the producer holds per record beyond key and value (record, batch slot, callback, future), counted
     * against the budget so that it bounds memory, not only payload.
     */
    static final int RECORD_OVERHEAD_BYTES = 200;
    private static final Logger log = LoggerFactory.getLogger(KafkaSender.class);
    private static final int FAILURE_LOG_EVERY = 1000;
    /** The product index of a record that concerns no product of ours (dead letters). */
    static final int NO_PRODUCT = -1;

    /** Told about every record Kafka did not take. Any thread; must not block. */
    interface Failures {
        /**
         * @param product the record's product index, or -1 for a record of no product (an unkeyed dead letter)
         * @param marker  whether it was a gap marker
         */
        void failed(int product, boolean marker);
    }

    private final Producer<byte[], byte[]> producer;
    private final IngestMetrics metrics;
    private final Failures failures;
    private final String outageBehaviour;
    private final AtomicLong buffered = new AtomicLong();
    private final AtomicLong failuresLogged = new AtomicLong();
    private final ScheduledExecutorService probe;
    private volatile IntFunction<ProducerRecord<byte[], byte[]>> probeRecord;
    private volatile boolean available = true;
    private volatile boolean probeInFlight;
    /** The product the probe marks: the product of the record whose timeout started the outage. */
    private volatile int probeProduct;
    private volatile long outageSinceNs;

    /**
     * @param outageBehaviour what the owner does during an outage, for the log line that starts one
     */
    KafkaSender(final Producer<byte[], byte[]> producer, final IngestMetrics metrics, final Failures failures,
                final String outageBehaviour) {
        this.producer = producer;
        this.metrics = metrics;
        this.failures = failures;
        this.outageBehaviour = outageBehaviour;
        this.probe = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "kafka-availability-probe");
            t.setDaemon(true);
            return t;
        });
        probe.scheduleWithFixedDelay(this::probeKafka, PROBE_INTERVAL.toMillis(), PROBE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** The record the probe sends for a product index during an outage. Set before the first send. */
    void probeWith(final IntFunction<ProducerRecord<byte[], byte[]>> record) {
        this.probeRecord = record;
    }

    /** The bytes a record costs against the budget. */
    static long cost(final byte[] key, final byte[] value) {
        return (long) value.length + (key == null ? 0 : key.length) + RECORD_OVERHEAD_BYTES;
    }

    /**
     * Sends one record; a failure (now or later) is reported to {@link Failures}. During an outage nothing is handed
     * to the producer: the failure is reported at once.
     *
     * @param product the record's product index, or -1 for none
     */
    void send(final String topic, final int product, final byte[] key, final byte[] value, final Headers headers,
              final boolean marker) {
        if (!available) {
            lost(topic, product, marker, null);
            return;
        }
        final long size = cost(key, value);
        buffered.addAndGet(size);
        final long startNs = System.nanoTime();
        try {
            producer.send(new ProducerRecord<>(topic, null, null, key, value, headers), (metadata, error) -> {
                buffered.addAndGet(-size);
                if (error == null) {
                    metrics.publishLatencyNs(System.nanoTime() - startNs);
                } else {
                    lost(topic, product, marker, error);
                }
            });
            metrics.published(value.length);
        } catch (final RuntimeException e) {
            // Producer closed, record too large for max.request.size... (timeouts arrive through the callback)
            buffered.addAndGet(-size);
            lost(topic, product, marker, e);
        }
    }

    /** Sends a record of no product (a dead letter that names none). */
    void sendUnkeyed(final String topic, final byte[] value, final Headers headers) {
        send(topic, NO_PRODUCT, null, value, headers, false);
    }

    /**
     * Any thread: a record Kafka did not take (or was not given: {@code error} null during an outage). A timeout
     * starts an outage.
     */
    private void lost(final String topic, final int product, final boolean marker, final Throwable error) {
        metrics.publishFailure();
        if (error instanceof TimeoutException && available) {
            outageSinceNs = System.nanoTime();
            if (product >= 0) {
                probeProduct = product;
            }
            available = false;
            log.warn("Kafka unavailable (a record timed out); until a probe record is acknowledged, {}. topic=[{}] "
                    + "error=[{}]", outageBehaviour, topic, error.toString());
        }
        if (error != null && failuresLogged.getAndIncrement() % FAILURE_LOG_EVERY == 0) {
            log.warn("Kafka did not take a record; its product will be marked (logged every {}th). topic=[{}] "
                    + "productIndex=[{}] marker=[{}] error=[{}]", FAILURE_LOG_EVERY, topic, product, marker,
                    error.toString());
        }
        if (product >= 0) {
            failures.failed(product, marker);
        }
    }

    /** Probe thread, during an outage: sends the probe record; its acknowledgement ends the outage. */
    private void probeKafka() {
        final IntFunction<ProducerRecord<byte[], byte[]>> record = probeRecord;
        if (available || probeInFlight || record == null) {
            return;
        }
        probeInFlight = true;
        try {
            final ProducerRecord<byte[], byte[]> r = record.apply(probeProduct);
            producer.send(r, (metadata, error) -> {
                if (error == null && !available) {
                    available = true;
                    log.info("Kafka reachable again (probe record acknowledged). topic=[{}] outageMs=[{}]",
                            r.topic(), (System.nanoTime() - outageSinceNs) / 1_000_000);
                }
                probeInFlight = false;
            });
        } catch (final RuntimeException e) {
            probeInFlight = false;
            log.debug("Kafka probe not sent. error=[{}]", e.toString());
        }
    }

    /** False from a record that timed out until a probe record is acknowledged. Any thread. */
    boolean isAvailable() {
        return available;
    }

    /** When the current outage started ({@link System#nanoTime()}); meaningless while available. */
    long outageSinceNs() {
        return outageSinceNs;
    }

    /** Bytes handed to the producer and not yet acknowledged or failed. Any thread. */
    long buffered() {
        return buffered.get();
    }

    /**
     * Fetches the topics' metadata, so that a slow first fetch (a remote cluster, TLS) is not taken for an outage.
     *
     * @throws IllegalStateException when it is not available within {@code timeout}
     */
    void warmUp(final List<String> topics, final Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        for (final String topic : topics) {
            while (true) {
                try {
                    producer.partitionsFor(topic);
                    break;
                } catch (final RuntimeException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no metadata for topic " + topic + " within "
                                + timeout.toSeconds() + " s: " + e, e);
                    }
                }
            }
        }
    }

    /** Waits until every record handed over so far is acknowledged or failed. */
    void flush() {
        producer.flush();
    }

    /** Stops the probe and closes the producer, giving records in flight up to {@link #CLOSE_TIMEOUT}. */
    @Override
    public void close() {
        close(CLOSE_TIMEOUT);
    }

    /** Stops the probe and closes the producer, giving records in flight up to {@code timeout} (zero: drops them). */
    void close(final Duration timeout) {
        probe.shutdownNow();
        producer.close(timeout);
    }
}
