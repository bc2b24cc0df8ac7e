package dev.orderbook.book.processor;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.query.PositionBound;
import org.apache.kafka.streams.query.Query;
import org.apache.kafka.streams.query.QueryConfig;
import org.apache.kafka.streams.query.QueryResult;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory key-value store for the book levels, built for the processor's access pattern: a point
 * {@code put}/{@code delete} per level change (hashed, O(1), no key comparisons), and a rare sorted range scan (a
 * snapshot replacing a book, the rebuild on init, a book query), which sorts the matching entries on demand. Kafka
 * Streams wraps it like any store: changelogged, restored from the changelog through the callback registered in
 * {@link #init}, and queryable. Kafka's own in-memory store keeps a {@code TreeMap} instead, whose ordered puts were
 * the largest single cost in the profile of the processor.
 *
 * <p>Thread-safe: written by its stream thread, read concurrently by interactive queries (which see each entry
 * atomically, not a snapshot of the whole book).
 */
public final class HashLevelStore implements KeyValueStore<Bytes, byte[]> {
    private static final Comparator<KeyValue<Bytes, byte[]>> BY_KEY = (a, b) -> a.key.compareTo(b.key);

    private final String name;
    private final Map<Bytes, byte[]> map = new ConcurrentHashMap<>(1 << 16);
    private final Position position = Position.emptyPosition();
    private volatile boolean open;

    HashLevelStore(final String name) {
        this.name = name;
    }

    /** A supplier of this store, for {@link org.apache.kafka.streams.state.Stores#keyValueStoreBuilder}. */
    public static KeyValueBytesStoreSupplier supplier(final String name) {
        return new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public KeyValueStore<Bytes, byte[]> get() {
                return new HashLevelStore(name);
            }

            @Override
            public String metricsScope() {
                return "in-memory-hash";
            }
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(final StateStoreContext context, final StateStore root) {
        if (root != null) {
            context.register(root, (key, value) -> put(Bytes.wrap(key), value));
        }
        open = true;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        map.clear();
        open = false;
    }

    @Override
    public Position getPosition() {
        return position;
    }

    @Override
    public <R> QueryResult<R> query(final Query<R> query, final PositionBound positionBound,
                                    final QueryConfig config) {
        return QueryResult.forUnknownQueryType(query, this);
    }

    @Override
    public byte[] get(final Bytes key) {
        return map.get(key);
    }

    @Override
    public void put(final Bytes key, final byte[] value) {
        if (value == null) {
            map.remove(key);
        } else {
            map.put(key, value);
        }
    }

    @Override
    public byte[] putIfAbsent(final Bytes key, final byte[] value) {
        final byte[] old = map.get(key);
        if (old == null) {
            put(key, value);
        }
        return old;
    }

    @Override
    public void putAll(final List<KeyValue<Bytes, byte[]>> entries) {
        for (final KeyValue<Bytes, byte[]> e : entries) {
            put(e.key, e.value);
        }
    }

    @Override
    public byte[] delete(final Bytes key) {
        return map.remove(key);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> range(final Bytes from, final Bytes to) {
        return sorted(from, to, false);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseRange(final Bytes from, final Bytes to) {
        return sorted(from, to, true);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> all() {
        return sorted(null, null, false);
    }

    @Override
    public KeyValueIterator<Bytes, byte[]> reverseAll() {
        return sorted(null, null, true);
    }

    @Override
    public long approximateNumEntries() {
        return map.size();
    }

    /** The entries with {@code from <= key <= to} (null: unbounded), sorted; a copy, so the store may change. */
    private KeyValueIterator<Bytes, byte[]> sorted(final Bytes from, final Bytes to, final boolean reverse) {
        final List<KeyValue<Bytes, byte[]>> out = new ArrayList<>();
        if (from == null || to == null || from.compareTo(to) <= 0) {
            for (final Map.Entry<Bytes, byte[]> e : map.entrySet()) {
                final Bytes k = e.getKey();
                if ((from == null || k.compareTo(from) >= 0) && (to == null || k.compareTo(to) <= 0)) {
                    out.add(KeyValue.pair(k, e.getValue()));
                }
            }
        }
        out.sort(reverse ? BY_KEY.reversed() : BY_KEY);
        return new ListIterator(out.iterator(), out);
    }

    private static final class ListIterator implements KeyValueIterator<Bytes, byte[]> {
        private final Iterator<KeyValue<Bytes, byte[]>> it;
        private final List<KeyValue<Bytes, byte[]>> list;
        private int next;

        ListIterator(final Iterator<KeyValue<Bytes, byte[]>> it, final List<KeyValue<Bytes, byte[]>> list) {
            this.it = it;
            this.list = list;
        }

        @Override
        public boolean hasNext() {
            return it.hasNext();
        }

        @Override
        public KeyValue<Bytes, byte[]> next() {
            if (!it.hasNext()) {
                throw new NoSuchElementException();
            }
            next++;
            return it.next();
        }

        @Override
        public Bytes peekNextKey() {
            if (next >= list.size()) {
                throw new NoSuchElementException();
            }
            return list.get(next).key;
        }

        @Override
        public void close() {
        }
    }
}
