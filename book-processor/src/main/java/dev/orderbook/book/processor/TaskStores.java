package dev.orderbook.book.processor;

import dev.orderbook.book.engine.BookEngine;
import dev.orderbook.book.engine.LevelListener;
import dev.orderbook.book.engine.ProductBook;
import dev.orderbook.book.orderbook.OrderBook;
import dev.orderbook.codec.model.Product;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.codec.model.Side;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A task's state stores, as the processor keeps them. In the level layouts: the level store ({@link LevelKeys}),
 * written level by level as the engine changes them (this is the engine's {@link LevelListener}), and the meta store
 * ({@link BookMetaCodec}): the meta and chain of each book changed by a record or a punctuation, and each raw
 * partition's last offset. In the checkpoint layout: the checkpoint store alone ({@link BookCheckpointCodec}), written
 * when the processor says; nothing is written per record. Reads them back when a task starts. One instance per task,
 * used on its stream thread.
 */
final class TaskStores implements LevelListener {
    /** Receives each raw partition's last offset read from the meta store. */
    interface OffsetConsumer {
        void offset(int partition, long offset);
    }

    /** A book as the meta store holds it. */
    record StoredBook(Product product, BookMetaCodec.Stored stored) {
    }

    /** The level store; null in the checkpoint layout, where the books' levels are in {@link #checkpoints}. */
    private final KeyValueStore<Bytes, byte[]> levels;
    /** The meta store; null in the checkpoint layout, where each checkpoint holds the books' meta. */
    private final KeyValueStore<Bytes, byte[]> meta;
    /** The checkpoint store ({@link BookCheckpointCodec}), one entry per raw partition; null in the level layouts. */
    private final KeyValueStore<Bytes, byte[]> checkpoints;
    private final BookCheckpointCodec checkpointCodec = new BookCheckpointCodec();
    /** Creation order of each book, persisted in its meta so "every book" keeps its order after a restore. */
    private final Map<Product, Integer> creationOrder = new HashMap<>();
    private final Map<Product, byte[]> prefixes = new HashMap<>();
    private final Map<Product, Bytes> metaKeys = new HashMap<>();
    private Bytes[] partitionKeys = new Bytes[0];
    /** Books whose meta changed since the last {@link #persistChanged} (by product index), and their list. */
    private boolean[] changed = new boolean[16];
    private final List<Product> changedList = new ArrayList<>();

    /** The level layouts' stores. */
    static TaskStores levels(final KeyValueStore<Bytes, byte[]> levels, final KeyValueStore<Bytes, byte[]> meta) {
        if (levels == null || meta == null) {
            throw new IllegalArgumentException("the level layouts need a level store and a meta store");
        }
        return new TaskStores(levels, meta, null);
    }

    /** The checkpoint layout's store. */
    static TaskStores checkpoints(final KeyValueStore<Bytes, byte[]> checkpoints) {
        if (checkpoints == null) {
            throw new IllegalArgumentException("the checkpoint layout needs a checkpoint store");
        }
        return new TaskStores(null, null, checkpoints);
    }

    private TaskStores(final KeyValueStore<Bytes, byte[]> levels, final KeyValueStore<Bytes, byte[]> meta,
                       final KeyValueStore<Bytes, byte[]> checkpoints) {
        this.levels = levels;
        this.meta = meta;
        this.checkpoints = checkpoints;
    }

    /** Whether the books' levels live in checkpoints (plus the raw records after them) rather than level by level. */
    boolean checkpointed() {
        return checkpoints != null;
    }

    /** The partition's last checkpoint, or null. */
    BookCheckpointCodec.Checkpoint checkpoint(final int partition) {
        final byte[] value = checkpoints.get(BookMetaCodec.partitionKey(partition));
        return value == null ? null : BookCheckpointCodec.decode(value);
    }

    /**
     * Writes a checkpoint of every book of the task as they stand after the record at {@code offset}.
     *
     * @return the checkpoint's size in bytes
     */
    int writeCheckpoint(final int partition, final long offset, final BookEngine engine, final ProductChains chains) {
        final List<ProductBook> books = engine.books();
        checkpointCodec.begin(partition, offset, books.size());
        for (int i = 0; i < books.size(); i++) {
            final ProductBook pb = books.get(i);
            checkpointCodec.add(pb, encodeMeta(pb, chains));
        }
        final byte[] value = checkpointCodec.finish();
        checkpoints.put(BookMetaCodec.partitionKey(partition), value);
        return value.length;
    }

    /**
     * Reads the meta store (level layouts): the partitions' offsets go to {@code offsets}, the books come back in their
     * creation order (restore them in that order).
     */
    List<StoredBook> readMeta(final ProductRegistry products, final OffsetConsumer offsets) {
        final List<StoredBook> books = new ArrayList<>();
        if (meta == null) {
            return books;
        }
        try (KeyValueIterator<Bytes, byte[]> it = meta.all()) {
            while (it.hasNext()) {
                final KeyValue<Bytes, byte[]> kv = it.next();
                final byte[] key = kv.key.get();
                if (BookMetaCodec.isPartitionKey(key)) {
                    offsets.offset(BookMetaCodec.partitionOf(key), BookMetaCodec.offsetOf(kv.value));
                } else {
                    books.add(new StoredBook(products.get(BookMetaCodec.productOf(key)),
                            BookMetaCodec.decode(kv.value)));
                }
            }
        }
        books.sort(Comparator.comparingInt(b -> b.stored().creationOrder()));
        for (final StoredBook book : books) {
            creationOrder.put(book.product(), creationOrder.size());
        }
        return books;
    }

    /** Loads a restored, empty book's levels from the level store; returns how many. */
    long loadLevels(final Product product, final OrderBook book) {
        if (levels == null) {
            return 0;
        }
        final byte[] prefix = prefix(product);
        book.beginLoad();
        final long n = loadSide(book, prefix, Side.BID_CODE) + loadSide(book, prefix, Side.ASK_CODE);
        book.endLoad();
        return n;
    }

    private long loadSide(final OrderBook book, final byte[] prefix, final byte side) {
        long n = 0;
        try (KeyValueIterator<Bytes, byte[]> it = levels.range(LevelKeys.sideFrom(prefix, side),
                LevelKeys.sideTo(prefix, side))) {
            while (it.hasNext()) {
                final KeyValue<Bytes, byte[]> kv = it.next();
                book.load(side, LevelKeys.priceOf(kv.key.get()), LevelKeys.sizeOf(kv.value));
                n++;
            }
        }
        return n;
    }

    /** The last raw offset read on a partition, written with every record (level layouts). */
    void offsetRead(final int partition, final long offset) {
        if (meta == null) {
            return;
        }
        if (partition >= partitionKeys.length) {
            partitionKeys = Arrays.copyOf(partitionKeys, partition + 1);
        }
        Bytes key = partitionKeys[partition];
        if (key == null) {
            key = BookMetaCodec.partitionKey(partition);
            partitionKeys[partition] = key;
        }
        // A new value each time: the caching store keeps the array it is given.
        meta.put(key, BookMetaCodec.offsetValue(offset));
    }

    /** A book's meta or chain changed: it is written at the next {@link #persistChanged} (level layouts). */
    void changed(final Product product) {
        if (meta == null) {
            return;
        }
        final int index = product.index();
        if (index >= changed.length) {
            changed = Arrays.copyOf(changed, Math.max(changed.length * 2, index + 1));
        }
        if (!changed[index]) {
            changed[index] = true;
            changedList.add(product);
        }
    }

    /** Writes the meta of every book changed since the last call (state, last top, chain). */
    void persistChanged(final BookEngine engine, final ProductChains chains) {
        for (int i = 0; i < changedList.size(); i++) {
            final Product product = changedList.get(i);
            changed[product.index()] = false;
            final ProductBook pb = engine.book(product);
            if (pb == null) {
                continue;
            }
            meta.put(metaKey(product), encodeMeta(pb, chains));
        }
        changedList.clear();
    }

    private byte[] encodeMeta(final ProductBook pb, final ProductChains chains) {
        final Product product = pb.product();
        Integer order = creationOrder.get(product);
        if (order == null) {
            order = creationOrder.size();
            creationOrder.put(product, order);
        }
        final int index = product.index();
        return BookMetaCodec.encode(order, pb.meta(), chains.session(index), chains.sequence(index),
                chains.epoch(index));
    }

    @Override
    public void onLevel(final Product product, final byte sideCode, final long priceTicks, final long sizeLots) {
        if (levels == null) {
            return;
        }
        final Bytes key = LevelKeys.levelKey(prefix(product), sideCode, priceTicks);
        if (sizeLots == 0) {
            levels.delete(key);
        } else {
            levels.put(key, LevelKeys.sizeValue(sizeLots));
        }
    }

    @Override
    public void onBookReplaced(final ProductBook pb) {
        if (levels == null) {
            return;
        }
        final byte[] prefix = prefix(pb.product());
        for (final byte side : new byte[] {Side.BID_CODE, Side.ASK_CODE}) {
            final List<Bytes> old = new ArrayList<>();
            try (KeyValueIterator<Bytes, byte[]> it = levels.range(LevelKeys.sideFrom(prefix, side),
                    LevelKeys.sideTo(prefix, side))) {
                while (it.hasNext()) {
                    old.add(it.next().key);
                }
            }
            for (final Bytes key : old) {
                levels.delete(key);
            }
            pb.book().side(Side.ofCode(side)).forEachLevel(Integer.MAX_VALUE,
                    (price, size) -> levels.put(LevelKeys.levelKey(prefix, side, price), LevelKeys.sizeValue(size)));
        }
    }

    private byte[] prefix(final Product product) {
        return prefixes.computeIfAbsent(product, p -> LevelKeys.prefix(p.id()));
    }

    private Bytes metaKey(final Product product) {
        return metaKeys.computeIfAbsent(product, p -> BookMetaCodec.bookKey(p.id()));
    }
}
