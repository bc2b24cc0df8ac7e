package dev.orderbook.ingestor.publish;

import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.DecodeError;
import dev.orderbook.codec.EventType;
import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.RawMarkers;
import dev.orderbook.codec.StaleScope;
import dev.orderbook.codec.io.ByteArrays;
import dev.orderbook.codec.model.Product;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.contract.DeadLetterReason;
import dev.orderbook.contract.GapReason;
import dev.orderbook.ingestor.frame.DecodedFrame;
import dev.orderbook.ingestor.frame.EpochClock;

import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Turns decoded feed frames into raw-topic records, the contract of shared/DESIGN.md: every book message verbatim,
 * keyed by product (an Advanced Trade message cut into one message per product, {@link ProductParts}), with receive
 * time, session, session position and product sequence headers ({@link RawRecords}); a gap marker wherever
 * continuity for a product is lost; a dead letter, with the reason, for a frame that cannot be published as it is.
 * Shared by the live ingestor and {@code publish} (a recorded file), so both write exactly the same records.
 *
 * <p>The work is split: {@link ProductContinuity} keeps each product's marker state and sequence,
 * {@link KafkaSender} talks to Kafka (budget accounting, failures, outages), {@link Backpressure} decides what a full
 * buffer or an outage means for the source, and this class routes frames and acts on those decisions. What the feed
 * should do about a loss (a fresh snapshot, a new connection) is recorded in {@link #requests()} for the owner to
 * act on: the publisher never calls into the feed.
 *
 * <p>Continuity rules. A gap marker is written for a product, in order with its records, when:
 * <ul>
 *   <li>the source reports a gap ({@link #publishGap}: disconnect, sequence, silence...);</li>
 *   <li>a frame that concerns the product is unparseable (it goes to the dead-letter topic; reason
 *       {@code invalid}), and a fresh snapshot is requested;</li>
 *   <li>Kafka fails a record of the product (reason {@code publish-failed}; written before the next record);</li>
 *   <li>the buffer budget is exhausted (reason {@code backpressure}, every product) and a new connection is
 *       requested; frames are discarded until the buffer has drained to half the budget;</li>
 *   <li>Kafka cannot be reached (reason {@code kafka-unavailable}, every product): frames are discarded and the
 *       markers wait in memory until a probe record is acknowledged;</li>
 *   <li>the ingestor starts or stops ({@link #markAll}, reasons {@code startup} and {@code shutdown}).</li>
 * </ul>
 * A product already marked, with no snapshot published since, is not marked again (its book is stale either way); a
 * marker that Kafka itself fails is written again.
 *
 * <p>Threading: {@link #publishFrame}, {@link #publishUnreadable}, {@link #publishGap}, {@link #markAll},
 * {@link #flush} and {@link #requests()} are called by one thread (the feed's worker, or the file reader). Producer
 * callbacks and the Kafka probe touch only atomics and volatiles. {@link #isLive}, {@link #bufferedBytes},
 * {@link #isOverloaded} and {@link #isKafkaAvailable} may be read from any thread.
 */
public final class RawPublisher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RawPublisher.class);
    private static final byte[] GAP_TYPE_BYTES = ("\"" + CoinbaseDecoder.GAP_TYPE + "\"")
            .getBytes(StandardCharsets.UTF_8);

    /** What happened to a frame. */
    public enum Outcome {
        /** Book data, sent to the raw topic. */
        PUBLISHED,
        /** Not for the raw topic: heartbeat, subscription confirmation, exchange error, unknown type. */
        NOT_BOOK_DATA,
        /** Sent to the dead-letter topic; gap markers written for the products it concerned. */
        DEAD_LETTERED,
        /** Dropped for lack of buffer or of Kafka; covered by gap markers. */
        DISCARDED
    }

    /** Where frames come from, which decides how a full buffer and a recorded gap marker are handled. */
    public enum Source {
        /**
         * The live feed: a full buffer discards, marks gaps and asks for a new connection; a frame of the reserved
         * gap-marker type is dead-lettered (the exchange never sends one).
         */
        LIVE,
        /**
         * A recorded file: a full buffer waits (the file can wait, nothing is lost); a recorded gap marker is
         * written as a gap marker.
         */
        FILE
    }

    private final PublisherConfig config;
    private final byte[] epoch;
    private final IngestMetrics metrics;
    private final ProductRegistry registry;
    private final byte[][] keys;
    private final ProductContinuity continuity;
    private final KafkaSender sender;
    private final Backpressure backpressure;
    private final ProductParts parts = new ProductParts();
    private final FeedRequests requests = new FeedRequests();
    /** The session of the last frame; what the Kafka probe and failure markers name. */
    private volatile String lastSession = "";

    /**
     * @param producer idempotent producer built from {@link PublisherConfig#producerProperties}; closed by
     *                 {@link #close()}
     * @param source   live feed or recorded file
     * @param leaderEpoch the leadership epoch stamped on every record ({@code ob-leader-epoch}; 0 for a file)
     */
    public RawPublisher(final PublisherConfig config, final Producer<byte[], byte[]> producer,
                        final IngestMetrics metrics, final Source source, final long leaderEpoch) {
        this.config = config;
        this.epoch = RawRecords.epoch(leaderEpoch);
        this.metrics = metrics;
        this.registry = config.registry();
        final int n = config.products().size();
        this.keys = new byte[n][];
        for (int i = 0; i < n; i++) {
            keys[i] = registry.byIndex(i).id().getBytes(StandardCharsets.UTF_8);
        }
        this.continuity = new ProductContinuity(n);
        this.sender = new KafkaSender(producer, metrics, continuity::failed, source == Source.LIVE
                ? "frames are discarded and markers wait" : "the file waits");
        sender.probeWith(product -> markerRecord(product, GapReason.KAFKA_UNAVAILABLE, lastSession));
        this.backpressure = source == Source.LIVE
                ? Backpressure.live(sender, config.bufferBudgetBytes())
                : Backpressure.file(sender, config.bufferBudgetBytes(), config.deliveryTimeout(),
                        config.bootstrapServers(), this::catchUp);
    }

    /** What the feed should do about losses so far; the owner drains it after each call, on this thread. */
    public FeedRequests requests() {
        return requests;
    }

    /**
     * Publishes one decoded frame as the contract says.
     *
     * @param frame decoded with a decoder from {@link PublisherConfig#newDecoder()}; its bytes are kept by records
     */
    public Outcome publishFrame(final DecodedFrame frame) {
        final String sessionId = frame.sessionId();
        lastSession = sessionId;
        metrics.frame(frame.bytes().length);
        if (!sender.isAvailable() && !act(backpressure.whileUnavailable(sessionId), sessionId,
                GapReason.KAFKA_UNAVAILABLE, "Kafka unavailable")) {
            return Outcome.DISCARDED;
        }
        catchUp();
        final FeedMessage m = frame.message();
        switch (m.kind()) {
            case BOOK:
                return publishBook(frame);
            case INVALID:
                if (m.error() == DecodeError.UNKNOWN_PRODUCT && ByteArrays.indexOf(frame.bytes(), GAP_TYPE_BYTES) >= 0) {
                    // A recorded gap marker of a product this publisher does not carry: nothing of ours is in doubt.
                    metrics.unpublished("gap_of_other_product");
                    return Outcome.NOT_BOOK_DATA;
                }
                // The codec's view could not be completed; which books the frame was about is read off its JSON.
                return deadLetter(frame, frame.bytes(), DeadLetterReason.of(m.error()), m.errorDetail(),
                        StaleScope.of(frame.bytes(), 0, frame.bytes().length, registry));
            case GAP:
                if (!backpressure.isLive()) {
                    writeGap(m.markerProduct().index(), GapReason.ofWireName(m.gapReason()), sessionId);
                    return Outcome.PUBLISHED;
                }
                // Our own marker type, coming from the exchange side: never let it pass for one of ours.
                return deadLetter(frame, frame.bytes(), DeadLetterReason.RESERVED_TYPE,
                        CoinbaseDecoder.GAP_TYPE + " is reserved for the ingestor's own gap markers", StaleScope.none());
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
                                     final byte[] prefix, final DeadLetterReason reason, final String detail) {
        lastSession = sessionId;
        metrics.frame(prefix.length);
        if (!sender.isAvailable()) {
            act(backpressure.whileUnavailable(sessionId), sessionId, GapReason.KAFKA_UNAVAILABLE, "Kafka unavailable");
        }
        catchUp();
        return deadLetter(sessionId, sessionSeq, receiveEpochNs, prefix, reason, detail, StaleScope.all());
    }

    /**
     * Writes a gap marker for a product (unless it is already marked and had no snapshot since).
     *
     * @param sessionId the session whose continuity was lost
     */
    public void publishGap(final String productId, final GapReason reason, final String sessionId) {
        catchUp();
        final Product product = registry.get(productId);
        if (product == null) {
            log.warn("Gap for a product that is not configured; ignored. product=[{}] reason=[{}]", productId,
                    reason);
            return;
        }
        writeGap(product.index(), reason, sessionId);
    }

    /**
     * Marks every product (unless already marked), for example when the ingestor starts or stops: downstream books
     * must not look live while nothing feeds them, nor carry on from another ingestor's records.
     */
    public void markAll(final GapReason reason, final String sessionId) {
        catchUp();
        for (int i = 0; i < keys.length; i++) {
            writeGap(i, reason, sessionId);
        }
    }

    /**
     * Writes a liveness record for each product whose feed the source calls healthy and that is live here (a
     * snapshot published and no gap since), in {@code sessionId}, numbered in the product's sequence: downstream, it
     * proves that the product's feed is alive and that every record before it was written. Nothing is written while
     * Kafka is unavailable or the buffer overloaded: the silence is the message.
     *
     * @param healthy per product index
     */
    public void publishLiveness(final String sessionId, final boolean[] healthy) {
        if (!sender.isAvailable() || backpressure.isOverloaded()) {
            return;
        }
        catchUp();
        final long nowEpochNs = EpochClock.nowEpochNs();
        final String time = Instant.ofEpochSecond(0, nowEpochNs).toString();
        for (int i = 0; i < keys.length; i++) {
            if (healthy[i] && continuity.isLive(i)) {
                sender.send(config.rawTopic(), i, keys[i], RawMarkers.liveness(registry.byIndex(i).id(), time),
                        RawRecords.headers(epoch, sessionId, 0, continuity.nextSeq(i, sessionId), nowEpochNs),
                        false);
                metrics.liveness();
            }
        }
    }

    /**
     * Fetches the topics' metadata before the first frame, so that a slow first metadata fetch (a remote cluster,
     * TLS) is not taken for an outage.
     *
     * @throws IllegalStateException when it is not available within {@code timeout}
     */
    public void warmUp(final Duration timeout) {
        sender.warmUp(List.of(config.rawTopic(), config.dlqTopic()), timeout);
    }

    /** True once the product has a snapshot published and no gap since. Any thread. */
    public boolean isLive(final String productId) {
        final Product product = registry.get(productId);
        return product != null && continuity.isLive(product.index());
    }

    /** Bytes sent and not yet acknowledged. Any thread. */
    public long bufferedBytes() {
        return sender.buffered();
    }

    /** True while frames are being discarded for lack of buffer. */
    public boolean isOverloaded() {
        return backpressure.isOverloaded();
    }

    /** False while Kafka cannot be reached (a record timed out and no probe has been acknowledged since). */
    public boolean isKafkaAvailable() {
        return sender.isAvailable();
    }

    /**
     * Waits until every record sent so far is acknowledged or failed; then marks products whose records failed.
     * Markers still waiting for Kafka stay pending.
     */
    public void flush() {
        sender.flush();
        catchUp();
        sender.flush();
    }

    /**
     * Closes the producer, giving records in flight up to {@link KafkaSender#CLOSE_TIMEOUT} to be acknowledged (Kafka
     * may be down: closing must not wait for the whole delivery timeout).
     */
    @Override
    public void close() {
        try {
            catchUp();
        } finally {
            sender.close(KafkaSender.CLOSE_TIMEOUT);
        }
    }

    /**
     * Closes the producer at once, dropping every record not yet written: for an ingestor that lost its right to
     * publish, whose records waiting in the producer (a network partition) must never land after another's. Any
     * thread, once nothing else calls the publisher.
     */
    public void abort() {
        sender.close(Duration.ZERO);
    }

    // ---- book data -------------------------------------------------------------------------------------------

    private Outcome publishBook(final DecodedFrame frame) {
        final FeedMessage m = frame.message();
        final String sessionId = frame.sessionId();
        final int n = parts.cut(m, frame.bytes());
        long cost = 0;
        for (int p = 0; p < n; p++) {
            cost += KafkaSender.cost(keys[parts.product(p).index()], parts.value(p));
        }
        if (!act(backpressure.admit(cost, sessionId), sessionId, GapReason.BACKPRESSURE, "buffer budget exhausted")) {
            return Outcome.DISCARDED;
        }
        for (int p = 0; p < n; p++) {
            final int product = parts.product(p).index();
            sender.send(config.rawTopic(), product, keys[product], parts.value(p), RawRecords.headers(epoch,
                    sessionId, frame.sessionSeq(), continuity.nextSeq(product, sessionId), frame.receiveEpochNs()),
                    false);
        }
        for (int e = 0; e < m.eventCount(); e++) {
            if (m.eventType(e) == EventType.SNAPSHOT) {
                continuity.snapshotPublished(m.eventProduct(e).index());
            }
        }
        return Outcome.PUBLISHED;
    }

    /**
     * Carries out a backpressure decision.
     *
     * @return true if the frame may be sent
     */
    private boolean act(final Backpressure.Admission admission, final String sessionId, final GapReason reason,
                        final String why) {
        switch (admission) {
            case SEND:
                return true;
            case MARK_ALL_AND_RECONNECT:
                if (reason == GapReason.KAFKA_UNAVAILABLE) {
                    log.warn("Kafka unavailable; marking every product and dropping the connection until it is back. "
                            + "topic=[{}]", config.rawTopic());
                }
                for (int i = 0; i < keys.length; i++) {
                    writeGap(i, reason, sessionId);
                }
                requests.reconnect(sessionId, reason, why, Backpressure.RECONNECT_DELAY);
                break;
            case DISCARD_AND_RECONNECT:
                requests.reconnect(sessionId, reason, why, Backpressure.RECONNECT_DELAY);
                break;
            default:
                break;
        }
        metrics.discarded();
        return false;
    }

    // ---- dead letters and gaps -------------------------------------------------------------------------------

    private Outcome deadLetter(final DecodedFrame frame, final byte[] value, final DeadLetterReason reason,
                               final String detail, final StaleScope scope) {
        return deadLetter(frame.sessionId(), frame.sessionSeq(), frame.receiveEpochNs(), value, reason, detail, scope);
    }

    private Outcome deadLetter(final String sessionId, final long sessionSeq, final long receiveEpochNs,
                               final byte[] value, final DeadLetterReason reason, final String detail,
                               final StaleScope scope) {
        metrics.deadLetter(reason.name());
        log.warn("Frame not publishable; dead-lettered. sessionId=[{}] sessionSeq=[{}] bytes=[{}] reason=[{}] "
                + "detail=[{}] staleScope=[{}]", sessionId, sessionSeq, value.length, reason, detail, scope);
        final RecordHeaders headers = RawRecords.deadLetter(RawRecords.headers(epoch, sessionId, sessionSeq, 0,
                receiveEpochNs), reason, detail);
        final int products = scope.isAll() ? keys.length : scope.products().size();
        final byte[] key = products == 1 ? keys[scope.isAll() ? 0 : scope.products().get(0).index()] : null;
        // Dead letters are few and small beside the budget; they wait for no one.
        sender.send(config.dlqTopic(), KafkaSender.NO_PRODUCT, key, value, headers, false);
        if (scope.isAll()) {
            for (int i = 0; i < keys.length; i++) {
                writeGap(i, GapReason.INVALID, sessionId);
            }
            // Not at once: a feed that keeps sending such frames would otherwise reconnect in a tight loop.
            requests.reconnect(sessionId, GapReason.INVALID, reason + ": " + detail, Backpressure.RECONNECT_DELAY);
        } else {
            for (final Product product : scope.products()) {
                writeGap(product.index(), GapReason.INVALID, sessionId);
                requests.resnapshot(sessionId, product.id(), GapReason.INVALID);
            }
        }
        return Outcome.DEAD_LETTERED;
    }

    private void writeGap(final int product, final GapReason reason, final String sessionId) {
        if (!continuity.lose(product)) {
            metrics.gapCoalesced();
            return;
        }
        metrics.gap(reason.wireName());
        if (!sender.isAvailable()) {
            continuity.defer(product, reason, sessionId);
            log.info("Gap marker pending until Kafka is back. product=[{}] reason=[{}] sessionId=[{}]",
                    registry.byIndex(product).id(), reason.wireName(), sessionId);
            return;
        }
        sendMarker(product, reason, sessionId);
    }

    private void sendMarker(final int product, final GapReason reason, final String sessionId) {
        final ProducerRecord<byte[], byte[]> marker = markerRecord(product, reason, sessionId);
        sender.send(marker.topic(), product, marker.key(), marker.value(), marker.headers(), true);
        log.info("Gap marker written. product=[{}] reason=[{}] sessionId=[{}]", registry.byIndex(product).id(),
                reason.wireName(), sessionId);
    }

    /** A gap marker record: key the product, receive time now, the session that lost continuity. */
    private ProducerRecord<byte[], byte[]> markerRecord(final int product, final GapReason reason,
                                                       final String sessionId) {
        final long nowEpochNs = EpochClock.nowEpochNs();
        final RecordHeaders headers = RawRecords.headers(epoch, sessionId, 0, continuity.nextSeq(product, sessionId),
                nowEpochNs);
        return new ProducerRecord<>(config.rawTopic(), null, null, keys[product],
                RawRecords.gapMarker(registry.byIndex(product).id(), reason, nowEpochNs), headers);
    }

    /**
     * Once Kafka is available: writes the markers that waited for it, writes again the markers Kafka failed, and
     * marks the products whose records Kafka failed. A product already marked, with no snapshot since, needs nothing
     * for a failed data record: whether that record came before its marker (covered) or after it (applied to a stale
     * book anyway), its book stays stale until the snapshot already asked for. A lost snapshot leaves the product
     * unmarked, and it is marked here.
     */
    private void catchUp() {
        if (!sender.isAvailable()) {
            return;
        }
        backpressure.kafkaAvailable();
        for (int i = 0; i < keys.length && sender.isAvailable(); i++) {
            if (continuity.isPending(i)) {
                final GapReason reason = continuity.pendingReason(i);
                final String session = continuity.pendingSession(i);
                continuity.clearPending(i);
                sendMarker(i, reason, session);
            }
        }
        for (int i = 0; i < keys.length && sender.isAvailable(); i++) {
            final boolean markerLost = continuity.takeMarkerFailure(i);
            final boolean recordLost = continuity.takeRecordFailure(i);
            if (markerLost) {
                continuity.markerLost(i);
            }
            if ((markerLost || recordLost) && !continuity.isMarked(i)) {
                final String session = lastSession;
                writeGap(i, GapReason.PUBLISH_FAILED, session);
                requests.resnapshot(session, registry.byIndex(i).id(), GapReason.PUBLISH_FAILED);
            }
        }
    }
}
