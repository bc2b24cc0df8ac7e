package dev.orderbook.simulator.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

class MarketBookSideTest {

    @Test
    void shouldMatchSortedMapUnderRandomInsertsUpdatesAndRemovals() {
        for (final boolean bids : new boolean[] {true, false}) {
            final MarketBookSide side = new MarketBookSide(bids);
            final TreeMap<Long, Long> reference = new TreeMap<>(bids ? Comparator.<Long>reverseOrder() : null);
            final SplittableRandom random = new SplittableRandom(7);
            for (int step = 0; step < 60_000; step++) {
                // Grow to a few thousand levels first, so that blocks split, then churn so that they merge.
                final boolean remove = step > 30_000 ? random.nextInt(100) < 55 : random.nextInt(100) < 30;
                final long price = 1 + random.nextLong(5_000);
                final long size = remove ? 0 : 1 + random.nextLong(1_000);
                final Long before = reference.get(price);
                final long previous = side.set(price, size);
                assertThat(previous).isEqualTo(before == null ? 0L : before);
                if (size == 0) {
                    reference.remove(price);
                } else {
                    reference.put(price, size);
                }
                if (step % 5_000 == 0 || step == 59_999) {
                    assertSameLevels(side, reference);
                }
            }
        }
    }

    @Test
    void rankAccessShouldAgreeWithIteration() {
        final MarketBookSide side = new MarketBookSide(false);
        for (long price = 1000; price < 3000; price += 2) {
            side.set(price, price);
        }
        assertThat(side.levelCount()).isEqualTo(1000);
        assertThat(side.bestPrice()).isEqualTo(1000);
        assertThat(side.priceAt(0)).isEqualTo(1000);
        assertThat(side.priceAt(999)).isEqualTo(2998);
        assertThat(side.priceAt(500)).isEqualTo(2000);
        assertThat(side.sizeAt(500)).isEqualTo(2000);
        assertThat(side.sizeAtPrice(2001)).isZero();
        assertThat(side.sizeAtPrice(2002)).isEqualTo(2002);
    }

    @Test
    void bidsShouldBeBestFirstDescending() {
        final MarketBookSide side = new MarketBookSide(true);
        side.set(100, 1);
        side.set(300, 3);
        side.set(200, 2);
        final List<Long> prices = new ArrayList<>();
        side.forEachLevel((price, size) -> prices.add(price));
        assertThat(prices).containsExactly(300L, 200L, 100L);
        assertThat(side.bestPrice()).isEqualTo(300);
    }

    @Test
    void emptySideShouldReportNoPrice() {
        final MarketBookSide side = new MarketBookSide(true);
        assertThat(side.bestPrice()).isEqualTo(MarketBookSide.NO_PRICE);
        assertThat(side.set(5, 0)).isZero();
        assertThat(side.levelCount()).isZero();
        assertThatThrownBy(() -> side.priceAt(0)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void negativeSizeShouldBeRejected() {
        final MarketBookSide side = new MarketBookSide(false);
        assertThatThrownBy(() -> side.set(5, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void assertSameLevels(final MarketBookSide side, final TreeMap<Long, Long> reference) {
        assertThat(side.levelCount()).isEqualTo(reference.size());
        final List<long[]> actual = new ArrayList<>();
        side.forEachLevel((price, size) -> actual.add(new long[] {price, size}));
        int rank = 0;
        for (final Map.Entry<Long, Long> level : reference.entrySet()) {
            assertThat(actual.get(rank)).containsExactly(level.getKey(), level.getValue());
            if (rank % 97 == 0) {
                assertThat(side.priceAt(rank)).isEqualTo(level.getKey());
                assertThat(side.sizeAt(rank)).isEqualTo(level.getValue());
            }
            rank++;
        }
    }
}
