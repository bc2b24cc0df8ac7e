package dev.orderbook.book.orderbook;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.orderbook.codec.model.Side;

/**
 * Drives {@link OrderBook} and a {@link TreeMap} reference book with the same seeded random changes and compares
 * them after every step (best levels, level counts, top 25, the change flag), in full every few thousand steps and
 * after every snapshot. The changes cycle through regimes: steady churn on deep books, growth, draining a side until
 * it is empty, snapshots mid-stream (best-first, shuffled, with duplicates and zeros), and clears.
 */
class OrderBookDifferentialTest {
    private static final int TOP_N = 25;
    private static final int FULL_COMPARE_EVERY = 5_000;
    private static final long MID_TICKS = 1_000_000;

    private enum Regime { STEADY, GROW, DRAIN }

    @ParameterizedTest(name = "seed {0}: chunk capacity {1}, window {2} ticks, ~{3} levels per side, {4} steps")
    @CsvSource({
        "1, 8, 64, 4000, 120000",
        "2, 16, 128, 4000, 120000",
        "3, 64, 2048, 4000, 120000",
        "4, 64, 256, 4000, 120000",
        "5, 256, 1024, 4000, 120000",
        "6, 32, 64, 4000, 120000",
        "7, 64, 2048, 12000, 200000",
    })
    void orderBookShouldMatchReferenceBookUnderRandomChanges(final long seed, final int chunkCapacity,
                                                             final int windowTicks, final int targetLevels,
                                                             final int steps) {
        final SplittableRandom random = new SplittableRandom(seed);
        final OrderBook book = new OrderBook(chunkCapacity, windowTicks);
        final ReferenceBook reference = new ReferenceBook();
        final BookSide[] sides = {book.bids(), book.asks()};
        final NavigableMap<Long, Long>[] referenceSides = reference.sides();
        final long[] initialFootprint = {book.bids().footprintBytes(), book.asks().footprintBytes()};

        loadSnapshot(random, book, reference, targetLevels, 0);
        Regime regime = Regime.STEADY;
        int regimeSteps = 0;
        for (int step = 0; step < steps; step++) {
            if (--regimeSteps <= 0) {
                regime = Regime.values()[random.nextInt(Regime.values().length)];
                regimeSteps = 2_000 + random.nextInt(20_000);
            }
            final int roll = random.nextInt(100_000);
            if (roll < 4) {
                loadSnapshot(random, book, reference, random.nextInt(2 * targetLevels), random.nextInt(3));
                assertFullDepthEqual(book, reference, step);
                continue;
            }
            if (roll < 6) {
                book.clear();
                reference.clear();
                continue;
            }
            final int s = random.nextInt(2);
            final Side side = s == 0 ? Side.BID : Side.ASK;
            final NavigableMap<Long, Long> referenceSide = referenceSides[s];
            final long priceTicks = pickPrice(random, side, referenceSide, targetLevels);
            final long sizeLots = pickSize(random, regime, referenceSide, priceTicks, targetLevels);

            final Map.Entry<Long, Long> bestBefore = referenceSide.isEmpty() ? null : referenceSide.firstEntry();
            reference.apply(side, priceTicks, sizeLots);
            final Map.Entry<Long, Long> bestAfter = referenceSide.isEmpty() ? null : referenceSide.firstEntry();
            final int levelsBefore = sides[s].levels();
            final boolean changed = random.nextBoolean()
                ? book.apply(side, priceTicks, sizeLots)
                : book.apply(side.code(), priceTicks, sizeLots);

            assertThat(changed).as("step %d: top changed flag for %s %d %d", step, side, priceTicks, sizeLots)
                .isEqualTo(!Objects.equals(bestBefore, bestAfter));
            assertTopEqual(book, reference, step);
            if (sides[s].levels() < levelsBefore) {
                assertThat(sides[s].footprintBytes() - initialFootprint[s])
                    .as("step %d: footprint of %d levels", step, sides[s].levels())
                    .isLessThanOrEqualTo((long) BookSide.MAX_BYTES_PER_LEVEL * (sides[s].levels() + 1));
            }
            if (step % FULL_COMPARE_EVERY == 0) {
                assertFullDepthEqual(book, reference, step);
            }
        }
        assertFullDepthEqual(book, reference, steps);
        // The run must have exercised the structure, not just the window.
        long splits = 0;
        long spills = 0;
        long windowMoves = 0;
        for (final BookSide side : sides) {
            splits += side.splitCount();
            spills += side.spillCount();
            windowMoves += side.windowMoveCount();
        }
        assertThat(splits).as("splits").isPositive();
        assertThat(spills).as("spills").isPositive();
        assertThat(windowMoves).as("window moves").isPositive();
    }

    private static long pickPrice(final SplittableRandom random, final Side side,
                                  final NavigableMap<Long, Long> referenceSide, final int targetLevels) {
        final int roll = random.nextInt(100);
        final long outward = side == Side.BID ? -1 : 1;
        if (!referenceSide.isEmpty() && roll < 15) {
            return referenceSide.firstKey();
        }
        if (!referenceSide.isEmpty() && roll < 60) {
            // Near the top: a few ticks either side of the best, mostly behind it.
            final long offset = (long) (-Math.log(1 - random.nextDouble()) * 6) - (random.nextInt(8) == 0 ? 3 : 0);
            return Math.max(0, referenceSide.firstKey() + outward * offset);
        }
        // Anywhere in the side's band, which may overlap the other side's a little.
        final long inner = MID_TICKS - outward * 50;
        return Math.max(0, inner + outward * random.nextInt(3 * targetLevels));
    }

    private static long pickSize(final SplittableRandom random, final Regime regime,
                                 final NavigableMap<Long, Long> referenceSide, final long priceTicks,
                                 final int targetLevels) {
        final int deletePercent;
        if (regime == Regime.DRAIN) {
            deletePercent = 85;
        } else if (regime == Regime.GROW) {
            deletePercent = 15;
        } else {
            deletePercent = referenceSide.size() > targetLevels ? 55 : 40;
        }
        if (random.nextInt(100) < deletePercent) {
            return 0;
        }
        final Long current = referenceSide.get(priceTicks);
        if (current != null && random.nextInt(10) == 0) {
            return current;
        }
        return 1 + random.nextInt(1_000_000);
    }

    /** Loads a random snapshot into both books: best first, shuffled, or shuffled with duplicates and zeros. */
    private static void loadSnapshot(final SplittableRandom random, final OrderBook book, final ReferenceBook reference,
                                     final int depth, final int kind) {
        book.beginLoad();
        reference.clear();
        for (final Side side : Side.values()) {
            final long outward = side == Side.BID ? -1 : 1;
            final List<long[]> levels = new ArrayList<>();
            long price = MID_TICKS + outward;
            for (int i = 0; i < depth; i++) {
                levels.add(new long[] {price, 1 + random.nextInt(1_000_000)});
                price += outward * (1 + random.nextInt(3));
                if (price < 0) {
                    break;
                }
            }
            if (kind >= 1) {
                for (int i = 0; i < depth / 10; i++) {
                    final long[] level = levels.get(random.nextInt(Math.max(1, levels.size())));
                    levels.add(new long[] {level[0], random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(1_000)});
                }
                Collections.shuffle(levels, new Random(random.nextLong()));
            }
            if (kind == 2) {
                levels.sort(Comparator.comparingLong(l -> -outward * l[0]));
            }
            for (final long[] level : levels) {
                book.load(side, level[0], level[1]);
                reference.apply(side, level[0], level[1]);
            }
        }
        book.endLoad();
    }

    private static void assertTopEqual(final OrderBook book, final ReferenceBook reference, final int step) {
        assertThat(book.bestBidPrice()).as("step %d: best bid", step).isEqualTo(reference.bestPrice(Side.BID));
        assertThat(book.bestBidSize()).as("step %d: best bid size", step).isEqualTo(reference.bestSize(Side.BID));
        assertThat(book.bestAskPrice()).as("step %d: best ask", step).isEqualTo(reference.bestPrice(Side.ASK));
        assertThat(book.bestAskSize()).as("step %d: best ask size", step).isEqualTo(reference.bestSize(Side.ASK));
        assertThat(book.bidLevels()).as("step %d: bid levels", step).isEqualTo(reference.bids.size());
        assertThat(book.askLevels()).as("step %d: ask levels", step).isEqualTo(reference.asks.size());
        assertThat(book.isCrossed()).as("step %d: crossed", step).isEqualTo(reference.isCrossed());
        assertLevelsEqual(book.bids(), reference.bids, TOP_N, step);
        assertLevelsEqual(book.asks(), reference.asks, TOP_N, step);
    }

    private static void assertFullDepthEqual(final OrderBook book, final ReferenceBook reference, final int step) {
        book.bids().verifyInvariants();
        book.asks().verifyInvariants();
        assertTopEqual(book, reference, step);
        assertLevelsEqual(book.bids(), reference.bids, Integer.MAX_VALUE, step);
        assertLevelsEqual(book.asks(), reference.asks, Integer.MAX_VALUE, step);
        for (final BookSide side : new BookSide[] {book.bids(), book.asks()}) {
            final NavigableMap<Long, Long> referenceSide = side.side() == Side.BID ? reference.bids : reference.asks;
            int depth = 0;
            for (final Map.Entry<Long, Long> level : referenceSide.entrySet()) {
                if (depth % 97 == 0) {
                    assertThat(side.priceAtDepth(depth)).isEqualTo(level.getKey());
                    assertThat(side.sizeAtDepth(depth)).isEqualTo(level.getValue());
                    assertThat(side.sizeAt(level.getKey())).isEqualTo(level.getValue());
                }
                depth++;
            }
        }
    }

    private static void assertLevelsEqual(final BookSide side, final NavigableMap<Long, Long> referenceSide,
                                          final int maxLevels, final int step) {
        final Iterator<Map.Entry<Long, Long>> expected = referenceSide.entrySet().iterator();
        final int[] compared = {0};
        final int visited = side.forEachLevel(maxLevels, (priceTicks, sizeLots) -> {
            final Map.Entry<Long, Long> level = expected.next();
            if (priceTicks != level.getKey() || sizeLots != level.getValue()) {
                throw new AssertionError("step " + step + ": " + side.side() + " level " + compared[0] + " was "
                    + priceTicks + "@" + sizeLots + ", expected " + level.getKey() + "@" + level.getValue());
            }
            compared[0]++;
        });
        assertThat(visited).as("step %d: %s levels visited", step, side.side())
            .isEqualTo(Math.min(maxLevels, referenceSide.size()));
    }

    /** The obvious book: a TreeMap per side, best level first. */
    private static final class ReferenceBook {
        final NavigableMap<Long, Long> bids = new TreeMap<>(Comparator.reverseOrder());
        final NavigableMap<Long, Long> asks = new TreeMap<>();

        @SuppressWarnings("unchecked")
        NavigableMap<Long, Long>[] sides() {
            return new NavigableMap[] {bids, asks};
        }

        void apply(final Side side, final long priceTicks, final long sizeLots) {
            final NavigableMap<Long, Long> levels = side == Side.BID ? bids : asks;
            if (sizeLots == 0) {
                levels.remove(priceTicks);
            } else {
                levels.put(priceTicks, sizeLots);
            }
        }

        long bestPrice(final Side side) {
            final NavigableMap<Long, Long> levels = side == Side.BID ? bids : asks;
            return levels.isEmpty() ? BookSide.NO_PRICE : levels.firstKey();
        }

        long bestSize(final Side side) {
            final NavigableMap<Long, Long> levels = side == Side.BID ? bids : asks;
            return levels.isEmpty() ? 0 : levels.firstEntry().getValue();
        }

        boolean isCrossed() {
            return !bids.isEmpty() && !asks.isEmpty() && bids.firstKey() >= asks.firstKey();
        }

        void clear() {
            bids.clear();
            asks.clear();
        }
    }
}
