package dev.orderbook.book.processor;

import dev.orderbook.codec.model.Side;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HashLevelStoreTest {
    private final HashLevelStore store = new HashLevelStore("books");
    private final byte[] btc = LevelKeys.prefix("BTC-USD");
    private final byte[] eth = LevelKeys.prefix("ETH-USD");

    private static List<Long> prices(final KeyValueIterator<Bytes, byte[]> it) {
        final List<Long> out = new ArrayList<>();
        try (it) {
            while (it.hasNext()) {
                final KeyValue<Bytes, byte[]> kv = it.next();
                out.add(LevelKeys.priceOf(kv.key.get()));
            }
        }
        return out;
    }

    @Test
    void rangeShouldReturnOneSideOfOneProductBestFirst() {
        for (final long p : new long[] {100, 300, 200}) {
            store.put(LevelKeys.levelKey(btc, Side.BID_CODE, p), LevelKeys.sizeValue(1));
            store.put(LevelKeys.levelKey(btc, Side.ASK_CODE, p + 1000), LevelKeys.sizeValue(1));
            store.put(LevelKeys.levelKey(eth, Side.BID_CODE, p + 5), LevelKeys.sizeValue(1));
        }
        // A key of the product that is no level (the separator, then 0x00) stays out of the sides' ranges.
        store.put(Bytes.wrap(new byte[] {'B', 'T', 'C', '-', 'U', 'S', 'D', 0, 0}), new byte[] {1});

        assertThat(prices(store.range(LevelKeys.sideFrom(btc, Side.BID_CODE), LevelKeys.sideTo(btc, Side.BID_CODE))))
                .containsExactly(300L, 200L, 100L);
        assertThat(prices(store.range(LevelKeys.sideFrom(btc, Side.ASK_CODE), LevelKeys.sideTo(btc, Side.ASK_CODE))))
                .containsExactly(1100L, 1200L, 1300L);
        assertThat(prices(store.reverseRange(LevelKeys.sideFrom(btc, Side.ASK_CODE),
                LevelKeys.sideTo(btc, Side.ASK_CODE)))).containsExactly(1300L, 1200L, 1100L);
        assertThat(store.approximateNumEntries()).isEqualTo(10);
    }

    @Test
    void putOfNullAndDeleteShouldRemoveTheLevel() {
        final Bytes key = LevelKeys.levelKey(btc, Side.BID_CODE, 100);
        store.put(key, LevelKeys.sizeValue(5));
        assertThat(LevelKeys.sizeOf(store.putIfAbsent(key, LevelKeys.sizeValue(6)))).isEqualTo(5);

        assertThat(LevelKeys.sizeOf(store.delete(key))).isEqualTo(5);
        store.put(key, LevelKeys.sizeValue(7));
        store.put(key, null);

        assertThat(store.get(key)).isNull();
        assertThat(prices(store.all())).isEmpty();
    }

    @Test
    void anIteratorShouldNotSeeLaterWrites() {
        store.put(LevelKeys.levelKey(btc, Side.BID_CODE, 100), LevelKeys.sizeValue(1));
        final KeyValueIterator<Bytes, byte[]> it = store.all();
        store.put(LevelKeys.levelKey(btc, Side.BID_CODE, 200), LevelKeys.sizeValue(1));

        assertThat(it.peekNextKey()).isEqualTo(LevelKeys.levelKey(btc, Side.BID_CODE, 100));
        assertThat(prices(it)).containsExactly(100L);
    }
}
