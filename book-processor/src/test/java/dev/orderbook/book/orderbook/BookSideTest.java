package dev.orderbook.book.orderbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.orderbook.codec.model.Side;

class BookSideTest {
    /** Smallest structure, so that a few dozen levels exercise the tree, splits and merges. */
    private static final int SMALL_CHUNK = 8;
    private static final int SMALL_WINDOW = 64;

    private static BookSide smallBids() {
        return new BookSide(Side.BID, SMALL_CHUNK, SMALL_WINDOW);
    }

    private static BookSide smallAsks() {
        return new BookSide(Side.ASK, SMALL_CHUNK, SMALL_WINDOW);
    }

    /** Levels best first as "price@size". */
    private static List<String> levels(final BookSide side) {
        final List<String> levels = new ArrayList<>();
        side.forEachLevel(Integer.MAX_VALUE, (priceTicks, sizeLots) -> levels.add(priceTicks + "@" + sizeLots));
        return levels;
    }

    @Test
    void newSideShouldBeEmpty() {
        final BookSide side = new BookSide(Side.BID);

        assertThat(side.bestPrice()).isEqualTo(BookSide.NO_PRICE);
        assertThat(side.bestSize()).isZero();
        assertThat(side.levels()).isZero();
        assertThat(side.isEmpty()).isTrue();
        assertThat(side.sizeAt(100)).isZero();
        assertThat(side.priceAtDepth(0)).isEqualTo(BookSide.NO_PRICE);
        assertThat(side.sizeAtDepth(0)).isZero();
        assertThat(levels(side)).isEmpty();
        assertThat(side.side()).isEqualTo(Side.BID);
        assertThat(side.chunkCapacity()).isEqualTo(BookSide.DEFAULT_CHUNK_CAPACITY);
        assertThat(side.windowTicks()).isEqualTo(BookSide.DEFAULT_WINDOW_TICKS);
    }

    @Test
    void bidSideShouldKeepHighestPriceAsBest() {
        final BookSide bids = new BookSide(Side.BID);

        bids.apply(100, 5);
        bids.apply(102, 7);
        bids.apply(101, 6);

        assertThat(bids.bestPrice()).isEqualTo(102);
        assertThat(bids.bestSize()).isEqualTo(7);
        assertThat(levels(bids)).containsExactly("102@7", "101@6", "100@5");
    }

    @Test
    void askSideShouldKeepLowestPriceAsBest() {
        final BookSide asks = new BookSide(Side.ASK);

        asks.apply(102, 7);
        asks.apply(100, 5);
        asks.apply(101, 6);

        assertThat(asks.bestPrice()).isEqualTo(100);
        assertThat(asks.bestSize()).isEqualTo(5);
        assertThat(levels(asks)).containsExactly("100@5", "101@6", "102@7");
    }

    @Test
    void applyShouldReplaceSizeOfExistingLevel() {
        final BookSide bids = new BookSide(Side.BID);
        bids.apply(100, 5);
        bids.apply(99, 3);

        bids.apply(99, 4);
        bids.apply(100, 8);

        assertThat(levels(bids)).containsExactly("100@8", "99@4");
        assertThat(bids.levels()).isEqualTo(2);
    }

    @Test
    void applyShouldRemoveLevelWhenSizeIsZero() {
        final BookSide asks = new BookSide(Side.ASK);
        asks.apply(100, 5);
        asks.apply(101, 6);

        asks.apply(101, 0);

        assertThat(levels(asks)).containsExactly("100@5");
        assertThat(asks.sizeAt(101)).isZero();
    }

    @Test
    void applyShouldReportWhetherBestLevelChanged() {
        final BookSide bids = new BookSide(Side.BID);

        assertThat(bids.apply(100, 5)).as("first level").isTrue();
        assertThat(bids.apply(99, 5)).as("level below best").isFalse();
        assertThat(bids.apply(99, 6)).as("size below best").isFalse();
        assertThat(bids.apply(100, 5)).as("same size at best").isFalse();
        assertThat(bids.apply(100, 9)).as("new size at best").isTrue();
        assertThat(bids.apply(101, 1)).as("new best price").isTrue();
        assertThat(bids.apply(101, 0)).as("best removed").isTrue();
        assertThat(bids.apply(99, 0)).as("level below best removed").isFalse();
        assertThat(bids.apply(98, 0)).as("absent level removed").isFalse();
        assertThat(bids.apply(105, 0)).as("absent level above best removed").isFalse();
        assertThat(bids.apply(100, 0)).as("last level removed").isTrue();
        assertThat(bids.apply(100, 0)).as("removal from empty side").isFalse();
    }

    @Test
    void removingAbsentLevelShouldBeHarmless() {
        final BookSide bids = smallBids();
        for (int i = 0; i < 200; i++) {
            bids.apply(10_000 - 3L * i, 1 + i);
        }
        final List<String> before = levels(bids);

        bids.apply(10_001, 0);
        bids.apply(9_999, 0);
        bids.apply(9_000, 0);
        bids.apply(1, 0);
        bids.apply(0, 0);

        assertThat(levels(bids)).isEqualTo(before);
        bids.verifyInvariants();
    }

    @Test
    void removingFromEmptySideShouldBeHarmless() {
        final BookSide asks = new BookSide(Side.ASK);

        assertThat(asks.apply(100, 0)).isFalse();

        assertThat(asks.isEmpty()).isTrue();
        assertThat(asks.bestPrice()).isEqualTo(BookSide.NO_PRICE);
    }

    @Test
    void removingBestLevelShouldPromoteNextLevel() {
        final BookSide asks = new BookSide(Side.ASK);
        asks.apply(100, 5);
        asks.apply(103, 6);
        asks.apply(250, 7);

        asks.apply(100, 0);
        assertThat(asks.bestPrice()).isEqualTo(103);
        assertThat(asks.bestSize()).isEqualTo(6);

        asks.apply(103, 0);
        assertThat(asks.bestPrice()).isEqualTo(250);
        assertThat(asks.bestSize()).isEqualTo(7);
    }

    @Test
    void removingBestLevelsOneByOneShouldWalkDownADeepBook() {
        // 500 levels 10 ticks apart: most of them start in the tree, below a 64-tick window.
        final BookSide bids = smallBids();
        for (int i = 0; i < 500; i++) {
            bids.apply(100_000 - 10L * i, 1 + i);
        }

        for (int i = 0; i < 500; i++) {
            assertThat(bids.bestPrice()).isEqualTo(100_000 - 10L * i);
            assertThat(bids.bestSize()).isEqualTo(1 + i);
            assertThat(bids.levels()).isEqualTo(500 - i);
            assertThat(bids.apply(bids.bestPrice(), 0)).isTrue();
        }
        assertThat(bids.isEmpty()).isTrue();
        assertThat(bids.bestPrice()).isEqualTo(BookSide.NO_PRICE);
        bids.verifyInvariants();
    }

    @Test
    void sideEmptiedShouldRefillAnywhere() {
        final BookSide asks = smallAsks();
        for (int i = 0; i < 100; i++) {
            asks.apply(1_000 + i, 10);
        }
        for (int i = 0; i < 100; i++) {
            asks.apply(1_000 + i, 0);
        }
        assertThat(asks.isEmpty()).isTrue();

        asks.apply(5, 1);
        asks.apply(7_000_000, 2);
        asks.apply(6, 3);

        assertThat(levels(asks)).containsExactly("5@1", "6@3", "7000000@2");
        asks.verifyInvariants();
    }

    @Test
    void applyShouldRejectNegativePriceOrSize() {
        final BookSide bids = new BookSide(Side.BID);

        assertThatThrownBy(() -> bids.apply(-1, 5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> bids.apply(5, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> bids.sizeAt(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(bids.isEmpty()).isTrue();
    }

    @Test
    void constructorShouldRejectBadChunkCapacityOrWindow() {
        assertThatThrownBy(() -> new BookSide(Side.BID, 48, 1024)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BookSide(Side.BID, 4, 1024)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BookSide(Side.BID, 64, 32)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BookSide(Side.BID, 64, 1000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new BookSide(null, 64, 1024)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void extremePricesShouldWorkOnBothSides() {
        for (final Side s : Side.values()) {
            final BookSide side = new BookSide(s, SMALL_CHUNK, SMALL_WINDOW);
            side.apply(0, 1);
            side.apply(Long.MAX_VALUE, 2);
            side.apply(Long.MAX_VALUE - 1, 3);
            side.apply(1, 4);

            final long best = s == Side.BID ? Long.MAX_VALUE : 0;
            assertThat(side.bestPrice()).as("%s best", s).isEqualTo(best);
            assertThat(side.levels()).isEqualTo(4);
            assertThat(side.sizeAt(Long.MAX_VALUE)).isEqualTo(2);
            assertThat(side.sizeAt(0)).isEqualTo(1);
            side.verifyInvariants();

            side.apply(best, 0);
            assertThat(side.bestPrice()).isEqualTo(s == Side.BID ? Long.MAX_VALUE - 1 : 1);
            side.verifyInvariants();
        }
    }

    @Test
    void sizeAtShouldReturnSizeOrZero() {
        final BookSide bids = smallBids();
        for (int i = 0; i < 300; i++) {
            bids.apply(50_000 - 7L * i, 100 + i);
        }

        assertThat(bids.sizeAt(50_000)).isEqualTo(100);
        assertThat(bids.sizeAt(50_000 - 7L * 150)).isEqualTo(250);
        assertThat(bids.sizeAt(50_000 - 7L * 299)).isEqualTo(399);
        assertThat(bids.sizeAt(50_001)).isZero();
        assertThat(bids.sizeAt(49_999)).isZero();
        assertThat(bids.sizeAt(1)).isZero();
    }

    @Test
    void depthQueriesShouldCountFromBest() {
        final BookSide asks = smallAsks();
        for (int i = 0; i < 300; i++) {
            asks.apply(1_000 + 5L * i, 10 + i);
        }

        assertThat(asks.priceAtDepth(0)).isEqualTo(1_000);
        assertThat(asks.sizeAtDepth(0)).isEqualTo(10);
        assertThat(asks.priceAtDepth(7)).isEqualTo(1_035);
        assertThat(asks.priceAtDepth(200)).isEqualTo(2_000);
        assertThat(asks.sizeAtDepth(200)).isEqualTo(210);
        assertThat(asks.priceAtDepth(299)).isEqualTo(2_495);
        assertThat(asks.priceAtDepth(300)).isEqualTo(BookSide.NO_PRICE);
        assertThat(asks.priceAtDepth(-1)).isEqualTo(BookSide.NO_PRICE);
        assertThat(asks.sizeAtDepth(300)).isZero();
    }

    @Test
    void forEachLevelShouldVisitAtMostMaxLevelsBestFirst() {
        final BookSide bids = smallBids();
        for (int i = 0; i < 100; i++) {
            bids.apply(1_000 + 3L * i, 1 + i);
        }
        final List<String> top = new ArrayList<>();

        final int visited = bids.forEachLevel(25, (priceTicks, sizeLots) -> top.add(priceTicks + "@" + sizeLots));

        assertThat(visited).isEqualTo(25);
        assertThat(top).hasSize(25);
        assertThat(top.get(0)).isEqualTo("1297@100");
        assertThat(top.get(24)).isEqualTo("1225@76");
        assertThat(bids.forEachLevel(0, (p, s) -> top.add("unexpected"))).isZero();
        assertThat(bids.forEachLevel(-5, (p, s) -> top.add("unexpected"))).isZero();
        assertThat(bids.forEachLevel(1_000, (p, s) -> { })).isEqualTo(100);
    }

    @Test
    void loadShouldReplaceWholeSide() {
        final BookSide bids = new BookSide(Side.BID);
        bids.apply(500, 1);
        bids.apply(400, 1);

        bids.beginLoad();
        bids.load(102, 3);
        bids.load(101, 2);
        bids.load(100, 1);
        bids.endLoad();

        assertThat(levels(bids)).containsExactly("102@3", "101@2", "100@1");
        assertThat(bids.bestPrice()).isEqualTo(102);
        assertThat(bids.levels()).isEqualTo(3);
    }

    @Test
    void loadShouldAcceptUnsortedLevels() {
        final BookSide asks = smallAsks();

        asks.beginLoad();
        asks.load(105, 5);
        asks.load(101, 1);
        asks.load(103, 3);
        asks.load(1_000, 9);
        asks.load(100, 7);
        asks.endLoad();

        assertThat(levels(asks)).containsExactly("100@7", "101@1", "103@3", "105@5", "1000@9");
        asks.verifyInvariants();
    }

    @Test
    void loadShouldKeepLastSizeOfDuplicatePrice() {
        final BookSide bids = new BookSide(Side.BID);

        bids.beginLoad();
        bids.load(102, 3);
        bids.load(101, 2);
        bids.load(102, 30);
        bids.load(101, 20);
        bids.endLoad();

        assertThat(levels(bids)).containsExactly("102@30", "101@20");
    }

    @Test
    void loadShouldIgnoreZeroSizesAndLetALaterZeroRemoveAnEarlierEntry() {
        final BookSide bids = new BookSide(Side.BID);

        bids.beginLoad();
        bids.load(103, 0);
        bids.load(102, 3);
        bids.load(101, 0);
        bids.load(100, 1);
        bids.load(102, 0);
        bids.endLoad();

        assertThat(levels(bids)).containsExactly("100@1");
    }

    @Test
    void loadShouldRequireBeginLoad() {
        final BookSide bids = new BookSide(Side.BID);

        assertThatThrownBy(() -> bids.load(100, 1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(bids::endLoad).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void emptyLoadShouldLeaveEmptySide() {
        final BookSide asks = new BookSide(Side.ASK);
        asks.apply(100, 1);

        asks.beginLoad();
        asks.endLoad();

        assertThat(asks.isEmpty()).isTrue();
        assertThat(asks.bestPrice()).isEqualTo(BookSide.NO_PRICE);
    }

    @Test
    void bestFirstLoadShouldFillTreeChunksThreeQuarters() {
        // 64 levels in the window (one tick apart), then 600 more 2 ticks apart below it.
        final BookSide bids = smallBids();

        bids.beginLoad();
        for (int i = 0; i < 664; i++) {
            bids.load(10_000 - (i < 64 ? i : 64 + 2L * (i - 64)), 1 + i);
        }
        bids.endLoad();

        assertThat(bids.levels()).isEqualTo(664);
        final int inTree = 664 - bids.windowLevels();
        final int fill = SMALL_CHUNK * 3 / 4;
        assertThat(bids.chunks()).isEqualTo((inTree + fill - 1) / fill);
        assertThat(bids.priceAtDepth(663)).isEqualTo(10_000 - 64 - 2L * 599);
        bids.verifyInvariants();
    }

    @Test
    void applyBetweenBeginLoadAndEndLoadShouldActOnTheLoadedLevels() {
        final BookSide bids = smallBids();

        bids.beginLoad();
        for (int i = 0; i < 300; i++) {
            bids.load(100_000 - 5L * i, 1 + i);
        }
        bids.apply(100_000 - 5L * 250, 0);
        bids.apply(100_000 - 5L * 250 - 1, 42);
        bids.endLoad();

        assertThat(bids.levels()).isEqualTo(300);
        assertThat(bids.sizeAt(100_000 - 5L * 250)).isZero();
        assertThat(bids.sizeAt(100_000 - 5L * 250 - 1)).isEqualTo(42);
        bids.verifyInvariants();
    }

    @Test
    void applyInterleavedWithBestFirstLoadShouldActAsAppliedInOrder() {
        final BookSide bids = smallBids();
        final TreeMap<Long, Long> reference = new TreeMap<>();
        final SplittableRandom random = new SplittableRandom(5);

        bids.beginLoad();
        for (int i = 0; i < 600; i++) {
            final long priceTicks = 100_000 - 5L * i;
            final long sizeLots = i % 17 == 0 ? 0 : 1 + i;
            bids.load(priceTicks, sizeLots);
            apply(reference, priceTicks, sizeLots);
            if (i % 50 == 25) {
                // A change anywhere in what is loaded so far, or just below it.
                final long changed = 100_000 - random.nextInt(5 * i + 20);
                final long changedSize = random.nextInt(3) == 0 ? 0 : 7;
                bids.apply(changed, changedSize);
                apply(reference, changed, changedSize);
            }
        }
        bids.endLoad();

        assertThat(levels(bids)).isEqualTo(levels(reference));
        bids.verifyInvariants();
    }

    private static void apply(final TreeMap<Long, Long> reference, final long priceTicks, final long sizeLots) {
        if (sizeLots == 0) {
            reference.remove(priceTicks);
        } else {
            reference.put(priceTicks, sizeLots);
        }
    }

    /** Bid levels of a reference book best first as "price@size". */
    private static List<String> levels(final TreeMap<Long, Long> reference) {
        final List<String> levels = new ArrayList<>();
        reference.descendingMap().forEach((priceTicks, sizeLots) -> levels.add(priceTicks + "@" + sizeLots));
        return levels;
    }

    @Test
    void fullChunkShouldSplitAndKeepOrder() {
        // Levels far apart, so only the best stays in the 64-tick window and the rest go to the tree.
        final BookSide bids = smallBids();
        for (int i = 0; i < SMALL_CHUNK + 1; i++) {
            bids.apply(1_000_000 - 1_000L * i, 1 + i);
        }
        final int chunksBefore = bids.chunks();

        // Fill the gap above the lowest level, deep in the tree, until chunks must split.
        for (int i = 0; i < 3 * SMALL_CHUNK; i++) {
            bids.apply(1_000_000 - 1_000L * SMALL_CHUNK + 10 + i, 100 + i);
            bids.verifyInvariants();
        }

        assertThat(bids.chunks()).isGreaterThan(chunksBefore);
        assertThat(bids.splitCount()).isPositive();
        assertThat(bids.levels()).isEqualTo(SMALL_CHUNK + 1 + 3 * SMALL_CHUNK);
        assertThat(bids.priceAtDepth(bids.levels() - 1)).isEqualTo(1_000_000 - 1_000L * SMALL_CHUNK);
        assertSortedBidLevels(bids);
    }

    @Test
    void emptiedChunksShouldBeFreedAndSmallNeighboursMerged() {
        final BookSide bids = smallBids();
        for (int i = 0; i < 400; i++) {
            bids.apply(1_000_000 - 100L * i, 1 + i);
        }
        final int chunksBefore = bids.chunks();

        // Delete three levels out of every four below the top: chunks shrink, merge and free.
        for (int i = 1; i < 400; i++) {
            if (i % 4 != 0) {
                bids.apply(1_000_000 - 100L * i, 0);
                bids.verifyInvariants();
            }
        }

        assertThat(bids.levels()).isEqualTo(100);
        assertThat(bids.mergeCount()).isPositive();
        assertThat(bids.chunks()).isLessThan(chunksBefore / 2);
        assertThat(bids.priceAtDepth(99)).isEqualTo(1_000_000 - 100L * 396);
    }

    @Test
    void treeShouldGrowBeyondInitialArraysAndKeepLevels() {
        final BookSide bids = smallBids();
        final long footprintBefore = bids.footprintBytes();

        for (int i = 0; i < 5_000; i++) {
            bids.apply(10_000_000 - 3L * i, 1 + i);
        }

        assertThat(bids.growCount()).isPositive();
        assertThat(bids.footprintBytes()).isGreaterThan(footprintBefore);
        assertThat(bids.levels()).isEqualTo(5_000);
        assertThat(bids.priceAtDepth(4_999)).isEqualTo(10_000_000 - 3L * 4_999);
        bids.verifyInvariants();
    }

    @Test
    void windowShouldMoveUpForNewBestFarAboveAndBackDownWhenItGoes() {
        final BookSide bids = smallBids();
        for (int i = 0; i < 50; i++) {
            bids.apply(1_000 - i, 10 + i);
        }
        final List<String> before = levels(bids);
        final long movesBefore = bids.windowMoveCount();

        bids.apply(5_000, 1);
        assertThat(bids.bestPrice()).isEqualTo(5_000);
        assertThat(bids.windowMoveCount()).isGreaterThan(movesBefore);
        bids.verifyInvariants();

        bids.apply(5_000, 0);
        assertThat(levels(bids)).isEqualTo(before);
        // Back with the best three quarters of the way up the window.
        assertThat(bids.windowLevels()).isEqualTo(SMALL_WINDOW * 3 / 4);
        bids.verifyInvariants();
    }

    @Test
    void clearShouldEmptySideAndGiveBackGrownArrays() {
        final BookSide asks = smallAsks();
        final long initialFootprint = asks.footprintBytes();
        for (int i = 0; i < 2_000; i++) {
            asks.apply(100 + 7L * i, 1);
        }

        asks.clear();

        assertThat(asks.isEmpty()).isTrue();
        assertThat(asks.bestPrice()).isEqualTo(BookSide.NO_PRICE);
        assertThat(levels(asks)).isEmpty();
        assertThat(asks.footprintBytes()).isEqualTo(initialFootprint);
        asks.apply(300, 4);
        assertThat(levels(asks)).containsExactly("300@4");
    }

    @Test
    void snapshotOfFiftyThousandLevelsShouldTakeAtMost32BytesPerLevel() {
        final BookSide bids = new BookSide(Side.BID);
        final long emptyFootprint = bids.footprintBytes();

        bids.beginLoad();
        for (int i = 0; i < 50_000; i++) {
            bids.load(10_000_000 - 2L * i, 1 + i);
        }
        bids.endLoad();

        assertThat(bids.levels()).isEqualTo(50_000);
        assertThat(bids.footprintBytes()).isLessThanOrEqualTo(32L * 50_000);
        // Chunks three-quarters full plus an eighth of spare slots: 16 / 0.75 * 1.125 = 24 bytes, plus the index.
        assertThat(bids.footprintBytes() - emptyFootprint).isLessThanOrEqualTo(25L * 50_000);
    }

    @Test
    void longRandomRunShouldStayWithin32BytesPerLevel() {
        final BookSide bids = new BookSide(Side.BID);
        final TreeMap<Long, Long> reference = new TreeMap<>();
        bids.beginLoad();
        for (int i = 0; i < 50_000; i++) {
            bids.load(10_000_000 - 2L * i, 1 + i);
            reference.put(10_000_000 - 2L * i, 1L + i);
        }
        bids.endLoad();
        final SplittableRandom random = new SplittableRandom(11);

        for (int i = 0; i < 500_000; i++) {
            final long priceTicks = 10_000_000 - random.nextInt(100_000);
            final long sizeLots = random.nextInt(2) == 0 ? 0 : 1 + random.nextInt(1_000);
            bids.apply(priceTicks, sizeLots);
            if (sizeLots == 0) {
                reference.remove(priceTicks);
            } else {
                reference.put(priceTicks, sizeLots);
            }
        }

        assertThat(bids.levels()).isEqualTo(reference.size());
        assertThat(bids.footprintBytes()).isLessThanOrEqualTo(32L * bids.levels());
        bids.verifyInvariants();
    }

    private static void assertSortedBidLevels(final BookSide bids) {
        final long[] previous = {Long.MAX_VALUE};
        bids.forEachLevel(Integer.MAX_VALUE, (priceTicks, sizeLots) -> {
            assertThat(priceTicks).isLessThan(previous[0]);
            previous[0] = priceTicks;
        });
    }
}
