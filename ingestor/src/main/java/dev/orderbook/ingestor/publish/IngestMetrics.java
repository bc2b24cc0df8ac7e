package dev.orderbook.ingestor.publish;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The ingestor's own meters (Prometheus names in docs/ingestor.md): frames and bytes received, records published,
 * gap markers and dead letters by reason, reconnects, subscription problems, publish failures and latency, and, once
 * {@link #watch} is called, gauges for buffer use and per-product liveness of whatever publisher is current (an
 * ingestor has a new one per leadership term). Thread-safe.
 */
public final class IngestMetrics {
    private final MeterRegistry registry;
    private final Counter framesReceived;
    private final Counter bytesReceived;
    private final Counter recordsPublished;
    private final Counter bytesPublished;
    private final Counter gapsCoalesced;
    private final Counter framesDiscarded;
    private final Counter connections;
    private final Counter subscriptionProblems;
    private final Counter publishFailures;
    private final Counter livenessRecords;
    private final Timer publishLatency;
    private final ConcurrentHashMap<String, Counter> gaps = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> deadLetters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Counter> unpublishedKinds = new ConcurrentHashMap<>();

    public IngestMetrics(final MeterRegistry registry) {
        this.registry = registry;
        framesReceived = Counter.builder("orderbook.ingest.frames").description("WebSocket frames or file lines read")
                .register(registry);
        bytesReceived = Counter.builder("orderbook.ingest.frame.bytes").baseUnit("bytes")
                .description("Bytes of frames read").register(registry);
        recordsPublished = Counter.builder("orderbook.ingest.records").description("Records sent to the raw topic")
                .register(registry);
        bytesPublished = Counter.builder("orderbook.ingest.record.bytes").baseUnit("bytes")
                .description("Value bytes sent to the raw topic").register(registry);
        gapsCoalesced = Counter.builder("orderbook.ingest.gaps.coalesced")
                .description("Gaps not written because the product was already marked and had no snapshot since")
                .register(registry);
        framesDiscarded = Counter.builder("orderbook.ingest.frames.discarded")
                .description("Frames not published because the buffer budget was exhausted (covered by gaps)")
                .register(registry);
        connections = Counter.builder("orderbook.ingest.connections")
                .description("WebSocket sessions opened; more than one means reconnects").register(registry);
        subscriptionProblems = Counter.builder("orderbook.ingest.subscription.problems")
                .description("Error messages or incomplete subscription confirmations").register(registry);
        publishFailures = Counter.builder("orderbook.ingest.publish.failures")
                .description("Records Kafka did not accept in time (each leads to a gap marker)").register(registry);
        livenessRecords = Counter.builder("orderbook.ingest.liveness.records")
                .description("Liveness records written (one per healthy, live product and interval)")
                .register(registry);
        publishLatency = Timer.builder("orderbook.ingest.publish.latency")
                .description("From send to broker acknowledgement (acks=all)")
                .publishPercentiles(0.5, 0.99, 0.999).register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Registers the buffer and per-product liveness gauges, reading the publisher {@code current} gives at each
     * scrape (none: 0).
     */
    public void watch(final Supplier<RawPublisher> current, final PublisherConfig config) {
        // Supplier gauges: Micrometer holds them strongly (an object gauge would hold the supplier weakly, and read
        // NaN once it is collected). Each reads the publisher once: a term may end between two reads.
        Gauge.builder("orderbook.ingest.buffer.bytes", () -> {
            final RawPublisher p = current.get();
            return p == null ? 0 : p.bufferedBytes();
        }).baseUnit("bytes").description("Bytes sent to Kafka and not yet acknowledged").register(registry);
        Gauge.builder("orderbook.ingest.buffer.budget.bytes", config::bufferBudgetBytes).baseUnit("bytes")
                .description("The buffer budget").register(registry);
        for (final String product : config.products()) {
            Gauge.builder("orderbook.ingest.product.live", () -> {
                final RawPublisher p = current.get();
                return p != null && p.isLive(product) ? 1 : 0;
            }).tag("product", product)
                    .description("1 while the product has a snapshot published and no gap since").register(registry);
        }
    }

    void frame(final int bytes) {
        framesReceived.increment();
        bytesReceived.increment(bytes);
    }

    void published(final int valueBytes) {
        recordsPublished.increment();
        bytesPublished.increment(valueBytes);
    }

    void gap(final String reason) {
        gaps.computeIfAbsent(reason, r -> Counter.builder("orderbook.ingest.gaps").tag("reason", r)
                .description("Gap markers written, by reason").register(registry)).increment();
    }

    void gapCoalesced() {
        gapsCoalesced.increment();
    }

    void deadLetter(final String reason) {
        deadLetters.computeIfAbsent(reason, r -> Counter.builder("orderbook.ingest.dead.letters").tag("reason", r)
                .description("Frames sent to the dead-letter topic, by reason").register(registry)).increment();
    }

    void unpublished(final String kind) {
        unpublishedKinds.computeIfAbsent(kind, k -> Counter.builder("orderbook.ingest.frames.unpublished")
                .tag("kind", k).description("Frames read but not for the raw topic (heartbeats, confirmations...)")
                .register(registry)).increment();
    }

    void liveness() {
        livenessRecords.increment();
    }

    void discarded() {
        framesDiscarded.increment();
    }

    public void connected() {
        connections.increment();
    }

    public void subscriptionProblem() {
        subscriptionProblems.increment();
    }

    void publishFailure() {
        publishFailures.increment();
    }

    void publishLatencyNs(final long nanos) {
        publishLatency.record(nanos, TimeUnit.NANOSECONDS);
    }
}
