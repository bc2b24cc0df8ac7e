package dev.orderbook.simulator.market;

import java.util.ArrayDeque;
import java.util.Arrays;

/**
 * One side of the market's true book: price levels ordered best first, with access by price and by rank
 * (0 = best), both cheap at any depth.
 *
 * <p>Levels are kept in a list of sorted blocks of at most {@link #BLOCK_CAPACITY} entries (an unrolled list):
 * an insert or removal shifts at most one block, finding a price is two binary searches, and finding a rank
 * walks the block counts. Keys are {@code -price} for bids and {@code price} for asks, so ascending keys are
 * always best first.
 *
 * <p>Invariants: keys strictly ascending across blocks; no empty block; every size positive. Not thread-safe.
 */
final class MarketBookSide {
    /** Returned as a price when the side is empty. */
    static final long NO_PRICE = Long.MIN_VALUE;

    private static final int BLOCK_CAPACITY = 256;
    private static final int MERGE_THRESHOLD = BLOCK_CAPACITY / 2;
    private static final int INITIAL_BLOCKS = 16;

    private final boolean bids;
    private final ArrayDeque<long[]> spareBlocks = new ArrayDeque<>();
    private long[][] blockKeys = new long[INITIAL_BLOCKS][];
    private long[][] blockSizes = new long[INITIAL_BLOCKS][];
    private int[] blockCounts = new int[INITIAL_BLOCKS];
    private int blockCount;
    private int levelCount;
    // Result of the last locate call: block and index within it.
    private int foundBlock;
    private int foundIndex;

    MarketBookSide(final boolean bids) {
        this.bids = bids;
    }

    boolean isBids() {
        return bids;
    }

    int levelCount() {
        return levelCount;
    }

    /** Best price in ticks, or {@link #NO_PRICE} if the side is empty. */
    long bestPrice() {
        return levelCount == 0 ? NO_PRICE : keyToPrice(blockKeys[0][0]);
    }

    /** Price at {@code rank} (0 = best), in ticks. */
    long priceAt(final int rank) {
        locateRank(rank);
        return keyToPrice(blockKeys[foundBlock][foundIndex]);
    }

    /** Size at {@code rank} (0 = best), in lots. */
    long sizeAt(final int rank) {
        locateRank(rank);
        return blockSizes[foundBlock][foundIndex];
    }

    /** Size at {@code priceTicks}, or 0 if there is no level there. */
    long sizeAtPrice(final long priceTicks) {
        return locateKey(priceToKey(priceTicks)) ? blockSizes[foundBlock][foundIndex] : 0;
    }

    /**
     * Sets the level at {@code priceTicks} to {@code sizeLots}: inserts, updates, or (size 0) removes it.
     *
     * @return the previous size in lots, 0 if there was no level
     */
    long set(final long priceTicks, final long sizeLots) {
        if (sizeLots < 0) {
            throw new IllegalArgumentException("negative size " + sizeLots);
        }
        final long key = priceToKey(priceTicks);
        if (locateKey(key)) {
            final int b = foundBlock;
            final int i = foundIndex;
            final long previous = blockSizes[b][i];
            if (sizeLots == 0) {
                removeAt(b, i);
            } else {
                blockSizes[b][i] = sizeLots;
            }
            return previous;
        }
        if (sizeLots != 0) {
            insertAt(foundBlock, foundIndex, key, sizeLots);
        }
        return 0;
    }

    /** Calls {@code consumer} for every level, best first. */
    void forEachLevel(final LevelConsumer consumer) {
        final int blocks = blockCount;
        for (int b = 0; b < blocks; b++) {
            final long[] keys = blockKeys[b];
            final long[] sizes = blockSizes[b];
            final int count = blockCounts[b];
            for (int i = 0; i < count; i++) {
                consumer.accept(keyToPrice(keys[i]), sizes[i]);
            }
        }
    }

    private long priceToKey(final long priceTicks) {
        return bids ? -priceTicks : priceTicks;
    }

    private long keyToPrice(final long key) {
        return bids ? -key : key;
    }

    private void locateRank(final int rank) {
        if (rank < 0 || rank >= levelCount) {
            throw new IndexOutOfBoundsException("rank " + rank + " of " + levelCount);
        }
        final int[] counts = blockCounts;
        int remaining = rank;
        int b = 0;
        while (remaining >= counts[b]) {
            remaining -= counts[b];
            b++;
        }
        foundBlock = b;
        foundIndex = remaining;
    }

    /** True if found; either way sets {@code foundBlock/foundIndex} to the key's position or insertion point. */
    private boolean locateKey(final long key) {
        if (blockCount == 0) {
            foundBlock = 0;
            foundIndex = 0;
            return false;
        }
        int low = 0;
        int high = blockCount - 1;
        while (low < high) {
            final int middle = (low + high) >>> 1;
            if (blockKeys[middle][blockCounts[middle] - 1] < key) {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        final int index = Arrays.binarySearch(blockKeys[low], 0, blockCounts[low], key);
        foundBlock = low;
        foundIndex = index >= 0 ? index : -index - 1;
        return index >= 0;
    }

    private void insertAt(final int block, final int index, final long key, final long sizeLots) {
        if (blockCount == 0) {
            insertBlock(0);
        }
        int b = block;
        int i = index;
        if (blockCounts[b] == BLOCK_CAPACITY) {
            splitBlock(b);
            if (i > blockCounts[b]) {
                i -= blockCounts[b];
                b++;
            }
        }
        final long[] keys = blockKeys[b];
        final long[] sizes = blockSizes[b];
        final int count = blockCounts[b];
        System.arraycopy(keys, i, keys, i + 1, count - i);
        System.arraycopy(sizes, i, sizes, i + 1, count - i);
        keys[i] = key;
        sizes[i] = sizeLots;
        blockCounts[b] = count + 1;
        levelCount++;
    }

    private void removeAt(final int b, final int i) {
        final long[] keys = blockKeys[b];
        final long[] sizes = blockSizes[b];
        final int count = blockCounts[b] - 1;
        System.arraycopy(keys, i + 1, keys, i, count - i);
        System.arraycopy(sizes, i + 1, sizes, i, count - i);
        blockCounts[b] = count;
        levelCount--;
        if (count == 0) {
            removeBlock(b);
        } else if (b + 1 < blockCount && count + blockCounts[b + 1] <= MERGE_THRESHOLD) {
            mergeWithNext(b);
        } else if (b > 0 && blockCounts[b - 1] + count <= MERGE_THRESHOLD) {
            mergeWithNext(b - 1);
        }
    }

    private void splitBlock(final int b) {
        insertBlock(b + 1);
        final int count = blockCounts[b];
        final int keep = count / 2;
        final int move = count - keep;
        System.arraycopy(blockKeys[b], keep, blockKeys[b + 1], 0, move);
        System.arraycopy(blockSizes[b], keep, blockSizes[b + 1], 0, move);
        blockCounts[b] = keep;
        blockCounts[b + 1] = move;
    }

    private void mergeWithNext(final int b) {
        final int count = blockCounts[b];
        final int next = blockCounts[b + 1];
        System.arraycopy(blockKeys[b + 1], 0, blockKeys[b], count, next);
        System.arraycopy(blockSizes[b + 1], 0, blockSizes[b], count, next);
        blockCounts[b] = count + next;
        blockCounts[b + 1] = 0;
        removeBlock(b + 1);
    }

    private void insertBlock(final int b) {
        if (blockCount == blockKeys.length) {
            final int capacity = blockKeys.length * 2;
            blockKeys = Arrays.copyOf(blockKeys, capacity);
            blockSizes = Arrays.copyOf(blockSizes, capacity);
            blockCounts = Arrays.copyOf(blockCounts, capacity);
        }
        final int tail = blockCount - b;
        System.arraycopy(blockKeys, b, blockKeys, b + 1, tail);
        System.arraycopy(blockSizes, b, blockSizes, b + 1, tail);
        System.arraycopy(blockCounts, b, blockCounts, b + 1, tail);
        blockKeys[b] = takeSpare();
        blockSizes[b] = takeSpare();
        blockCounts[b] = 0;
        blockCount++;
    }

    private void removeBlock(final int b) {
        spareBlocks.push(blockKeys[b]);
        spareBlocks.push(blockSizes[b]);
        final int tail = blockCount - b - 1;
        System.arraycopy(blockKeys, b + 1, blockKeys, b, tail);
        System.arraycopy(blockSizes, b + 1, blockSizes, b, tail);
        System.arraycopy(blockCounts, b + 1, blockCounts, b, tail);
        blockCount--;
        blockKeys[blockCount] = null;
        blockSizes[blockCount] = null;
        blockCounts[blockCount] = 0;
    }

    private long[] takeSpare() {
        final long[] spare = spareBlocks.poll();
        return spare != null ? spare : new long[BLOCK_CAPACITY];
    }
}
