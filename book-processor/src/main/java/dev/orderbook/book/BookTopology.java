package dev.orderbook.book;

import dev.orderbook.book.processor.BookUpdateProcessor;
import dev.orderbook.book.processor.HashLevelStore;
import dev.orderbook.book.processor.KafkaRawHistory;
import dev.orderbook.book.processor.RawHistory;
import dev.orderbook.contract.Limits;
import dev.orderbook.book.processor.LocalBooks;
import dev.orderbook.book.processor.ProcessorMetrics;
import dev.orderbook.book.processor.ProductStreamPartitioner;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

import java.util.Map;

/**
 * The processor's topology, shared by {@code main} and the tests:
 *
 * <pre>
 *   raw topic ──> book-processor (BookUpdateProcessor + stores "books", "book-meta") ──> summaries (placed by product)
 *                                                                                  ├─> alerts    (placed by product)
 *                                                                                  ├─> dlq
 *                                                                                  └─> control   (snapshot requests)
 * </pre>
 *
 * Summaries are forwarded by the processor itself, one per top-of-book change; no KTable (whose record cache would
 * collapse intermediate states) sits in between.
 */
public final class BookTopology {
    public static final String SOURCE = "raw-source";
    public static final String PROCESSOR = "book-processor";
    /**
     * The book changelog: compacted to about one record per resting level. Smaller segments than the broker's 1 GiB
     * default let compaction reach the changelog sooner (only closed segments are compacted), so a restore reads
     * fewer superseded level writes; the price is more, smaller files on the broker.
     */
    static final Map<String, String> CHANGELOG_CONFIG = Map.of("cleanup.policy", "compact",
            "segment.bytes", Integer.toString(64 * 1024 * 1024), "min.cleanable.dirty.ratio", "0.2");

    /** How long a starting task may take to read the raw records after its checkpoint again. */
    static final java.time.Duration RAW_HISTORY_TIMEOUT = java.time.Duration.ofSeconds(120);

    private BookTopology() {
    }

    /**
     * @param localBooks where the tasks register their books for queries
     */
    public static Topology build(final BookProcessorConfig config, final ProcessorMetrics metrics,
                                 final LocalBooks localBooks) {
        return build(config, metrics, localBooks, config.storeLayout() == BookProcessorConfig.StoreLayout.CHECKPOINT
                ? new KafkaRawHistory(config.kafka().consumer(), config.applicationId(),
                        RAW_HISTORY_TIMEOUT) : null);
    }

    /**
     * @param localBooks where the tasks register their books for queries
     * @param history    how the checkpoint layout reads the raw topic again (tests give their records); null for the
     *                   level layouts
     */
    public static Topology build(final BookProcessorConfig config, final ProcessorMetrics metrics,
                                 final LocalBooks localBooks, final RawHistory history) {
        final boolean checkpointed = config.storeLayout() == BookProcessorConfig.StoreLayout.CHECKPOINT;
        final BookUpdateProcessor.Settings settings = new BookUpdateProcessor.Settings(config.alertThresholds(),
                config.crossedPolicy(), config.storeName(), config.metaStoreName(), config.maxMessageBytes(),
                config.staleAfterMs(), config.resnapshotRetryMs(), metrics, localBooks, checkpointed
                ? new BookUpdateProcessor.Checkpointing(config.checkpointStoreName(), config.rawTopic(), history,
                        config.checkpointChanges(), config.checkpointIntervalMs())
                : null);
        final ProductStreamPartitioner placement = new ProductStreamPartitioner(config.products());
        final ByteArraySerializer bytes = new ByteArraySerializer();
        final Topology topology = new Topology();
        topology.addSource(SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), config.rawTopic());
        topology.addProcessor(PROCESSOR, () -> new BookUpdateProcessor(settings), SOURCE);
        if (checkpointed) {
            topology.addStateStore(checkpointStoreBuilder(config), PROCESSOR);
        } else {
            topology.addStateStore(storeBuilder(config), PROCESSOR);
            topology.addStateStore(metaStoreBuilder(config), PROCESSOR);
        }
        topology.addSink(BookUpdateProcessor.SUMMARIES_CHILD, config.summariesTopic(), bytes, bytes, placement,
                PROCESSOR);
        topology.addSink(BookUpdateProcessor.ALERTS_CHILD, config.alertsTopic(), bytes, bytes, placement, PROCESSOR);
        topology.addSink(BookUpdateProcessor.DLQ_CHILD, config.dlqTopic(), bytes, bytes, PROCESSOR);
        topology.addSink(BookUpdateProcessor.CONTROL_CHILD, config.controlTopic(), bytes, bytes, PROCESSOR);
        return topology;
    }

    /**
     * The level layouts' meta store: per book its state and chain, per partition its last offset, written on every
     * record. Cached, so that its changelog gets about one record per book per commit, not one per record. (The
     * checkpoint layout has none: its checkpoints hold the same, and the raw records after one rebuild the rest.)
     */
    static StoreBuilder<KeyValueStore<Bytes, byte[]>> metaStoreBuilder(final BookProcessorConfig config) {
        return Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(config.metaStoreName()), Serdes.Bytes(),
                Serdes.ByteArray()).withLoggingEnabled(CHANGELOG_CONFIG).withCachingEnabled();
    }

    /**
     * The checkpoint store: one entry per raw partition, the task's books at one offset. Uncached (a checkpoint is
     * written once per interval, and must reach the changelog in the transaction of the summaries before it);
     * its compacted changelog keeps about one checkpoint per partition, in records up to 16 MiB. Persistent (RocksDB)
     * although it holds one entry per task: with no persistent store, Kafka Streams draws a new process id, hence new
     * transactional ids, at every start, so a restart after {@code kill -9} could not fence its predecessor's open
     * transaction, and every {@code read_committed} reader (its own changelog restore included) would wait for that
     * transaction to time out (10 s).
     */
    static StoreBuilder<KeyValueStore<Bytes, byte[]>> checkpointStoreBuilder(final BookProcessorConfig config) {
        final Map<String, String> changelog = new java.util.HashMap<>(CHANGELOG_CONFIG);
        changelog.put("max.message.bytes", Integer.toString(Limits.DEAD_LETTER_MAX_RECORD_BYTES));
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(config.checkpointStoreName()),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingEnabled(changelog).withCachingDisabled();
    }

    /** The book store in the configured layout; always changelogged (a compacted topic, one record per level). */
    static StoreBuilder<KeyValueStore<Bytes, byte[]>> storeBuilder(final BookProcessorConfig config) {
        final KeyValueBytesStoreSupplier supplier = switch (config.storeLayout()) {
            case ROCKSDB_CACHED -> Stores.persistentKeyValueStore(config.storeName());
            case IN_MEMORY_CACHED, IN_MEMORY -> Stores.inMemoryKeyValueStore(config.storeName());
            case HASH_CACHED, HASH -> HashLevelStore.supplier(config.storeName());
            case CHECKPOINT -> throw new IllegalArgumentException("the checkpoint layout has no level store");
        };
        final StoreBuilder<KeyValueStore<Bytes, byte[]>> builder =
                Stores.keyValueStoreBuilder(supplier, Serdes.Bytes(), Serdes.ByteArray())
                        .withLoggingEnabled(CHANGELOG_CONFIG);
        final boolean cached = switch (config.storeLayout()) {
            case ROCKSDB_CACHED, IN_MEMORY_CACHED, HASH_CACHED -> true;
            case IN_MEMORY, HASH, CHECKPOINT -> false;
        };
        return cached ? builder.withCachingEnabled() : builder.withCachingDisabled();
    }
}
