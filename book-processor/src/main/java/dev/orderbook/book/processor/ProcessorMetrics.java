package dev.orderbook.book.processor;

import dev.orderbook.contract.summary.BookState;
import dev.orderbook.contract.summary.StateReason;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The processor's own metrics (the Kafka Streams metrics are bound apart). Shared by every stream thread: counters
 * are thread-safe, and per-product gauges read values the owning stream thread publishes.
 *
 * <ul>
 *   <li>{@code orderbook.changes.applied}: level changes applied by updates (snapshot levels in
 *       {@code orderbook.snapshot.levels})</li>
 *   <li>{@code orderbook.summaries}, {@code orderbook.alerts}: records forwarded</li>
 *   <li>{@code orderbook.dlq{reason}}: records sent to the dead-letter topic</li>
 *   <li>{@code orderbook.books.stale.transitions}, {@code orderbook.books.crossed.transitions}: times a book became
 *       stale or crossed; {@code orderbook.books{state}}: books in each state now</li>
 *   <li>{@code orderbook.book.levels{product,side}}: resting levels per book</li>
 *   <li>{@code orderbook.e2e.latency}: from the ingestor's receive time (header {@code ob-receive-time-ns}) to the
 *       summary being forwarded</li>
 *   <li>{@code orderbook.continuity.losses{reason}}: records that did not continue their product's chain
 *       ({@code product-sequence-jump}, {@code session-changed}); {@code orderbook.raw.offset.gaps}: jumps in the raw
 *       offsets (records deleted before they were read)</li>
 *   <li>{@code orderbook.books.resumes}: books stale for silence that became live again, nothing lost;
 *       {@code orderbook.liveness.records}: liveness records read</li>
 *   <li>{@code orderbook.snapshot.requests{reason}}: snapshots asked of the ingestor on the control topic</li>
 *   <li>{@code orderbook.records.unsequenced}: raw book records without continuity headers, applied unchecked</li>
 *   <li>{@code orderbook.checkpoints}, {@code orderbook.checkpoint.bytes}: book checkpoints written and their size
 *       (the checkpoint layout's changelog cost); {@code orderbook.records.reapplied.skipped}: records delivered
 *       again (at-least-once, after a crash) that the books already had, skipped</li>
 * </ul>
 */
public final class ProcessorMetrics {
    private final MeterRegistry registry;
    private final Counter changes;
    private final Counter snapshotLevels;
    private final Counter summaries;
    private final Counter alerts;
    private final Counter staleTransitions;
    private final Counter crossedTransitions;
    private final Counter trimmedLevels;
    private final Counter offsetGaps;
    private final Counter resumes;
    private final Counter liveness;
    private final Counter unsequenced;
    private final Counter checkpoints;
    private final Counter checkpointBytes;
    private final Counter reappliedSkipped;
    private final Map<String, Counter> continuityLosses = new ConcurrentHashMap<>();
    private final Map<String, Counter> snapshotRequests = new ConcurrentHashMap<>();
    private final Timer latency;
    private final Map<String, Counter> dlq = new ConcurrentHashMap<>();
    private final Map<String, BookGauges> books = new ConcurrentHashMap<>();

    /** Per-product values published by the owning stream thread. */
    static final class BookGauges {
        final AtomicLong bidLevels = new AtomicLong();
        final AtomicLong askLevels = new AtomicLong();
        volatile BookState state = BookState.STALE;
    }

    public ProcessorMetrics(final MeterRegistry registry) {
        this.registry = registry;
        this.changes = Counter.builder("orderbook.changes.applied").description("Level changes applied by updates")
                .register(registry);
        this.snapshotLevels = Counter.builder("orderbook.snapshot.levels").description("Levels loaded from snapshots")
                .register(registry);
        this.summaries = Counter.builder("orderbook.summaries").description("Summaries forwarded").register(registry);
        this.alerts = Counter.builder("orderbook.alerts").description("Spread alerts forwarded").register(registry);
        this.staleTransitions = Counter.builder("orderbook.books.stale.transitions")
                .description("Times a book became stale").register(registry);
        this.crossedTransitions = Counter.builder("orderbook.books.crossed.transitions")
                .description("Times a book became crossed (or was trimmed)").register(registry);
        this.trimmedLevels = Counter.builder("orderbook.books.trimmed.levels")
                .description("Levels removed by the trim crossed-book policy").register(registry);
        this.offsetGaps = Counter.builder("orderbook.raw.offset.gaps")
                .description("Jumps in the raw offsets: records deleted before they were read").register(registry);
        this.resumes = Counter.builder("orderbook.books.resumes")
                .description("Books stale for silence that became live again, nothing lost").register(registry);
        this.liveness = Counter.builder("orderbook.liveness.records").description("Liveness records read")
                .register(registry);
        this.unsequenced = Counter.builder("orderbook.records.unsequenced")
                .description("Raw book records without continuity headers (not from the ingestor): applied unchecked")
                .register(registry);
        this.checkpoints = Counter.builder("orderbook.checkpoints").description("Book checkpoints written")
                .register(registry);
        this.checkpointBytes = Counter.builder("orderbook.checkpoint.bytes")
                .description("Bytes of book checkpoints written (the changelog's cost)").register(registry);
        this.reappliedSkipped = Counter.builder("orderbook.records.reapplied.skipped")
                .description("Raw records delivered again that the books already had (at-least-once), skipped")
                .register(registry);
        this.latency = Timer.builder("orderbook.e2e.latency")
                .description("Ingestor receive time to summary forwarded")
                .publishPercentiles(0.5, 0.99, 0.999)
                .minimumExpectedValue(Duration.ofNanos(100_000)).maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        for (final BookState state : BookState.values()) {
            Gauge.builder("orderbook.books", books, m -> m.values().stream().filter(g -> g.state == state).count())
                    .tag("state", state.wireName()).description("Books in each state").register(registry);
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    void changes(final long n) {
        changes.increment(n);
    }

    void snapshotLevels(final long n) {
        snapshotLevels.increment(n);
    }

    void summary(final boolean alert) {
        summaries.increment();
        if (alert) {
            alerts.increment();
        }
    }

    void staleTransitions(final long n) {
        staleTransitions.increment(n);
    }

    void crossedTransitions(final long n) {
        crossedTransitions.increment(n);
    }

    void trimmedLevels(final long n) {
        trimmedLevels.increment(n);
    }

    void offsetGap() {
        offsetGaps.increment();
    }

    void unsequenced() {
        unsequenced.increment();
    }

    void checkpoint(final int bytes) {
        checkpoints.increment();
        checkpointBytes.increment(bytes);
    }

    void reappliedSkipped() {
        reappliedSkipped.increment();
    }

    void resumes(final long n) {
        resumes.increment(n);
    }

    void liveness(final long n) {
        liveness.increment(n);
    }

    void continuityLoss(final StateReason reason) {
        continuityLosses.computeIfAbsent(reason.wireName(), r -> Counter.builder("orderbook.continuity.losses")
                .tag("reason", r).description("Records that did not continue their product's chain")
                .register(registry)).increment();
    }

    void snapshotRequest(final StateReason reason) {
        snapshotRequests.computeIfAbsent(reason.wireName(), r -> Counter.builder("orderbook.snapshot.requests")
                .tag("reason", r).description("Snapshots asked of the ingestor on the control topic")
                .register(registry)).increment();
    }

    void dlq(final String reason) {
        dlq.computeIfAbsent(reason, r -> Counter.builder("orderbook.dlq").tag("reason", r)
                .description("Records sent to the dead-letter topic").register(registry)).increment();
    }

    void latencyNs(final long nanos) {
        if (nanos >= 0) {
            latency.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    void book(final String productId, final int bidLevels, final int askLevels, final BookState state) {
        final BookGauges g = books.computeIfAbsent(productId, this::register);
        g.bidLevels.set(bidLevels);
        g.askLevels.set(askLevels);
        g.state = state;
    }

    private BookGauges register(final String productId) {
        final BookGauges g = new BookGauges();
        Gauge.builder("orderbook.book.levels", g.bidLevels, AtomicLong::get).tag("product", productId)
                .tag("side", "bid").description("Resting levels per book side").register(registry);
        Gauge.builder("orderbook.book.levels", g.askLevels, AtomicLong::get).tag("product", productId)
                .tag("side", "ask").register(registry);
        return g;
    }
}
