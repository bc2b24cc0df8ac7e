package dev.orderbook.book.processor;

import dev.orderbook.book.engine.AlertThresholds;
import dev.orderbook.book.engine.BookEngine;
import dev.orderbook.book.engine.CrossedPolicy;
import dev.orderbook.book.engine.EngineStats;
import dev.orderbook.book.engine.ProductBook;
import dev.orderbook.book.engine.SummarySink;
import dev.orderbook.book.orderbook.BookSide;
import dev.orderbook.book.orderbook.OrderBook;
import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.DecodeError;
import dev.orderbook.codec.EventType;
import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.MessageKind;
import dev.orderbook.codec.StaleScope;
import dev.orderbook.codec.io.ByteArrays;
import dev.orderbook.codec.io.ByteSink;
import dev.orderbook.codec.model.Product;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.codec.model.Side;
import dev.orderbook.contract.ControlRequest;
import dev.orderbook.contract.DeadLetterReason;
import dev.orderbook.contract.Header;
import dev.orderbook.contract.summary.BookState;
import dev.orderbook.contract.summary.StateReason;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Applies the raw topic's records to one {@link BookEngine} per task (the same book logic as the offline replay),
 * keeps every level it changes in the task's changelogged store, and forwards one summary per top-of-book change to
 * the summaries sink (and alerts, dead letters and snapshot requests to theirs). Records it cannot apply go to the
 * dead-letter sink with their bytes, headers and reason; processing goes on.
 *
 * <p>A book is live only while that is proven. Every raw record carries its ingest session and its number among its
 * product's records ({@link Header#PRODUCT_SEQ}): a record that does not continue its product's chain
 * ({@link ProductChains}) makes the book stale, as does a jump in the raw offsets (records deleted before they were
 * read). A wall-clock watchdog (every {@link #watchdogInterval}) makes a live book stale when nothing of its product
 * (data or liveness record) was seen for {@code staleAfterMs}; the next record that continues the chain makes it live
 * again by itself. A book that is stale for any other reason, or crossed, asks the ingestor for a fresh snapshot on
 * the control topic (at once when the ingestor cannot know of the trouble, otherwise after {@code resnapshotRetryMs},
 * and again at that interval while it is not live).
 *
 * <p>State: the in-memory books are the hot path; {@link TaskStores} keeps them. In the checkpoint layout (the
 * default), a checkpoint of the task's books every {@link Checkpointing interval} and after anything the records alone
 * would not repeat, nothing per record; {@link #init} loads the last checkpoint and applies the raw records after it,
 * up to the committed offset, again. In the level layouts, the level store (the same levels, written as they change)
 * and the meta store (cached, so its changelog gets one record per book per commit: each book's state, last emitted
 * top and chain, and each partition's last offset, written on every record); {@link #init} rebuilds the books from
 * both. Either way, after a restart or a rebalance a book has exactly the levels, state and chain it had at the last
 * commit. Its parts: {@link ProductChains} and {@link RawOffsets} (continuity), {@link BookWatch} (silence and
 * snapshot requests), {@link DeadLetters}.
 *
 * <p>One instance per task; called on its stream thread. Queries ({@link LocalBooks}) read a copy of a book under the
 * task's lock, held by the stream thread while it processes a record or punctuates.
 */
public final class BookUpdateProcessor implements Processor<byte[], byte[], byte[], byte[]>, LocalBooks.Source {
    private static final Logger log = LoggerFactory.getLogger(BookUpdateProcessor.class);
    private static final byte[][] BOOK_LIKE_KEYS = {
        "\"changes\"".getBytes(StandardCharsets.US_ASCII), "\"bids\"".getBytes(StandardCharsets.US_ASCII),
        "\"asks\"".getBytes(StandardCharsets.US_ASCII), "\"updates\"".getBytes(StandardCharsets.US_ASCII),
    };

    /** Child names the topology connects to. */
    public static final String SUMMARIES_CHILD = "summaries-sink";
    public static final String ALERTS_CHILD = "alerts-sink";
    public static final String DLQ_CHILD = "dlq-sink";
    public static final String CONTROL_CHILD = "control-sink";

    /**
     * What a processor needs from the configuration. Immutable.
     *
     * @param storeName the level store
     * @param metaStoreName the meta store
     * @param maxMessageBytes larger raw values are dead letters ({@code OVERSIZED})
     * @param staleAfterMs a live book that hears nothing of its product for this long is stale
     * @param resnapshotRetryMs how often a book that is not live asks for a snapshot again
     * @param localBooks where the tasks register for queries
     */
    public record Settings(AlertThresholds thresholds, CrossedPolicy crossedPolicy, String storeName,
                           String metaStoreName, int maxMessageBytes, long staleAfterMs, long resnapshotRetryMs,
                           ProcessorMetrics metrics, LocalBooks localBooks, Checkpointing checkpointing) {
        /** The level layouts: every level in the level store {@code storeName}. */
        public Settings(final AlertThresholds thresholds, final CrossedPolicy crossedPolicy, final String storeName,
                        final String metaStoreName, final int maxMessageBytes, final long staleAfterMs,
                        final long resnapshotRetryMs, final ProcessorMetrics metrics, final LocalBooks localBooks) {
            this(thresholds, crossedPolicy, storeName, metaStoreName, maxMessageBytes, staleAfterMs, resnapshotRetryMs,
                    metrics, localBooks, null);
        }

        public Settings {
            if (thresholds == null || crossedPolicy == null || storeName == null || metaStoreName == null
                    || metrics == null || localBooks == null) {
                throw new IllegalArgumentException("settings may not be null");
            }
            if (maxMessageBytes <= 0 || staleAfterMs <= 0 || resnapshotRetryMs <= 0) {
                throw new IllegalArgumentException("sizes and durations must be positive");
            }
        }

        /** Whether the books are kept as checkpoints (no level store). */
        boolean checkpointed() {
            return checkpointing != null;
        }

        /** How often the watchdog looks: often enough that a silent book is stale soon after staleAfterMs. */
        Duration watchdogInterval() {
            return Duration.ofMillis(Math.max(50, Math.min(1_000, staleAfterMs / 5)));
        }
    }

    /**
     * The checkpoint layout: instead of every level, the task's books as they stood after one raw record, written
     * to the checkpoint store {@code storeName} every {@code everyChanges} level changes (snapshot levels count) or,
     * if the books changed at all, every {@code everyMs}; a task that starts loads the checkpoint and applies the raw
     * records after it again, emitting nothing, read through {@code history}. The interval bounds what a start reads
     * again, and the checkpoints' size over the interval is the changelog's cost per change.
     *
     * @param storeName    the checkpoint store
     * @param rawTopic     the raw topic, to read again
     * @param history      how it is read again
     * @param everyChanges level changes between checkpoints
     * @param everyMs      time between checkpoints of books that changed
     */
    public record Checkpointing(String storeName, String rawTopic, RawHistory history, long everyChanges,
                                long everyMs) {
        public Checkpointing {
            if (storeName == null || rawTopic == null || history == null || everyChanges < 1 || everyMs < 1) {
                throw new IllegalArgumentException("checkpointing needs a store, the raw topic, its history and "
                        + "positive intervals");
            }
        }
    }

    private final Settings settings;
    private final ReentrantLock lock = new ReentrantLock();
    /** Applying raw records again after a checkpoint: the books change, nothing is forwarded or counted. */
    private boolean replaying;
    /** A record was missing while replaying (retention deleted it): the books cannot be the committed ones. */
    private boolean replayLost;
    /**
     * Books a restore found in doubt: they say so (a stale summary) at the first record or punctuation, where a
     * summary can be forwarded (not in {@link #init}).
     */
    private final java.util.Map<Product, StateReason> pendingStale = new java.util.LinkedHashMap<>();
    /**
     * Something happened that applying the raw records again would not repeat (a watchdog's verdict, a deposed
     * ingestor's record let in after silence, what a start found): the checkpoint layout writes a checkpoint at once,
     * in the same transaction, so that a start never applies records across it.
     */
    private boolean unrepeatable;
    private long changesAtCheckpoint;
    private long recordsSinceCheckpoint;
    private long checkpointAtMs;
    private ProcessorContext<byte[], byte[]> context;
    private TaskStores stores;
    private DeadLetters deadLetters;
    private ProductRegistry products;
    private CoinbaseDecoder decoder;
    private BookEngine engine;
    private final FeedMessage msg = new FeedMessage();
    private final ProductChains chains = new ProductChains();
    private final BookWatch watch;
    private final SummarySink sink = this::onSummary;
    private Record<byte[], byte[]> current;
    private long nowMs;
    private final EngineStats seen = new EngineStats();
    private final RawOffsets offsets = new RawOffsets();
    private boolean warnedUnsequenced;
    private long lastFencedEpoch = -1;

    public BookUpdateProcessor(final Settings settings) {
        this.settings = settings;
        this.watch = new BookWatch(settings.staleAfterMs(), settings.resnapshotRetryMs());
    }

    @Override
    public void init(final ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.stores = settings.checkpointed()
                ? TaskStores.checkpoints(context.getStateStore(settings.checkpointing().storeName()))
                : TaskStores.levels(context.getStateStore(settings.storeName()),
                        context.getStateStore(settings.metaStoreName()));
        this.deadLetters = new DeadLetters(context, DLQ_CHILD, settings.metrics());
        // Everything is rebuilt here: Kafka Streams re-initialises a revived task on the same instance.
        this.products = ProductRegistry.open();
        this.decoder = new CoinbaseDecoder(products, settings.maxMessageBytes());
        this.engine = new BookEngine(settings.thresholds(), false, settings.crossedPolicy(), stores);
        chains.clear();
        watch.clear();
        offsets.clear();
        pendingStale.clear();
        unrepeatable = false;
        copyStats(new EngineStats(), seen);
        if (settings.checkpointed()) {
            restoreFromCheckpoint();
        } else {
            restore();
        }
        copyStats(engine.stats(), seen);
        changesAtCheckpoint = engine.stats().changes + engine.stats().snapshotLevels;
        recordsSinceCheckpoint = 0;
        checkpointAtMs = context.currentSystemTimeMs();
        context.schedule(settings.watchdogInterval(), PunctuationType.WALL_CLOCK_TIME, this::watchdog);
        settings.localBooks().register(this);
    }

    /** Rebuilds the engine's books, their chains and the partitions' offsets from the stores. */
    private void restore() {
        final long startNs = System.nanoTime();
        final long now = context.currentSystemTimeMs();
        final List<TaskStores.StoredBook> books = stores.readMeta(products, offsets::read);
        long levels = 0;
        for (final TaskStores.StoredBook stored : books) {
            final Product product = stored.product();
            final ProductBook pb = engine.restore(product, stored.stored().meta());
            restartChain(product, stored.stored());
            levels += stores.loadLevels(product, pb.book());
            watchRestored(pb, now);
        }
        log.info("Restored books from the store. task=[{}] books=[{}] levels=[{}] elapsedMs=[{}]",
                context.taskId(), books.size(), levels, (System.nanoTime() - startNs) / 1_000_000);
    }

    @Override
    public void process(final Record<byte[], byte[]> record) {
        final RecordMetadata metadata = context.recordMetadata().orElse(null);
        if (metadata != null && offsets.applied(metadata.partition(), metadata.offset())) {
            // At-least-once delivers again what the books already have (the stores ran ahead of the committed
            // offsets before a crash): applying it twice would make tops that never existed.
            settings.metrics().reappliedSkipped();
            return;
        }
        lock.lock();
        try {
            nowMs = context.currentSystemTimeMs();
            announcePendingStale();
            handle(record, metadata == null ? -1 : metadata.partition(), metadata == null ? -1 : metadata.offset());
            stores.persistChanged(engine, chains);
            if (metadata != null && settings.checkpointed()) {
                checkpointIfDue(metadata.partition(), metadata.offset());
            }
        } finally {
            lock.unlock();
            publishStats();
        }
    }

    /** Applies one raw record (live, or again after a checkpoint); {@code partition} -1 when unknown. */
    private void handle(final Record<byte[], byte[]> record, final int partition, final long offset) {
        current = record;
        try {
            if (partition >= 0) {
                checkOffset(partition, offset);
            }
            apply(record);
            if (partition >= 0 && !replaying) {
                stores.offsetRead(partition, offset);
            }
        } finally {
            current = null;
        }
    }

    // ---- checkpoints -----------------------------------------------------------------------------------------

    /**
     * Writes a checkpoint when the work a start would redo since the last one (level changes, and records, which a
     * start reads again even when they change nothing, such as updates of a stale book) reaches the interval, or when
     * the interval's time has passed.
     */
    private void checkpointIfDue(final int partition, final long offset) {
        recordsSinceCheckpoint++;
        final EngineStats s = engine.stats();
        final long work = s.changes + s.snapshotLevels - changesAtCheckpoint + recordsSinceCheckpoint;
        final Checkpointing c = settings.checkpointing();
        if (unrepeatable || work >= c.everyChanges() || nowMs - checkpointAtMs >= c.everyMs()) {
            writeCheckpoint(partition, offset);
        }
    }

    /**
     * A checkpoint now, if something happened that applying the raw records again would not repeat ({@link
     * #unrepeatable}): a watchdog's verdict between records.
     */
    private void checkpointIfUnrepeatable() {
        if (unrepeatable && settings.checkpointed()) {
            final int partition = context.taskId().partition();
            writeCheckpoint(partition, offsets.last(partition));
        }
    }

    private void writeCheckpoint(final int partition, final long offset) {
        final EngineStats s = engine.stats();
        final int bytes = stores.writeCheckpoint(partition, offset, engine, chains);
        settings.metrics().checkpoint(bytes);
        changesAtCheckpoint = s.changes + s.snapshotLevels;
        recordsSinceCheckpoint = 0;
        checkpointAtMs = nowMs;
        unrepeatable = false;
    }

    /**
     * The checkpoint layout's restore: the task's last checkpoint, then the raw records after it up to the last one
     * the application committed (its committed offset, read from the broker), applied again without emitting
     * anything. That rebuilds each book's levels, state, last top and chain exactly: they are a function of the
     * records, except for what happens between records (the watchdog's verdicts, a deposed ingestor's records let in
     * after silence), and each of those is followed at once by a checkpoint ({@link #unrepeatable}), so the records
     * read again never cross one. Under at-least-once a checkpoint may be ahead of the committed offset (written, then
     * the crash before the offsets were): the records it holds are skipped when delivered again; those after it and
     * before the crash are applied again, and their summaries, each a top that was, are sent again.
     * A record missing on the way (retention) leaves the task's books stale ({@code raw-offset-gap}).
     */
    private void restoreFromCheckpoint() {
        final long startNs = System.nanoTime();
        final long now = context.currentSystemTimeMs();
        nowMs = now;
        final int partition = context.taskId().partition();
        final Checkpointing checkpointing = settings.checkpointing();
        final long applied = checkpointing.history().committedOffset(checkpointing.rawTopic(), partition) - 1;
        final BookCheckpointCodec.Checkpoint checkpoint = stores.checkpoint(partition);
        long levels = 0;
        if (checkpoint != null) {
            for (final BookCheckpointCodec.Book b : checkpoint.books()) {
                final Product product = products.get(b.productId());
                final BookMetaCodec.Stored meta = BookMetaCodec.decode(b.meta());
                final ProductBook pb = engine.restore(product, meta.meta());
                load(pb.book(), b);
                levels += b.bidPrices().length + b.askPrices().length;
                restartChain(product, meta);
            }
            offsets.read(partition, checkpoint.offset());
        }
        final long from = checkpoint == null ? 0 : checkpoint.offset() + 1;
        long replayed = 0;
        if (applied >= from) {
            replaying = true;
            replayLost = false;
            final long[] count = {0};
            try {
                checkpointing.history().read(checkpointing.rawTopic(), partition, from, applied,
                        (record, offset) -> {
                            if (count[0] == 0 && offset != from) {
                                // The first records wanted are gone (retention): nothing before this one says so.
                                replayLost = true;
                            }
                            handle(record, partition, offset);
                            count[0]++;
                        });
            } finally {
                replaying = false;
            }
            replayed = count[0];
            if (offsets.last(partition) < applied) {
                // The last records are gone too: nothing read says so.
                replayLost = true;
                offsets.read(partition, applied);
            }
            if (replayLost) {
                for (final ProductBook pb : engine.books()) {
                    pendingStale.put(pb.product(), StateReason.RAW_OFFSET_GAP);
                }
            }
        }
        for (final ProductBook pb : engine.books()) {
            watchRestored(pb, now);
        }
        log.info("Restored books from the checkpoint and the raw topic. task=[{}] books=[{}] checkpointOffset=[{}] "
                + "committedOffset=[{}] levels=[{}] reapplied=[{}] lost=[{}] elapsedMs=[{}]", context.taskId(),
                engine.books().size(), checkpoint == null ? "none" : checkpoint.offset(), applied + 1, levels,
                replayed, replayLost, (System.nanoTime() - startNs) / 1_000_000);
    }

    /** A restored book: a grace period for its feed (its next record will tell), its gauges, its need of a snapshot. */
    private void watchRestored(final ProductBook pb, final long now) {
        final int index = pb.product().index();
        watch.seen(index, now);
        settings.metrics().book(pb.product().id(), pb.book().bidLevels(), pb.book().askLevels(), pb.state());
        if (pb.needsSnapshot()) {
            watch.notLive(index, now, false);
        }
    }

    private void announcePendingStale() {
        if (pendingStale.isEmpty()) {
            return;
        }
        pendingStale.forEach((product, reason) -> {
            if (!replaying) {
                settings.metrics().continuityLoss(reason);
            }
            engine.markStale(product, reason, null, sink);
        });
        pendingStale.clear();
        // What a start found is no function of the records: the next start must not have to find it again.
        unrepeatable = true;
    }

    private void restartChain(final Product product, final BookMetaCodec.Stored stored) {
        if (stored.session() != null) {
            chains.restart(product.index(), stored.session(), stored.sequence(), stored.epoch());
        }
    }

    private static void load(final OrderBook book, final BookCheckpointCodec.Book b) {
        book.beginLoad();
        for (int i = 0; i < b.bidPrices().length; i++) {
            book.load(Side.BID_CODE, b.bidPrices()[i], b.bidSizes()[i]);
        }
        for (int i = 0; i < b.askPrices().length; i++) {
            book.load(Side.ASK_CODE, b.askPrices()[i], b.askSizes()[i]);
        }
        book.endLoad();
    }

    /** A jump in the raw offsets means records were deleted before they were read: every book may have missed some. */
    private void checkOffset(final int partition, final long offset) {
        final long skipped = offsets.read(partition, offset);
        if (skipped > 0 && replaying) {
            replayLost = true;
        }
        if (skipped > 0) {
            log.warn("Raw offsets jumped: records were deleted before they were read (retention); the task's books "
                    + "are stale until their next snapshots. task=[{}] partition=[{}] offset=[{}] skipped=[{}]",
                    context.taskId(), partition, offset, skipped);
            if (!replaying) {
                settings.metrics().offsetGap();
            }
            for (final ProductBook pb : engine.books()) {
                engine.markStale(pb.product(), StateReason.RAW_OFFSET_GAP, null, sink);
            }
        }
    }

    private void apply(final Record<byte[], byte[]> record) {
        final byte[] value = record.value();
        if (value == null) {
            deadLetter(record, DeadLetterReason.NULL_VALUE, "a raw record must carry a message");
            return;
        }
        decoder.decode(value, 0, value.length, msg);
        final MessageKind kind = msg.kind();
        final boolean bookKind = kind == MessageKind.BOOK || kind == MessageKind.GAP || kind == MessageKind.LIVENESS;
        if (!bookKind) {
            // Every record of a product counts in its chain, even one that is no book data or cannot be read: a
            // jump shows here too, and the next record must not look like one.
            final byte[] key = record.key();
            final Product keyed = key == null ? null : products.get(key, 0, key.length);
            if (keyed != null && !followChain(record, keyed, false, kind != MessageKind.INVALID)) {
                return;
            }
        }
        if (kind == MessageKind.INVALID) {
            final DecodeError error = msg.error();
            deadLetter(record, DeadLetterReason.of(error), msg.errorDetail());
            // As the replay does: a message too large to read puts every book in doubt, any other the books it named.
            engine.onUndecodable(error == DecodeError.OVERSIZED ? StaleScope.all()
                    : local(StaleScope.of(value, 0, value.length, products), record.key()), sink);
            return;
        }
        if (bookKind) {
            final Product product = checkKey(record, value);
            if (product == null || !followChain(record, product, true, true)) {
                return;
            }
        } else if (kind == MessageKind.IGNORED && looksLikeBookData(value)) {
            deadLetter(record, DeadLetterReason.UNKNOWN_BOOK_TYPE, "unknown message type with book data");
        }
        try {
            engine.onMessage(msg, sink);
        } catch (final KafkaException e) {
            // Task migrated, producer fenced...: Kafka Streams' own business.
            throw e;
        } catch (final RuntimeException e) {
            // A contract violation inside the book (it should not happen for a decoded message): do not stop the
            // stream over one record, but do not trust the books it touched either.
            log.warn("Could not apply a decoded message. task=[{}] offset=[{}]", context.taskId(),
                    context.recordMetadata().map(RecordMetadata::offset).orElse(-1L), e);
            deadLetter(record, DeadLetterReason.APPLY_FAILED, String.valueOf(e.getMessage()));
            engine.onUndecodable(local(StaleScope.of(value, 0, value.length, products), record.key()), sink);
        }
    }

    /**
     * Checks the record against its product's chain and moves the chain on: a snapshot or a marker starts it; any
     * other record must continue it, or the book becomes stale (a jump, another session); one that continues it
     * makes a book stale only for silence live again. Records the product as seen.
     *
     * <p>Fencing: a record of an older leadership epoch than the chain's comes from an ingestor deposed since; while
     * the chain is alive (its product not silent for {@code staleAfterMs}) it is dead-lettered ({@code FENCED}) and
     * changes nothing. Once the chain has fallen silent, an older epoch starts a chain like any other (the ingestors'
     * group may have been recreated, its generations counting from 1 again).
     *
     * <p>A record without the continuity headers comes from a producer other than the ingestor (a loader, a test
     * harness): it is applied, counted ({@code orderbook.records.unsequenced}), and its chain is unknown from there;
     * its offsets and its silence are still checked, and a book stale for silence never resumes on such a record
     * (nothing proves that nothing was lost), it waits for a snapshot.
     *
     * @param required whether the record is book data or a marker (for the other kinds a missing header is nothing)
     * @param applied  whether the record will be applied (only such a record may make a silent book live again)
     * @return whether the record may be applied (false: fenced, dead-lettered)
     */
    private boolean followChain(final Record<byte[], byte[]> record, final Product product, final boolean required,
                                final boolean applied) {
        final org.apache.kafka.common.header.Header sessionHeader = record.headers()
                .lastHeader(Header.SESSION_ID.key());
        final org.apache.kafka.common.header.Header seqHeader = record.headers().lastHeader(Header.PRODUCT_SEQ.key());
        if (sessionHeader == null || sessionHeader.value() == null || seqHeader == null || seqHeader.value() == null
                || seqHeader.value().length != 8) {
            if (required) {
                unsequenced(product);
            }
            return true;
        }
        final int index = product.index();
        final byte[] session = sessionHeader.value();
        final long sequence = Header.longHeader(seqHeader.value());
        final org.apache.kafka.common.header.Header epochHeader = record.headers()
                .lastHeader(Header.LEADER_EPOCH.key());
        final long epoch = epochHeader == null || epochHeader.value() == null || epochHeader.value().length != 8 ? 0
                : Header.longHeader(epochHeader.value());
        if (epoch < chains.epoch(index)) {
            // Applied again after a checkpoint, such a record was fenced: had silence let it in, a checkpoint
            // would follow it, and the records read again would start after it.
            if (replaying || !watch.silent(index, nowMs)) {
                fenced(record, product, epoch);
                return false;
            }
            unrepeatable = true;
        }
        watch.seen(index, nowMs);
        stores.changed(product);
        if (engine.book(product) == null && (!required || msg.kind() == MessageKind.LIVENESS)) {
            // A record of a product this task has no book of yet, and that makes none: only the chain moves.
            chains.follow(index, session, sequence, epoch);
            return true;
        }
        if (msg.kind() == MessageKind.GAP || carriesSnapshot()) {
            chains.restart(index, session, sequence, epoch);
            return true;
        }
        switch (chains.follow(index, session, sequence, epoch)) {
            case CONTINUES:
                if (applied) {
                    // The book as it stands, before this record: no message produced that state, so no exchange
                    // time.
                    engine.resume(product, null, sink);
                }
                break;
            case SEQUENCE_JUMP:
                if (!replaying) {
                    settings.metrics().continuityLoss(StateReason.PRODUCT_SEQUENCE_JUMP);
                }
                engine.markStale(product, StateReason.PRODUCT_SEQUENCE_JUMP, msg.time(), sink);
                break;
            case SESSION_CHANGED:
                if (!replaying) {
                    settings.metrics().continuityLoss(StateReason.SESSION_CHANGED);
                }
                engine.markStale(product, StateReason.SESSION_CHANGED, msg.time(), sink);
                break;
            default:
                // The first record of the product: an update makes a book that says it has no snapshot.
                break;
        }
        return true;
    }

    private void unsequenced(final Product product) {
        if (!warnedUnsequenced) {
            warnedUnsequenced = true;
            log.info("Raw records without continuity headers ({}, {}): applied, but their sequence cannot be "
                    + "checked (a producer other than the ingestor?); counted in orderbook.records.unsequenced. "
                    + "task=[{}] product=[{}]", Header.SESSION_ID.key(), Header.PRODUCT_SEQ.key(), context.taskId(),
                    product.id());
        }
        if (!replaying) {
            settings.metrics().unsequenced();
        }
        watch.seen(product.index(), nowMs);
        stores.changed(product);
        // Whatever chain there was, this record is not in it: no later record may resume a book across it.
        chains.restart(product.index(), null, 0, 0);
    }

    /** A record of an ingestor deposed since, while its successor's chain is alive: refused, counted, no change. */
    private void fenced(final Record<byte[], byte[]> record, final Product product, final long epoch) {
        final long chainEpoch = chains.epoch(product.index());
        if (epoch != lastFencedEpoch) {
            lastFencedEpoch = epoch;
            log.info("Refusing records of a deposed ingestor (an older leadership epoch than the product's chain); "
                    + "they are dead-lettered (FENCED). task=[{}] product=[{}] epoch=[{}] chainEpoch=[{}]",
                    context.taskId(), product.id(), epoch, chainEpoch);
        }
        deadLetter(record, DeadLetterReason.FENCED, "leadership epoch " + epoch + " is older than the chain's "
                + chainEpoch + ": written by an ingestor deposed since");
    }

    private boolean carriesSnapshot() {
        if (msg.kind() != MessageKind.BOOK) {
            return false;
        }
        for (int e = 0; e < msg.eventCount(); e++) {
            if (msg.eventType(e) == EventType.SNAPSHOT) {
                return true;
            }
        }
        return false;
    }

    /**
     * A book message or marker must be keyed by its one product; otherwise it is a dead letter.
     *
     * @return the product, or null if the record was dead-lettered
     */
    private Product checkKey(final Record<byte[], byte[]> record, final byte[] value) {
        final byte[] key = record.key();
        if (key == null) {
            deadLetter(record, DeadLetterReason.NULL_KEY, "raw records are keyed by product id");
            engine.onUndecodable(local(StaleScope.of(value, 0, value.length, products), record.key()), sink);
            return null;
        }
        // From the bytes, as for the other kinds above: no String per record; a malformed id is null.
        final Product keyProduct = products.get(key, 0, key.length);
        if (keyProduct == null) {
            deadLetter(record, DeadLetterReason.BAD_KEY, "key is not a product id");
            engine.onUndecodable(local(StaleScope.of(value, 0, value.length, products), record.key()), sink);
            return null;
        }
        if (msg.kind() != MessageKind.BOOK) {
            return msg.markerProduct() == keyProduct ? keyProduct : mismatch(record, keyProduct, msg.markerProduct());
        }
        for (int e = 0; e < msg.eventCount(); e++) {
            if (msg.eventProduct(e) != keyProduct) {
                return mismatch(record, keyProduct, msg.eventProduct(e));
            }
        }
        return keyProduct;
    }

    private Product mismatch(final Record<byte[], byte[]> record, final Product keyProduct, final Product other) {
        // The record is in the key's chain all the same (the ingestor numbers records by key).
        if (!followChain(record, keyProduct, false, false)) {
            return null;
        }
        deadLetter(record, DeadLetterReason.KEY_MISMATCH,
                "key " + keyProduct.id() + " but the message is about " + other.id());
        if (msg.kind() == MessageKind.LIVENESS) {
            // A misplaced liveness record carries no book data: nothing was lost with it.
            return null;
        }
        // The key's stream on this partition lost a message it was meant to carry, and so did the message's own
        // products whose books live in this task (a product of another partition cannot be helped from here).
        final List<Product> lost = new ArrayList<>();
        lost.add(keyProduct);
        if (msg.kind() == MessageKind.GAP) {
            addIfLocal(lost, msg.markerProduct());
        } else {
            for (int e = 0; e < msg.eventCount(); e++) {
                addIfLocal(lost, msg.eventProduct(e));
            }
        }
        engine.onUndecodable(StaleScope.products(lost), sink);
        return null;
    }

    private void addIfLocal(final List<Product> into, final Product product) {
        if (product != null && !into.contains(product) && engine.book(product) != null) {
            into.add(product);
        }
    }

    /**
     * The part of a bad record's scope this task can speak for: books it already has, and the product the record is
     * keyed by (the ingestor keys each record to its product's partition). A product named by a stray record on
     * another product's partition must not get a second, phantom book here that says it is stale while its real
     * book, on its own partition, is live.
     */
    private StaleScope local(final StaleScope scope, final byte[] key) {
        if (scope.isAll()) {
            return scope;
        }
        final String keyId = key == null ? null : new String(key, StandardCharsets.UTF_8);
        final List<Product> local = new ArrayList<>(scope.products().size());
        for (final Product p : scope.products()) {
            if (engine.book(p) != null || p.id().equals(keyId)) {
                local.add(p);
            }
        }
        return local.size() == scope.products().size() ? scope : StaleScope.products(local);
    }

    private static boolean looksLikeBookData(final byte[] value) {
        for (final byte[] needle : BOOK_LIKE_KEYS) {
            if (ByteArrays.indexOf(value, needle) >= 0) {
                return true;
            }
        }
        return false;
    }

    private void deadLetter(final Record<byte[], byte[]> record, final DeadLetterReason reason, final String detail) {
        if (!replaying) {
            deadLetters.send(record, reason, detail);
        }
    }

    // ---- watchdog --------------------------------------------------------------------------------------------

    /**
     * Wall-clock punctuation: live books whose product fell silent become stale; books that are not live for a
     * reason only a snapshot mends ask for one again when it is due.
     */
    private void watchdog(final long timestampMs) {
        lock.lock();
        try {
            nowMs = timestampMs;
            announcePendingStale();
            for (final ProductBook pb : engine.books()) {
                final int index = pb.product().index();
                if (pb.state() == BookState.LIVE && watch.silent(index, timestampMs)) {
                    engine.markSilent(pb.product(), sink);
                    unrepeatable = true;
                } else if (pb.needsSnapshot() && watch.requestDue(index, timestampMs)) {
                    requestSnapshot(pb);
                }
            }
            stores.persistChanged(engine, chains);
            checkpointIfUnrepeatable();
        } finally {
            lock.unlock();
            publishStats();
        }
    }

    private void requestSnapshot(final ProductBook pb) {
        final ControlRequest request = new ControlRequest(pb.product().id(), pb.reason().wireName(),
                Instant.ofEpochMilli(nowMs));
        context.forward(new Record<>(request.key(), request.toJson(), nowMs), CONTROL_CHILD);
        settings.metrics().snapshotRequest(pb.reason());
        log.info("Asked the ingestor for a snapshot. product=[{}] state=[{}] reason=[{}]", pb.product().id(),
                pb.state().wireName(), pb.reason());
    }

    // ---- summaries and state ---------------------------------------------------------------------------------

    /** Forwards one summary (and its alert), and asks for a snapshot when the book now needs one. */
    private void onSummary(final Product product, final ByteSink json, final boolean alert) {
        if (replaying) {
            // Forwarded when the record was first applied.
            stores.changed(product);
            return;
        }
        final ProductBook pb = engine.book(product);
        final Record<byte[], byte[]> source = current;
        final Headers headers = new RecordHeaders();
        long receiveNs = -1;
        if (source != null) {
            final org.apache.kafka.common.header.Header receive = source.headers()
                    .lastHeader(Header.RECEIVE_TIME_NS.key());
            if (receive != null && receive.value() != null && receive.value().length == 8) {
                headers.add(receive);
                receiveNs = Header.longHeader(receive.value());
            }
        }
        final byte[] key = product.id().getBytes(StandardCharsets.UTF_8);
        final long timestamp = source != null ? source.timestamp() : nowMs;
        final Record<byte[], byte[]> out = new Record<>(key, json.toByteArray(), timestamp, headers);
        context.forward(out, SUMMARIES_CHILD);
        if (alert) {
            context.forward(out, ALERTS_CHILD);
        }
        stores.changed(product);
        final ProcessorMetrics metrics = settings.metrics();
        metrics.summary(alert);
        final OrderBook book = pb.book();
        metrics.book(product.id(), book.bidLevels(), book.askLevels(), pb.state());
        if (receiveNs > 0) {
            final Instant now = Instant.now();
            metrics.latencyNs(now.getEpochSecond() * 1_000_000_000L + now.getNano() - receiveNs);
        }
        final int index = product.index();
        if (!pb.needsSnapshot()) {
            watch.live(index);
        } else if (watch.notLive(index, nowMs, !pb.reason().isGap())) {
            // The ingestor knows of a gap it marked and is already fetching a snapshot; of anything else it does not.
            requestSnapshot(pb);
        }
    }

    private void publishStats() {
        final EngineStats s = engine.stats();
        final ProcessorMetrics metrics = settings.metrics();
        if (s.changes != seen.changes) {
            metrics.changes(s.changes - seen.changes);
        }
        if (s.snapshotLevels != seen.snapshotLevels) {
            metrics.snapshotLevels(s.snapshotLevels - seen.snapshotLevels);
        }
        if (s.crossed != seen.crossed) {
            metrics.crossedTransitions(s.crossed - seen.crossed);
        }
        if (s.trimmedLevels != seen.trimmedLevels) {
            metrics.trimmedLevels(s.trimmedLevels - seen.trimmedLevels);
        }
        final long stale = s.gapMarkers + s.staleByBadInput + s.continuityLosses + s.silences;
        final long seenStale = seen.gapMarkers + seen.staleByBadInput + seen.continuityLosses + seen.silences;
        if (stale != seenStale) {
            metrics.staleTransitions(stale - seenStale);
        }
        if (s.resumes != seen.resumes) {
            metrics.resumes(s.resumes - seen.resumes);
        }
        if (s.liveness != seen.liveness) {
            metrics.liveness(s.liveness - seen.liveness);
        }
        copyStats(s, seen);
    }

    private static void copyStats(final EngineStats from, final EngineStats to) {
        to.changes = from.changes;
        to.snapshotLevels = from.snapshotLevels;
        to.crossed = from.crossed;
        to.trimmedLevels = from.trimmedLevels;
        to.gapMarkers = from.gapMarkers;
        to.staleByBadInput = from.staleByBadInput;
        to.continuityLosses = from.continuityLosses;
        to.silences = from.silences;
        to.resumes = from.resumes;
        to.liveness = from.liveness;
    }

    // ---- queries ---------------------------------------------------------------------------------------------

    @Override
    public LocalBooks.BookView view(final String productId, final int depth) {
        lock.lock();
        try {
            // find, not get: a query must not register a product (a name asked for is no product seen).
            final Product product = products == null ? null : products.find(productId);
            final ProductBook pb = product == null ? null : engine.book(product);
            if (pb == null) {
                return null;
            }
            final OrderBook book = pb.book();
            final long[] bidPrices = new long[Math.min(depth, book.bidLevels())];
            final long[] bidSizes = new long[bidPrices.length];
            final long[] askPrices = new long[Math.min(depth, book.askLevels())];
            final long[] askSizes = new long[askPrices.length];
            copy(book.side(Side.BID), bidPrices, bidSizes);
            copy(book.side(Side.ASK), askPrices, askSizes);
            return new LocalBooks.BookView(productId, pb.state(), pb.reason(), product.priceScale(),
                    product.sizeScale(), bidPrices, bidSizes, bidPrices.length, askPrices, askSizes,
                    askPrices.length, book.bidLevels(), book.askLevels());
        } finally {
            lock.unlock();
        }
    }

    private static void copy(final BookSide side, final long[] prices, final long[] sizes) {
        final int[] n = {0};
        side.forEachLevel(prices.length, (price, size) -> {
            prices[n[0]] = price;
            sizes[n[0]] = size;
            n[0]++;
        });
    }

    @Override
    public void close() {
        // The stores are closed by Kafka Streams; the books are dropped with this instance's task.
        settings.localBooks().unregister(this);
    }

    /** For tests: the state of a book in this task, or null. */
    BookState stateOf(final String productId) {
        final Product p = products.find(productId);
        final ProductBook pb = p == null ? null : engine.book(p);
        return pb == null ? null : pb.state();
    }
}
