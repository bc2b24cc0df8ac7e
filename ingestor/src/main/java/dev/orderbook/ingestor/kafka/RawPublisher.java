package dev.orderbook.ingestor.kafka;

import dev.orderbook.codec.AdvancedTradeSplitter;
import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.DecodeError;
import dev.orderbook.codec.EventType;
import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.GapMarkers;
import dev.orderbook.codec.Protocol;
import dev.orderbook.codec.StaleScope;
import dev.orderbook.codec.io.ByteArrays;
import dev.orderbook.codec.model.Product;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.contract.Header;

import io.micrometer.core.instrument.Gauge;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns feed frames into raw-topic records, the contract of shared/DESIGN.md: every book message verbatim, keyed by
 * product (an Advanced Trade message split into one message per product), with receive time, session id and
 * session counter headers; a gap marker wherever continuity for a product is lost; a dead letter, with the reason,
 * for a frame that cannot be published as it is. Shared by the live ingestor and {@code publish} (a recorded file),
 * so both write exactly the same records.
 *
 * <p>Continuity rules. A gap marker is written for a product, in order with its records, when:
 * <ul>
 *   <li>the source reports a gap ({@link #publishGap}: disconnect, sequence, silence...);</li>
 *   <li>a frame that concerns the product is unparseable (it goes to the dead-letter topic; reason
 *       {@code invalid}), and the source is asked for a fresh snapshot;</li>
 *   <li>Kafka fails a record of the product (reason {@code publish-failed}; written before the next record);</li>
 *   <li>the buffer budget is exhausted (reason {@code backpressure}, every product) and the source is asked to drop
 *       its connection; frames are discarded until the buffer has drained to half the budget;</li>
 *   <li>Kafka cannot be reached (reason {@code kafka-unavailable}, every product): frames are discarded and the
 *       markers wait in memory until a probe record is acknowledged;</li>
 *   <li>the ingestor stops ({@link #markAll}, reason {@code shutdown}).</li>
 * </ul>
 * A product already marked, with no snapshot published since, is not marked again (its book is stale either way); a
 * marker that Kafka itself fails is written again.
 *
 * <p>Threading: {@link #publishFrame}, {@link #publishGap}, {@link #markAll} and {@link #flush} are called by one
 * thread (the feed's worker, or the file reader). Producer callbacks run on the producer's I/O thread, the probe on
 * its own; both only touch atomics and volatiles. {@link #isLive}, {@link #bufferedBytes}, {@link #isOverloaded} and
 * {@link #isKafkaAvailable} may be read from any thread.
 */
public final class RawPublisher implements AutoCloseable {
    /** Gap reason: a frame that concerned the product could not be parsed. */
    public static final String GAP_INVALID = "invalid";
    /** Gap reason: Kafka did not accept one of the product's records. */
    public static final String GAP_PUBLISH_FAILED = "publish-failed";
    /** Gap reason: the buffer budget was exhausted, frames were discarded. */
    public static final String GAP_BACKPRESSURE = "backpressure";
    /** Gap reason: Kafka could not be reached at all (no metadata within max.block.ms), frames were discarded. */
    public static final String GAP_KAFKA_UNAVAILABLE = "kafka-unavailable";
    /** Gap reason: the ingestor stopped; nothing more comes for the product until it runs again. */
    public static final String GAP_SHUTDOWN = "shutdown";
    /** How long {@link #close()} waits for records in flight. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    /** How often Kafka is probed while it is unavailable. */
    public static final Duration PROBE_INTERVAL = Duration.ofSeconds(1);
    /** While the buffer is over budget, reconnect attempts are at least this far apart. */
    public static final Duration BACKPRESSURE_RECONNECT_DELAY = Duration.ofSeconds(1);
    /** Dead-letter header: which service wrote the dead letter. */
    public static final String HEADER_DLQ_SOURCE = "ob-dlq-source";

    private static final Logger log = LoggerFactory.getLogger(RawPublisher.class);
    private static final byte[] SOURCE = "ingestor".getBytes(StandardCharsets.UTF_8);
    private static final byte[] GAP_TYPE_BYTES = ("\"" + CoinbaseDecoder.GAP_TYPE + "\"")
            .getBytes(StandardCharsets.UTF_8);
    private static final int FAILURE_LOG_EVERY = 1000;
    /**
     * What the producer holds per record beyond key and value (record, batch slot, callback, future), counted
     * against the budget so that it bounds memory, not only payload.
     */
    static final int RECORD_OVERHEAD_BYTES = 200;

    /** What happened to a frame. */
    public enum Outcome {
        /** Book data, sent to the raw topic. */
        PUBLISHED,
        /** Not for the raw topic: heartbeat, subscription confirmation, exchange error, unknown type. */
        NOT_BOOK_DATA,
        /** Sent to the dead-letter topic; gap markers written for the products it concerned. */
        DEAD_LETTERED,
        /** Dropped for lack of buffer; covered by gap markers. */
        DISCARDED
    }

    /** Where frames come from, which decides how a full buffer and a recorded gap marker are handled. */
    public enum Source {
        /**
         * The live feed: a full buffer discards, marks gaps and asks the source to drop its connection; a frame of
         * the reserved gap-marker type is dead-lettered (the exchange never sends one).
         */
        LIVE,
        /**
         * A recorded file: a full buffer waits (the file can wait, nothing is lost); a recorded gap marker is
         * written as a gap marker.
         */
        FILE
    }

    private final PublisherConfig config;
    private final Producer<byte[], byte[]> producer;
    private final IngestMetrics metrics;
    private final FeedControl control;
    private final Source source;
    private final ProductRegistry registry;
    private final CoinbaseDecoder decoder;
    private final FeedMessage message = new FeedMessage();
    private final AdvancedTradeSplitter splitter = new AdvancedTradeSplitter();
    private final byte[][] keys;
    private final AtomicLong buffered = new AtomicLong();
    /** Per product index: 1 once a snapshot was published and no gap since. Read by health checks. */
    private final AtomicIntegerArray live;
    /** Worker only, per product index: a gap marker was written and no snapshot since. */
    private final boolean[] marked;
    /** Per product index: 1 when Kafka failed one of its data records; the worker marks it. Any thread sets it. */
    private final AtomicIntegerArray recordFailed;
    /** Per product index: 1 when Kafka failed one of its gap markers; the worker writes it again. */
    private final AtomicIntegerArray markerFailed;
    // Epoch ns = nanoTime + offset; receive times come from System.nanoTime().
    private final long epochOffsetNs;
    /** Worker only, per product index: a marker is due but Kafka is unavailable; written when it is back. */
    private final boolean[] pending;
    private final String[] pendingReason;
    private final String[] pendingSession;
    private final ScheduledExecutorService probe;
    /**
     * False from a record that Kafka timed out (no metadata within max.block.ms, or not delivered within the
     * delivery timeout) until a probe record sent afterwards is acknowledged: cached metadata proves nothing.
     */
    private volatile boolean kafkaAvailable = true;
    private volatile boolean probeInFlight;
    /** The product the probe marks: every product is marked in a live outage; a file marks the one that failed. */
    private volatile int probeProduct;
    private volatile long outageSinceNs;
    /** Worker only: the current outage has been marked. */
    private boolean outageHandled;
    private final AtomicLong failuresLogged = new AtomicLong();
    private volatile boolean overloaded;
    private String lastDroppedSession;
    private volatile String lastSession = "";

    /**
     * @param producer idempotent producer built from {@link PublisherConfig#producerProperties}; closed by
     *                 {@link #close()}
     * @param control  asked for snapshots or a new connection; {@link FeedControl#NONE} for a file
     * @param source   live feed or recorded file
     */
    public RawPublisher(final PublisherConfig config, final Producer<byte[], byte[]> producer,
                        final IngestMetrics metrics, final FeedControl control, final Source source) {
        this.config = config;
        this.producer = producer;
        this.metrics = metrics;
        this.control = control;
        this.source = source;
        this.registry = ProductRegistry.closed(config.products(), config.priceScale(), config.sizeScale(), Map.of());
        this.decoder = new CoinbaseDecoder(registry, PublisherConfig.MAX_RECORD_BYTES);
        final int n = config.products().size();
        this.keys = new byte[n][];
        for (int i = 0; i < n; i++) {
            keys[i] = registry.get(config.products().get(i)).id().getBytes(StandardCharsets.UTF_8);
        }
        this.live = new AtomicIntegerArray(n);
        this.recordFailed = new AtomicIntegerArray(n);
        this.markerFailed = new AtomicIntegerArray(n);
        this.marked = new boolean[n];
        this.pending = new boolean[n];
        this.pendingReason = new String[n];
        this.pendingSession = new String[n];
        this.probe = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "kafka-availability-probe");
            t.setDaemon(true);
            return t;
        });
        probe.scheduleWithFixedDelay(this::probeKafka, PROBE_INTERVAL.toMillis(), PROBE_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
        final Instant now = Instant.now();
        this.epochOffsetNs = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
        Gauge.builder("orderbook.ingest.buffer.bytes", buffered, AtomicLong::get).baseUnit("bytes")
                .description("Bytes sent to Kafka and not yet acknowledged").register(metrics.registry());
        Gauge.builder("orderbook.ingest.buffer.budget.bytes", () -> config.bufferBudgetBytes()).baseUnit("bytes")
                .description("The buffer budget").register(metrics.registry());
        for (int i = 0; i < n; i++) {
            final int index = i;
            Gauge.builder("orderbook.ingest.product.live", live, a -> a.get(index))
                    .tag("product", config.products().get(i))
                    .description("1 while the product has a snapshot published and no gap since")
                    .register(metrics.registry());
        }
    }

    /** Converts a {@link System#nanoTime()} reading to epoch nanoseconds. */
    public long toEpochNs(final long nanoTime) {
        return nanoTime + epochOffsetNs;
    }

    /**
     * Publishes one frame as the contract says.
     *
     * @param sessionId      the ingest session (new per connection, or per published file)
     * @param sessionSeq     the frame's number in its session, from 1
     * @param receiveEpochNs when it was received, epoch ns
     * @param frame          the frame, UTF-8 JSON as received; not modified, kept by the records
     */
    public Outcome publishFrame(final String sessionId, final long sessionSeq, final long receiveEpochNs,
                                final byte[] frame) {
        lastSession = sessionId;
        metrics.frame(frame.length);
        if (!awaitKafka()) {
            return Outcome.DISCARDED;
        }
        catchUp();
        final FeedMessage m = decoder.decode(frame, message);
        switch (m.kind()) {
            case BOOK:
                return publishBook(m, sessionId, sessionSeq, receiveEpochNs, frame);
            case INVALID:
                if (m.error() == DecodeError.UNKNOWN_PRODUCT && ByteArrays.indexOf(frame, GAP_TYPE_BYTES) >= 0) {
                    // A recorded gap marker of a product this publisher does not carry: nothing of ours is in doubt.
                    metrics.unpublished("gap_of_other_product");
                    return Outcome.NOT_BOOK_DATA;
                }
                return deadLetter(sessionId, sessionSeq, receiveEpochNs, frame, m.error().name(), m.errorDetail(),
                        StaleScope.of(frame, 0, frame.length, registry));
            case GAP:
                if (source == Source.FILE) {
                    writeGap(m.gapProduct(), m.gapReason(), sessionId);
                    return Outcome.PUBLISHED;
                }
                // Our own marker type, coming from the exchange side: never let it pass for one of ours.
                return deadLetter(sessionId, sessionSeq, receiveEpochNs, frame, "RESERVED_TYPE",
                        "x-orderbook-gap is reserved for the ingestor's own gap markers", StaleScope.none());
            default:
                metrics.unpublished(m.kind().name().toLowerCase());
                return Outcome.NOT_BOOK_DATA;
        }
    }

    /**
     * Dead-letters a frame that could not even be read whole (a file line beyond the size limit): every product is
     * marked, as nothing says which book it concerned.
     *
     * @param prefix what was read of it (kept as the dead letter's value)
     */
    public Outcome publishUnreadable(final String sessionId, final long sessionSeq, final long receiveEpochNs,
                                     final byte[] prefix, final String reason, final String detail) {
        lastSession = sessionId;
        metrics.frame(prefix.length);
        awaitKafka();
        catchUp();
        return deadLetter(sessionId, sessionSeq, receiveEpochNs, prefix, reason, detail, StaleScope.all());
    }

    /**
     * Writes a gap marker for a product (unless it is already marked and had no snapshot since).
     *
     * @param sessionId the session whose continuity was lost
     */
    public void publishGap(final String productId, final String reason, final String sessionId) {
        catchUp();
        final Product product = registry.get(productId);
        if (product == null) {
            log.warn("Gap for a product that is not configured; ignored. product=[{}] reason=[{}]", productId,
                    reason);
            return;
        }
        writeGap(product, reason, sessionId);
    }

    /**
     * Marks every product (unless already marked), for example when the ingestor stops: downstream books must not
     * look live while nothing feeds them.
     */
    public void markAll(final String reason, final String sessionId) {
        catchUp();
        for (final Product product : allProducts()) {
            writeGap(product, reason, sessionId);
        }
    }

    /**
     * Fetches the topics' metadata before the first frame, so that a slow first metadata fetch (a remote cluster,
     * TLS) is not taken for an outage.
     *
     * @throws IllegalStateException when it is not available within {@code timeout}
     */
    public void warmUp(final Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        for (final String topic : List.of(config.rawTopic(), config.dlqTopic())) {
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

    /** True once the product has a snapshot published and no gap since. Any thread. */
    public boolean isLive(final String productId) {
        final Product product = registry.get(productId);
        return product != null && live.get(product.index()) == 1;
    }

    /** Bytes sent and not yet acknowledged. Any thread. */
    public long bufferedBytes() {
        return buffered.get();
    }

    /** True while frames are being discarded for lack of buffer. */
    public boolean isOverloaded() {
        return overloaded;
    }

    /** False while Kafka cannot be reached (a send found no metadata within max.block.ms). Any thread. */
    public boolean isKafkaAvailable() {
        return kafkaAvailable;
    }

    /**
     * Waits until every record sent so far is acknowledged or failed; then marks products whose records failed.
     * Markers still waiting for Kafka stay pending.
     */
    public void flush() {
        producer.flush();
        catchUp();
        producer.flush();
    }

    /**
     * Closes the producer, giving records in flight up to {@link #CLOSE_TIMEOUT} to be acknowledged (Kafka may be
     * down: closing must not wait for the whole delivery timeout).
     */
    @Override
    public void close() {
        probe.shutdownNow();
        try {
            catchUp();
        } finally {
            producer.close(CLOSE_TIMEOUT);
        }
    }

    // ---- book data -------------------------------------------------------------------------------------------

    private Outcome publishBook(final FeedMessage m, final String sessionId, final long sessionSeq,
                                final long receiveEpochNs, final byte[] frame) {
        if (m.protocol() == Protocol.EXCHANGE) {
            // One product per Exchange message.
            final Product product = m.eventProduct(0);
            if (!admit(frame.length + RECORD_OVERHEAD_BYTES, sessionId)) {
                return Outcome.DISCARDED;
            }
            send(config.rawTopic(), product, keys[product.index()], frame,
                    dataHeaders(sessionId, sessionSeq, receiveEpochNs), false);
            if (m.eventType(0) == EventType.SNAPSHOT) {
                snapshotPublished(product);
            }
            return Outcome.PUBLISHED;
        }
        final List<AdvancedTradeSplitter.ProductMessage> parts;
        try {
            parts = splitter.split(frame, 0, frame.length);
        } catch (final AdvancedTradeSplitter.NotSplittable e) {
            // The decoder accepted it, so this would be a disagreement between the two readers; never silent.
            return deadLetter(sessionId, sessionSeq, receiveEpochNs, frame, "NOT_SPLITTABLE", e.getMessage(),
                    StaleScope.of(frame, 0, frame.length, registry));
        }
        long total = 0;
        for (final AdvancedTradeSplitter.ProductMessage part : parts) {
            total += part.json().length + RECORD_OVERHEAD_BYTES;
        }
        if (!admit(total, sessionId)) {
            return Outcome.DISCARDED;
        }
        for (final AdvancedTradeSplitter.ProductMessage part : parts) {
            final Product product = registry.get(part.productId());
            send(config.rawTopic(), product, keys[product.index()], part.json(),
                    dataHeaders(sessionId, sessionSeq, receiveEpochNs), false);
        }
        for (int e = 0; e < m.eventCount(); e++) {
            if (m.eventType(e) == EventType.SNAPSHOT) {
                snapshotPublished(m.eventProduct(e));
            }
        }
        return Outcome.PUBLISHED;
    }

    private void snapshotPublished(final Product product) {
        marked[product.index()] = false;
        live.set(product.index(), 1);
    }

    // ---- dead letters and gaps -------------------------------------------------------------------------------

    private Outcome deadLetter(final String sessionId, final long sessionSeq, final long receiveEpochNs,
                               final byte[] frame, final String reason, final String detail, final StaleScope scope) {
        metrics.deadLetter(reason);
        log.warn("Frame not publishable; dead-lettered. sessionId=[{}] sessionSeq=[{}] bytes=[{}] reason=[{}] "
                + "detail=[{}] staleScope=[{}]", sessionId, sessionSeq, frame.length, reason, detail, scope);
        final RecordHeaders headers = dataHeaders(sessionId, sessionSeq, receiveEpochNs);
        headers.add(Header.DLQ_REASON.key(), reason.getBytes(StandardCharsets.UTF_8));
        headers.add(Header.DLQ_DETAIL.key(), String.valueOf(detail).getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_DLQ_SOURCE, SOURCE);
        final List<Product> products = scope.isAll() ? allProducts() : scope.products();
        final byte[] key = products.size() == 1 ? keys[products.get(0).index()] : null;
        // Dead letters are few and small beside the budget; they wait for no one.
        send(config.dlqTopic(), null, key, frame, headers, false);
        for (final Product product : products) {
            writeGap(product, GAP_INVALID, sessionId);
        }
        if (scope.isAll()) {
            // Not at once: a feed that keeps sending such frames would otherwise reconnect in a tight loop.
            control.dropConnection(sessionId, GAP_INVALID, reason + ": " + detail, BACKPRESSURE_RECONNECT_DELAY);
        } else {
            for (final Product product : products) {
                control.resnapshot(sessionId, product.id(), GAP_INVALID);
            }
        }
        return Outcome.DEAD_LETTERED;
    }

    private void writeGap(final Product product, final String reason, final String sessionId) {
        final int i = product.index();
        live.set(i, 0);
        if (marked[i]) {
            metrics.gapCoalesced();
            return;
        }
        marked[i] = true;
        metrics.gap(reason);
        if (!kafkaAvailable) {
            pending[i] = true;
            pendingReason[i] = reason;
            pendingSession[i] = sessionId;
            log.info("Gap marker pending until Kafka is back. product=[{}] reason=[{}] sessionId=[{}]", product.id(),
                    reason, sessionId);
            return;
        }
        sendMarker(product, reason, sessionId);
    }

    private void sendMarker(final Product product, final String reason, final String sessionId) {
        final ProducerRecord<byte[], byte[]> marker = markerRecord(product, reason, sessionId);
        send(marker.topic(), product, marker.key(), marker.value(), marker.headers(), true);
        log.info("Gap marker written. product=[{}] reason=[{}] sessionId=[{}]", product.id(), reason, sessionId);
    }

    /** A gap marker record: key the product, receive time now, the session that lost continuity. */
    private ProducerRecord<byte[], byte[]> markerRecord(final Product product, final String reason,
                                                       final String sessionId) {
        final long nowEpochNs = toEpochNs(System.nanoTime());
        final RecordHeaders headers = new RecordHeaders();
        headers.add(Header.RECEIVE_TIME_NS.key(), Header.longHeader(nowEpochNs));
        headers.add(Header.SESSION_ID.key(), sessionId.getBytes(StandardCharsets.UTF_8));
        final byte[] value = GapMarkers.toJson(product.id(), reason, Instant.ofEpochSecond(0, nowEpochNs).toString());
        return new ProducerRecord<>(config.rawTopic(), null, null, keys[product.index()], value, headers);
    }

    private List<Product> allProducts() {
        final Product[] all = new Product[keys.length];
        for (int i = 0; i < all.length; i++) {
            all[i] = registry.byIndex(i);
        }
        return List.of(all);
    }

    /**
     * Worker: once Kafka is available, writes the markers that waited for it, writes again the markers Kafka failed,
     * and marks the products whose records Kafka failed. A product already marked, with no snapshot since, needs
     * nothing for a failed data record: whether that record came before its marker (covered) or after it (applied
     * to a stale book anyway), its book stays stale until the snapshot already asked for. A lost snapshot leaves the
     * product unmarked, and it is marked here.
     */
    private void catchUp() {
        if (!kafkaAvailable) {
            return;
        }
        outageHandled = false;
        for (int i = 0; i < pending.length && kafkaAvailable; i++) {
            if (pending[i]) {
                pending[i] = false;
                sendMarker(registry.byIndex(i), pendingReason[i], pendingSession[i]);
            }
        }
        for (int i = 0; i < keys.length && kafkaAvailable; i++) {
            final boolean markerLost = markerFailed.getAndSet(i, 0) == 1;
            final boolean recordLost = recordFailed.getAndSet(i, 0) == 1;
            if (markerLost) {
                marked[i] = false;
            }
            if ((markerLost || recordLost) && !marked[i]) {
                final Product product = registry.byIndex(i);
                writeGap(product, GAP_PUBLISH_FAILED, lastSession);
                control.resnapshot(lastSession, product.id(), GAP_PUBLISH_FAILED);
            }
        }
    }

    // ---- buffer budget ---------------------------------------------------------------------------------------

    /**
     * Whether {@code bytes} more may be sent. Live: past the budget, every product is marked and the connection
     * dropped; frames are then discarded until the buffer is down to half, and a new session that arrives before
     * that is dropped too. File: waits.
     */
    private boolean admit(final long bytes, final String sessionId) {
        final long budget = config.bufferBudgetBytes();
        if (source == Source.FILE) {
            while (buffered.get() + bytes > budget && buffered.get() > 0) {
                catchUp();
                sleepMs(1);
            }
            return true;
        }
        if (overloaded) {
            if (buffered.get() > budget / 2) {
                discard(sessionId, "buffer still above half the budget");
                return false;
            }
            overloaded = false;
            log.info("Buffer drained; publishing again. bufferedBytes=[{}] budgetBytes=[{}]", buffered.get(), budget);
        }
        // A record larger than the whole budget goes alone, when nothing else is in flight.
        final long inFlight = buffered.get();
        if (inFlight > 0 && inFlight + bytes > budget) {
            overloaded = true;
            log.warn("Buffer budget exhausted (Kafka slow or down); marking gaps and dropping the connection. "
                    + "bufferedBytes=[{}] budgetBytes=[{}]", buffered.get(), budget);
            for (final Product product : allProducts()) {
                writeGap(product, GAP_BACKPRESSURE, sessionId);
            }
            discard(sessionId, "buffer budget exhausted");
            return false;
        }
        return true;
    }

    private void discard(final String sessionId, final String why) {
        metrics.discarded();
        if (!sessionId.equals(lastDroppedSession)) {
            lastDroppedSession = sessionId;
            // Kafka needs time: reconnecting at once would only be dropped again, and Coinbase limits attempts.
            control.dropConnection(sessionId, GAP_BACKPRESSURE, why, BACKPRESSURE_RECONNECT_DELAY);
        }
    }

    // ---- sending ---------------------------------------------------------------------------------------------

    private RecordHeaders dataHeaders(final String sessionId, final long sessionSeq, final long receiveEpochNs) {
        final RecordHeaders headers = new RecordHeaders();
        headers.add(Header.RECEIVE_TIME_NS.key(), Header.longHeader(receiveEpochNs));
        headers.add(Header.SESSION_ID.key(), sessionId.getBytes(StandardCharsets.UTF_8));
        headers.add(Header.SESSION_SEQ.key(), Header.longHeader(sessionSeq));
        return headers;
    }

    /**
     * Sends one record; a failure (now or later) flags its product for the worker. While Kafka is unavailable
     * nothing is handed to the producer (each send would block for max.block.ms): the product is flagged at once.
     */
    private void send(final String topic, final Product product, final byte[] key, final byte[] value,
                      final Headers headers, final boolean marker) {
        if (!kafkaAvailable) {
            lost(topic, product, marker, null);
            return;
        }
        final int size = value.length + (key == null ? 0 : key.length) + RECORD_OVERHEAD_BYTES;
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

    /**
     * Any thread: a record Kafka did not take (or was not given: {@code error} null while unavailable). Its product
     * is flagged for the worker; a timeout starts an outage.
     */
    private void lost(final String topic, final Product product, final boolean marker, final Throwable error) {
        metrics.publishFailure();
        if (error instanceof TimeoutException && kafkaAvailable) {
            outageSinceNs = System.nanoTime();
            if (product != null) {
                probeProduct = product.index();
            }
            kafkaAvailable = false;
            log.warn("Kafka unavailable (a record timed out); until a probe record is acknowledged, {}. topic=[{}] "
                    + "error=[{}]", source == Source.LIVE ? "frames are discarded and markers wait"
                    : "the file waits", topic, error.toString());
        }
        if (error != null && failuresLogged.getAndIncrement() % FAILURE_LOG_EVERY == 0) {
            log.warn("Kafka did not take a record; its product will be marked (logged every {}th). topic=[{}] "
                    + "product=[{}] marker=[{}] error=[{}]", FAILURE_LOG_EVERY, topic,
                    product == null ? "-" : product.id(), marker, error.toString());
        }
        if (product != null) {
            (marker ? markerFailed : recordFailed).set(product.index(), 1);
        }
    }

    /**
     * Worker, once per outage (live): every product is marked (the markers wait for Kafka) and the connection
     * dropped; until a probe record is acknowledged, frames are discarded and each new connection is dropped too.
     */
    private void handleOutage() {
        if (!outageHandled) {
            outageHandled = true;
            log.warn("Kafka unavailable; marking every product and dropping the connection until it is back. "
                    + "topic=[{}]", config.rawTopic());
            for (final Product p : allProducts()) {
                writeGap(p, GAP_KAFKA_UNAVAILABLE, lastSession);
            }
        }
        metrics.discarded();
        if (!lastSession.equals(lastDroppedSession)) {
            lastDroppedSession = lastSession;
            control.dropConnection(lastSession, GAP_KAFKA_UNAVAILABLE, "Kafka unavailable",
                    BACKPRESSURE_RECONNECT_DELAY);
        }
    }

    /**
     * Probe thread, while Kafka is unavailable: sends a real record (a gap marker of the product the outage concerns,
     * which is to be written anyway: a repeated marker changes nothing downstream) and ends the outage only when
     * Kafka acknowledges it. Cached metadata answering would prove nothing.
     */
    private void probeKafka() {
        if (kafkaAvailable || probeInFlight) {
            return;
        }
        probeInFlight = true;
        try {
            producer.send(markerRecord(registry.byIndex(probeProduct), GAP_KAFKA_UNAVAILABLE, lastSession),
                    (metadata, error) -> {
                        if (error == null && !kafkaAvailable) {
                            kafkaAvailable = true;
                            log.info("Kafka reachable again (probe record acknowledged). topic=[{}] outageMs=[{}]",
                                    config.rawTopic(), (System.nanoTime() - outageSinceNs) / 1_000_000);
                        }
                        probeInFlight = false;
                    });
        } catch (final RuntimeException e) {
            probeInFlight = false;
            log.debug("Kafka probe not sent. error=[{}]", e.toString());
        }
    }

    /**
     * Live: whether Kafka is available (frames are discarded otherwise). File: waits until it is, up to the delivery
     * timeout, and answers true.
     *
     * @throws IllegalStateException (file) when Kafka stays unavailable longer than the delivery timeout
     */
    private boolean awaitKafka() {
        if (source == Source.LIVE) {
            if (!kafkaAvailable) {
                handleOutage();
                return false;
            }
            return true;
        }
        while (!kafkaAvailable) {
            if (System.nanoTime() - outageSinceNs > config.deliveryTimeout().toNanos()) {
                throw new IllegalStateException("Kafka at " + config.bootstrapServers() + " unavailable for more "
                        + "than " + config.deliveryTimeout().toSeconds() + " s");
            }
            sleepMs(10);
        }
        return true;
    }

    private static void sleepMs(final long ms) {
        try {
            Thread.sleep(ms);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
    }
}
