package dev.orderbook.book.processor;

import dev.orderbook.book.engine.AlertThresholds;
import dev.orderbook.book.engine.BookEngine;
import dev.orderbook.book.engine.BookMeta;
import dev.orderbook.book.engine.CrossedPolicy;
import dev.orderbook.book.engine.EngineStats;
import dev.orderbook.book.engine.LevelListener;
import dev.orderbook.book.engine.ProductBook;
import dev.orderbook.book.engine.SummarySink;
import dev.orderbook.book.orderbook.OrderBook;
import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.DecodeError;
import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.MessageKind;
import dev.orderbook.codec.StaleScope;
import dev.orderbook.codec.io.ByteArrays;
import dev.orderbook.codec.io.ByteSink;
import dev.orderbook.contract.summary.BookState;
import dev.orderbook.codec.model.Product;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.codec.model.Side;
import dev.orderbook.contract.DeadLetterReason;
import dev.orderbook.contract.Header;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies the raw topic's records to one {@link BookEngine} per task (the same book logic as the offline replay),
 * keeps every level it changes in the task's changelogged store, and forwards one summary per top-of-book change to
 * the summaries sink (and alerts and dead letters to theirs). Records it cannot apply go to the dead-letter sink with
 * their bytes, headers and reason; processing goes on.
 *
 * <p>State: the in-memory books are the hot path; the store holds the same levels ({@link LevelKeys}), written as
 * they change, plus each book's meta, written with each summary. {@link #init} rebuilds the books from the store, so
 * after a restart or a rebalance a book has exactly the levels and state it had at the last commit.
 *
 * <p>One instance per task; called on its stream thread only.
 */
public final class BookUpdateProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    private static final Logger log = LoggerFactory.getLogger(BookUpdateProcessor.class);
    private static final byte[][] BOOK_LIKE_KEYS = {
        "\"changes\"".getBytes(StandardCharsets.US_ASCII), "\"bids\"".getBytes(StandardCharsets.US_ASCII),
        "\"asks\"".getBytes(StandardCharsets.US_ASCII), "\"updates\"".getBytes(StandardCharsets.US_ASCII),
    };

    /** Child names the topology connects to. */
    public static final String SUMMARIES_CHILD = "summaries-sink";
    public static final String ALERTS_CHILD = "alerts-sink";
    public static final String DLQ_CHILD = "dlq-sink";

    /**
     * What a processor needs from the configuration. Immutable.
     *
     * @param storeName the book store
     * @param maxMessageBytes larger raw values are dead letters ({@code OVERSIZED})
     */
    public record Settings(AlertThresholds thresholds, CrossedPolicy crossedPolicy, String storeName,
                           int maxMessageBytes, ProcessorMetrics metrics) {
        public Settings {
            if (thresholds == null || crossedPolicy == null || storeName == null || metrics == null) {
                throw new IllegalArgumentException("settings may not be null");
            }
            if (maxMessageBytes <= 0) {
                throw new IllegalArgumentException("maxMessageBytes must be positive");
            }
        }
    }

    private final Settings settings;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<Bytes, byte[]> store;
    private ProductRegistry products;
    private CoinbaseDecoder decoder;
    private BookEngine engine;
    private final FeedMessage msg = new FeedMessage();
    /** Creation order of each book, persisted in its meta so "every book" keeps its order after a restore. */
    private final Map<Product, Integer> creationOrder = new HashMap<>();
    private final Map<Product, byte[]> prefixes = new HashMap<>();
    private final SummarySink sink = this::onSummary;
    private Record<byte[], byte[]> current;
    private final EngineStats seen = new EngineStats();

    public BookUpdateProcessor(final Settings settings) {
        this.settings = settings;
    }

    @Override
    public void init(final ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(settings.storeName());
        // Everything is rebuilt here: Kafka Streams re-initialises a revived task on the same instance.
        this.products = ProductRegistry.open();
        this.decoder = new CoinbaseDecoder(products, settings.maxMessageBytes());
        this.engine = new BookEngine(settings.thresholds(), false, settings.crossedPolicy(), new StoreWriter());
        creationOrder.clear();
        prefixes.clear();
        copyStats(new EngineStats(), seen);
        restore();
    }

    /** Rebuilds the engine's books from the store, in their creation order. */
    private void restore() {
        final long startNs = System.nanoTime();
        final List<KeyValue<Bytes, byte[]>> metas = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                final KeyValue<Bytes, byte[]> kv = it.next();
                if (LevelKeys.isMeta(kv.key.get())) {
                    metas.add(kv);
                }
            }
        }
        metas.sort(Comparator.comparingInt(kv -> LevelKeys.creationOrderOf(kv.value)));
        long levels = 0;
        for (final KeyValue<Bytes, byte[]> kv : metas) {
            final Product product = products.get(LevelKeys.productOf(kv.key.get()));
            final ProductBook pb = engine.restore(product, LevelKeys.metaOf(kv.value));
            creationOrder.put(product, creationOrder.size());
            final OrderBook book = pb.book();
            final byte[] prefix = prefix(product);
            book.beginLoad();
            levels += loadSide(book, prefix, Side.BID_CODE);
            levels += loadSide(book, prefix, Side.ASK_CODE);
            book.endLoad();
            settings.metrics().book(product.id(), book.bidLevels(), book.askLevels(), pb.state());
        }
        log.info("Restored books from the store. task=[{}] books=[{}] levels=[{}] elapsedMs=[{}]",
                context.taskId(), metas.size(), levels, (System.nanoTime() - startNs) / 1_000_000);
    }

    private long loadSide(final OrderBook book, final byte[] prefix, final byte side) {
        long n = 0;
        try (KeyValueIterator<Bytes, byte[]> it = store.range(LevelKeys.sideFrom(prefix, side),
                LevelKeys.sideTo(prefix, side))) {
            while (it.hasNext()) {
                final KeyValue<Bytes, byte[]> kv = it.next();
                book.load(side, LevelKeys.priceOf(kv.key.get()), LevelKeys.sizeOf(kv.value));
                n++;
            }
        }
        return n;
    }

    @Override
    public void process(final Record<byte[], byte[]> record) {
        current = record;
        try {
            apply(record);
        } finally {
            current = null;
            publishStats();
        }
    }

    private void apply(final Record<byte[], byte[]> record) {
        final byte[] value = record.value();
        if (value == null) {
            deadLetter(record, DeadLetterReason.NULL_VALUE.name(), "a raw record must carry a message");
            return;
        }
        decoder.decode(value, 0, value.length, msg);
        final MessageKind kind = msg.kind();
        if (kind == MessageKind.INVALID) {
            final DecodeError error = msg.error();
            deadLetter(record, error.name(), msg.errorDetail());
            // As the replay does: a message too large to read puts every book in doubt, any other the books it named.
            engine.onUndecodable(error == DecodeError.OVERSIZED ? StaleScope.all()
                    : local(StaleScope.of(value, 0, value.length, products), record.key()), sink);
            return;
        }
        if (kind == MessageKind.BOOK || kind == MessageKind.GAP) {
            if (!checkKey(record, value)) {
                return;
            }
        } else if (kind == MessageKind.IGNORED && looksLikeBookData(value)) {
            deadLetter(record, DeadLetterReason.UNKNOWN_BOOK_TYPE.name(), "unknown message type with book data");
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
            deadLetter(record, DeadLetterReason.APPLY_FAILED.name(), String.valueOf(e.getMessage()));
            engine.onUndecodable(local(StaleScope.of(value, 0, value.length, products), record.key()), sink);
        }
    }

    /** A book message or gap marker must be keyed by its one product; otherwise it is a dead letter. */
    private boolean checkKey(final Record<byte[], byte[]> record, final byte[] value) {
        final byte[] key = record.key();
        if (key == null) {
            deadLetter(record, DeadLetterReason.NULL_KEY.name(), "raw records are keyed by product id");
            engine.onUndecodable(local(StaleScope.of(value, 0, value.length, products), record.key()), sink);
            return false;
        }
        final String keyId = new String(key, StandardCharsets.UTF_8);
        final Product keyProduct = ProductRegistry.isValidProductId(keyId) ? products.get(keyId) : null;
        if (keyProduct == null) {
            deadLetter(record, DeadLetterReason.BAD_KEY.name(), "key is not a product id");
            engine.onUndecodable(local(StaleScope.of(value, 0, value.length, products), record.key()), sink);
            return false;
        }
        if (msg.kind() == MessageKind.GAP) {
            if (msg.gapProduct() != keyProduct) {
                return mismatch(record, keyProduct, msg.gapProduct());
            }
            return true;
        }
        for (int e = 0; e < msg.eventCount(); e++) {
            if (msg.eventProduct(e) != keyProduct) {
                return mismatch(record, keyProduct, msg.eventProduct(e));
            }
        }
        return true;
    }

    private boolean mismatch(final Record<byte[], byte[]> record, final Product keyProduct, final Product other) {
        deadLetter(record, DeadLetterReason.KEY_MISMATCH.name(),
                "key " + keyProduct.id() + " but the message is about " + other.id());
        // The key's stream on this partition lost a message it was meant to carry, and so did the message's own
        // products whose books live in this task (a product of another partition cannot be helped from here).
        final List<Product> lost = new ArrayList<>();
        lost.add(keyProduct);
        if (msg.kind() == MessageKind.GAP) {
            addIfLocal(lost, msg.gapProduct());
        } else {
            for (int e = 0; e < msg.eventCount(); e++) {
                addIfLocal(lost, msg.eventProduct(e));
            }
        }
        engine.onUndecodable(StaleScope.products(lost), sink);
        return false;
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

    private void deadLetter(final Record<byte[], byte[]> record, final String reason, final String detail) {
        final Headers headers = new RecordHeaders(record.headers().toArray());
        headers.remove(Header.DLQ_REASON.key()).remove(Header.DLQ_DETAIL.key());
        headers.add(Header.DLQ_REASON.key(), reason.getBytes(StandardCharsets.UTF_8));
        headers.add(Header.DLQ_DETAIL.key(), String.valueOf(detail).getBytes(StandardCharsets.UTF_8));
        context.forward(new Record<>(record.key(), record.value(), record.timestamp(), headers), DLQ_CHILD);
        settings.metrics().dlq(reason);
        if (log.isDebugEnabled()) {
            log.debug("Dead letter. reason=[{}] detail=[{}] offset=[{}]", reason, detail,
                    context.recordMetadata().map(RecordMetadata::offset).orElse(-1L));
        }
    }

    /** Forwards one summary (and its alert) and persists the book's meta with it. */
    private void onSummary(final Product product, final ByteSink json, final boolean alert) {
        final ProductBook pb = engine.book(product);
        final BookMeta meta = pb.meta();
        Integer order = creationOrder.get(product);
        if (order == null) {
            order = creationOrder.size();
            creationOrder.put(product, order);
        }
        store.put(LevelKeys.metaKey(prefix(product)), LevelKeys.metaValue(order, meta));
        final Record<byte[], byte[]> source = current;
        final Headers headers = new RecordHeaders();
        long receiveNs = -1;
        if (source != null) {
            final org.apache.kafka.common.header.Header receive = source.headers().lastHeader(Header.RECEIVE_TIME_NS.key());
            if (receive != null && receive.value() != null && receive.value().length == 8) {
                headers.add(receive);
                receiveNs = Header.longHeader(receive.value());
            }
        }
        final byte[] key = product.id().getBytes(StandardCharsets.UTF_8);
        final long timestamp = source != null ? source.timestamp() : context.currentSystemTimeMs();
        final Record<byte[], byte[]> out = new Record<>(key, json.toByteArray(), timestamp, headers);
        context.forward(out, SUMMARIES_CHILD);
        if (alert) {
            context.forward(out, ALERTS_CHILD);
        }
        final ProcessorMetrics metrics = settings.metrics();
        metrics.summary(alert);
        final OrderBook book = pb.book();
        metrics.book(product.id(), book.bidLevels(), book.askLevels(), meta.state());
        if (receiveNs > 0) {
            final Instant now = Instant.now();
            metrics.latencyNs(now.getEpochSecond() * 1_000_000_000L + now.getNano() - receiveNs);
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
        final long stale = s.gapMarkers + s.staleByBadInput;
        final long seenStale = seen.gapMarkers + seen.staleByBadInput;
        if (stale != seenStale) {
            metrics.staleTransitions(stale - seenStale);
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
    }

    private byte[] prefix(final Product product) {
        return prefixes.computeIfAbsent(product, p -> LevelKeys.prefix(p.id()));
    }

    /** Writes each level the engine changes, and rewrites a book's levels after a snapshot. */
    private final class StoreWriter implements LevelListener {
        @Override
        public void onLevel(final Product product, final byte sideCode, final long priceTicks, final long sizeLots) {
            final Bytes key = LevelKeys.levelKey(prefix(product), sideCode, priceTicks);
            if (sizeLots == 0) {
                store.delete(key);
            } else {
                store.put(key, LevelKeys.sizeValue(sizeLots));
            }
        }

        @Override
        public void onBookReplaced(final ProductBook pb) {
            final byte[] prefix = prefix(pb.product());
            for (final byte side : new byte[] {Side.BID_CODE, Side.ASK_CODE}) {
                final List<Bytes> old = new ArrayList<>();
                try (KeyValueIterator<Bytes, byte[]> it = store.range(LevelKeys.sideFrom(prefix, side),
                        LevelKeys.sideTo(prefix, side))) {
                    while (it.hasNext()) {
                        old.add(it.next().key);
                    }
                }
                for (final Bytes key : old) {
                    store.delete(key);
                }
                pb.book().side(Side.ofCode(side)).forEachLevel(Integer.MAX_VALUE,
                        (price, size) -> store.put(LevelKeys.levelKey(prefix, side, price), LevelKeys.sizeValue(size)));
            }
        }
    }

    @Override
    public void close() {
        // The store is closed by Kafka Streams; the books are dropped with this instance's task.
    }

    /** For tests: the state of a book in this task, or null. */
    BookState stateOf(final String productId) {
        final Product p = products.get(productId);
        final ProductBook pb = p == null ? null : engine.book(p);
        return pb == null ? null : pb.state();
    }
}
