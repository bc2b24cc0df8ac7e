package dev.orderbook.book.orderbook;

import dev.orderbook.codec.model.Side;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Prices reach the book at the codec's scale (10 decimal places), so a product quoted in cents has levels 10^8
 * ticks apart. The side holds them in units of the largest power of ten dividing every resting price and must stay
 * exact when a finer price arrives.
 */
class BookSidePriceUnitTest {
    private static final long CENT = 100_000_000L; // 0.01 at scale 10

    private static List<long[]> levels(final BookSide side) {
        final List<long[]> out = new ArrayList<>();
        side.forEachLevel(Integer.MAX_VALUE, (p, s) -> out.add(new long[] {p, s}));
        return out;
    }

    @Test
    void shouldChooseTheUnitFromTheFirstPriceOfAnEmptySide() {
        final BookSide bids = new BookSide(Side.BID);
        bids.apply(6_500_001 * CENT, 5);
        assertThat(bids.priceUnit()).isEqualTo(CENT);
        assertThat(bids.bestPrice()).isEqualTo(6_500_001 * CENT);
        assertThat(bids.sizeAt(6_500_001 * CENT)).isEqualTo(5);
    }

    @Test
    void shouldRefineTheUnitExactlyWhenAFinerPriceArrives() {
        final BookSide asks = new BookSide(Side.ASK);
        asks.apply(6_500_000 * CENT * 100, 1); // 65000.00: a round price chooses a coarse unit
        asks.apply(6_500_002 * CENT, 2);
        asks.apply(6_500_002 * CENT + 5 * CENT / 10, 3); // 65000.025: finer again
        assertThat(asks.priceUnit()).isEqualTo(CENT / 10);
        assertThat(levels(asks)).extracting(l -> l[0] + "=" + l[1]).containsExactly(
                (6_500_002 * CENT) + "=2", (6_500_002 * CENT + 5 * CENT / 10) + "=3", (6_500_000 * CENT * 100) + "=1");
        assertThat(asks.bestPrice()).isEqualTo(6_500_002 * CENT);
    }

    @Test
    void removingAPriceFinerThanTheUnitShouldBeHarmless() {
        final BookSide bids = new BookSide(Side.BID);
        bids.apply(100 * CENT, 1);
        assertThat(bids.apply(100 * CENT + 1, 0)).isFalse();
        assertThat(bids.priceUnit()).isEqualTo(CENT * 100);
        assertThat(bids.levels()).isEqualTo(1);
        assertThat(bids.sizeAt(100 * CENT + 1)).isZero();
    }

    @Test
    void shouldRefineTheUnitInTheMiddleOfASnapshotLoad() {
        final BookSide bids = new BookSide(Side.BID);
        bids.beginLoad();
        bids.load(6_500_000 * CENT, 1);
        for (int i = 1; i < 1000; i++) {
            bids.load((6_500_000 - i) * CENT, i);
        }
        bids.load(6_499_000 * CENT - 7, 9); // a price at the full scale, mid-load
        for (int i = 1001; i < 3000; i++) {
            bids.load((6_500_000 - i) * CENT, i);
        }
        bids.endLoad();
        assertThat(bids.priceUnit()).isEqualTo(1);
        assertThat(bids.levels()).isEqualTo(3000);
        assertThat(bids.sizeAt(6_499_000 * CENT - 7)).isEqualTo(9);
        assertThat(bids.priceAtDepth(0)).isEqualTo(6_500_000 * CENT);
        assertThat(bids.priceAtDepth(2999)).isEqualTo((6_500_000 - 2999) * CENT);
    }

    @Test
    void clearShouldLetTheNextPriceChooseTheUnitAgain() {
        final BookSide asks = new BookSide(Side.ASK);
        asks.apply(123, 1);
        assertThat(asks.priceUnit()).isEqualTo(1);
        asks.clear();
        asks.apply(7 * CENT, 1);
        assertThat(asks.priceUnit()).isEqualTo(CENT);
    }

    @Test
    void shouldMatchAReferenceOnScaledPricesWithOccasionalFinerOnes() {
        final SplittableRandom random = new SplittableRandom(11);
        final BookSide bids = new BookSide(Side.BID);
        final TreeMap<Long, Long> reference = new TreeMap<>();
        long mid = 6_500_000;
        for (int step = 0; step < 300_000; step++) {
            if (step % 50_000 == 0) {
                // A snapshot now and then, in Coinbase's best-first order.
                bids.beginLoad();
                reference.clear();
                for (int i = 0; i < 5_000; i++) {
                    final long price = (mid - i * 2) * CENT;
                    bids.load(price, 1 + i);
                    reference.put(price, 1L + i);
                }
                bids.endLoad();
            }
            mid += random.nextInt(-2, 3);
            final boolean deep = random.nextInt(5) == 0;
            final long offset = deep ? random.nextLong(0, 10_000) : random.nextLong(0, 30);
            long price = (mid - offset) * CENT;
            if (random.nextInt(10_000) == 0) {
                price += random.nextLong(1, CENT); // a price finer than cents, rarely
            }
            final long size = random.nextInt(3) == 0 ? 0 : random.nextLong(1, 1_000_000);
            bids.apply(price, size);
            if (size == 0) {
                reference.remove(price);
            } else {
                reference.put(price, size);
            }
            final Map.Entry<Long, Long> best = reference.lastEntry();
            assertThat(bids.bestPrice()).isEqualTo(best == null ? BookSide.NO_PRICE : best.getKey());
            assertThat(bids.bestSize()).isEqualTo(best == null ? 0 : best.getValue());
            assertThat(bids.levels()).isEqualTo(reference.size());
        }
        final List<long[]> all = levels(bids);
        assertThat(all).hasSize(reference.size());
        int i = 0;
        for (final Map.Entry<Long, Long> e : reference.descendingMap().entrySet()) {
            assertThat(all.get(i)[0]).isEqualTo(e.getKey());
            assertThat(all.get(i)[1]).isEqualTo(e.getValue());
            i++;
        }
    }
}
