package dev.orderbook.book.orderbook;

import java.util.Arrays;
import java.util.Objects;

import dev.orderbook.codec.model.Side;

/**
 * One side (bids or asks) of a Level-2 order book: the resting size at each price, in flat primitive arrays, with
 * the best level in O(1), most level changes in O(1) and the rest in O(log n), and no allocation in a steady state.
 *
 * <h2>Layout</h2>
 * Prices are normalised to <em>keys</em> so that both sides sort the same way and the best level is always the
 * largest key: a bid's key is its price, an ask's key is {@code -price}. The side is split at a moving key, the
 * <em>window base</em>:
 * <ul>
 *   <li><b>Top window.</b> Every level with a key in {@code [windowBase, windowBase + windowTicks)} lives in a
 *       direct-mapped ring: {@code windowSizes[key & (windowTicks - 1)]} holds its size (0 = no level) and a bitmap
 *       marks the occupied ticks. Setting, changing or removing such a level is an array store and a bit flip, done
 *       without branches: no search and no shifting, and the only data-dependent branch asks whether the best level
 *       is affected. The best level is always in the window (when the side is not empty) and cached; when it is
 *       removed, the next one is found by scanning the bitmap a word (64 ticks) at a time.</li>
 *   <li><b>Deep levels.</b> Levels with a key below the window base live in a one-level B+-tree: fixed-size
 *       <em>chunks</em> of {@code chunkCapacity} sorted levels, stored as slots of two flat arrays ({@code keys},
 *       {@code sizes}), with a small index in key order holding each chunk's separator key, slot and level count.
 *       A change there checks the top chunk first (just below the window, the busiest part of the tree), else
 *       binary-searches the index, then binary-searches the chunk (both branch-free), and shifts at most one chunk.
 *       A full chunk spills levels into a neighbour with room, else splits (the top chunk asymmetrically, keeping
 *       three quarters); a chunk under half full merges with a neighbour when both fit in three quarters of a
 *       chunk; an empty one is freed at once. Freed slots are reused.</li>
 *   <li><b>Moving the window.</b> The window is placed with the best level three quarters of the way up, leaving a
 *       quarter of the window for new best prices. A new best above the window moves it up, handing the levels that
 *       fall out of its bottom to the tree (they go on top of the tree, which is O(1) each). When the best falls into
 *       the bottom quarter of the window (or the window empties), the window moves down and takes the tree's top
 *       levels back. Each move costs O(levels moved + ticks moved / 64) and leaves at least a quarter of the window
 *       of slack before the next one.</li>
 *   <li><b>Snapshots.</b> {@link #beginLoad()}, {@link #load(long, long)}, {@link #endLoad()}: levels that come
 *       best first, as Coinbase sends them, go straight into the window or are staged in order and laid out in one
 *       pass, chunks three-quarters full.</li>
 * </ul>
 * Where the top of the book is dense in ticks (most liquid products), nearly all changes land in the window. Where
 * it is sparse, more changes fall through to the tree, which is still O(log n) without allocation.
 *
 * <h2>Invariants</h2>
 * Every tree key is below the window base and every window key at or above it; a non-empty side has its best level
 * in the window, cached in {@code bestKey}/{@code bestSizeLots}; a window slot's bit is set exactly when its size is
 * not 0; tree keys ascend strictly across chunks in index order, each chunk holding 1 to {@code chunkCapacity}
 * levels; every stored size is positive. {@code verifyInvariants()} checks all of them (tests only).
 *
 * <h2>Memory</h2>
 * The window costs {@code 8.125 * windowTicks} bytes whatever the depth. Each level in the tree costs 16 bytes plus
 * the unused part of its chunk. {@link #footprintBytes()} stays within {@value #MAX_BYTES_PER_LEVEL} bytes per level
 * plus the footprint of an empty side: the tree's slot pool grows by an eighth only if that bound still holds
 * afterwards (otherwise the tree is repacked three-quarters full instead), and a tree that has lost a large part of
 * its levels is repacked into smaller arrays. Pool growth and these repacks are the only allocations after
 * construction; they happen only when the side outgrows its arrays or shrinks far below them.
 *
 * <h2>Units and sentinels</h2>
 * Prices are non-negative ticks, sizes non-negative lots (both already scaled by the codec). A size of 0 removes
 * the level; removing a level that is not there does nothing. {@link #NO_PRICE} stands for "no level" and a size
 * of 0 for "no size". Negative arguments throw {@link IllegalArgumentException}.
 *
 * <p>Single thread; not thread-safe.
 */
public final class BookSide {
    /** Returned by price queries when there is no such level (for example the best price of an empty side). */
    public static final long NO_PRICE = Long.MIN_VALUE;

    /**
     * Default levels per chunk of the tree. Smaller chunks shift fewer levels per insert or delete; larger ones
     * need fewer index entries and splits and less memory per level.
     */
    public static final int DEFAULT_CHUNK_CAPACITY = 64;

    /**
     * Default ticks covered by the top window. A wider window keeps more of the book in O(1) and moves less often
     * but costs 8 bytes per tick and longer bitmap scans when the best level is removed from a sparse top.
     */
    public static final int DEFAULT_WINDOW_TICKS = 2048;

    /** Smallest allowed chunk capacity. */
    public static final int MIN_CHUNK_CAPACITY = 8;

    /** Largest allowed chunk capacity. */
    public static final int MAX_CHUNK_CAPACITY = 4096;

    /** Smallest allowed window, in ticks. */
    public static final int MIN_WINDOW_TICKS = 64;

    /** Largest allowed window, in ticks. */
    public static final int MAX_WINDOW_TICKS = 1 << 20;

    /** Bound kept on {@link #footprintBytes()} per resting level, beyond the footprint of an empty side. */
    public static final int MAX_BYTES_PER_LEVEL = 32;

    /**
     * The unit of a side that has not chosen one: no price but multiples of 10^18 is divisible by it, so the first
     * level applied to the empty side chooses the unit from its own price.
     */
    private static final long UNCHOSEN_UNIT = 1_000_000_000_000_000_000L;

    /** Key of the best level of an empty side: smaller than every real key ({@code -Long.MAX_VALUE}). */
    private static final long EMPTY_KEY = Long.MIN_VALUE;

    /** Separator of the first chunk: every key routes there unless a later chunk's separator is not above it. */
    private static final long FIRST_SEPARATOR = Long.MIN_VALUE;

    private static final int INITIAL_SLOTS = 4;

    /** This object's own header and fields, as JOL lays them out with compressed oops (64-bit HotSpot default). */
    private static final long OBJECT_BYTES = 208;

    private static final long ARRAY_HEADER_BYTES = 16;

    private final Side side;
    /** 0 for bids, -1 for asks: {@code key = (units ^ signMask) - signMask} and back. */
    private final long signMask;
    /**
     * Prices are held in units of this power of ten: {@code units = priceTicks / priceUnit}. The codec's prices carry
     * 10 or more decimal places, so two adjacent levels of a product quoted in cents are 10^8 ticks apart; counting
     * in units of the largest power of ten that divides every resting price makes the top of the book dense again,
     * which the direct-mapped window needs. Chosen from the first price of an empty side or a load, and only ever
     * made finer (by {@link #rescale}, an exact O(levels) rebuild) when a price that it does not divide arrives.
     */
    private long priceUnit = UNCHOSEN_UNIT;

    // Top window.
    private final int windowTicks;
    private final int windowShift;
    private final int windowMask;
    /** Size per tick of the window, indexed by {@code key & windowMask}; 0 where there is no level. */
    private final long[] windowSizes;
    /** One bit per tick of the window, set where there is a level. */
    private final long[] windowBits;
    /** Lowest key the window covers; every tree key is below it. Long.MIN_VALUE while the side is empty. */
    private long windowBase = Long.MIN_VALUE;
    private int windowLevels;
    /** Best level, always in the window; EMPTY_KEY and 0 when the side is empty. */
    private long bestKey = EMPTY_KEY;
    private long bestSizeLots;

    // Tree.
    private final int chunkShift;
    private final int chunkCapacity;
    /** Levels per chunk after a bulk load or repack. */
    private final int loadFill;
    /** Levels moved to a new top chunk when the top chunk is full. */
    private final int topSplitLevels;
    /** A chunk with fewer levels than this tries to merge with a neighbour. */
    private final int underflowLevels;
    /** Two neighbouring chunks merge when their levels fit in this many. */
    private final int mergeLevels;

    /** Level keys; chunk slot {@code s} occupies {@code [s << chunkShift, (s + 1) << chunkShift)}. */
    private long[] keys;
    /** Level sizes in lots, parallel to {@code keys}. */
    private long[] sizes;
    private int slotCapacity;
    /** Slots at or above this have not been used since the last layout. */
    private int slotHigh;
    private int[] freeSlots;
    private int freeSlotCount;

    /** Per chunk, in key order: every key in chunk c is >= chunkSeparator[c] and < chunkSeparator[c + 1]. */
    private long[] chunkSeparator;
    /** Per chunk: index of its first level in {@code keys}/{@code sizes}. */
    private int[] chunkBase;
    /** Per chunk: number of levels, {@code 1..chunkCapacity}. */
    private int[] chunkCount;
    private int chunks;
    private int treeLevels;

    /** Repack the tree into smaller arrays when its levels fall below this (0: never). */
    private int shrinkBelowLevels;

    // Bulk load.
    private boolean loading;
    /** Whether every level loaded so far came best first, so levels below the window can be staged. */
    private boolean loadInOrder;
    private long lastLoadedKey;
    /** Tree levels staged in {@code keys[0, stagedCount)} in arrival order (strictly descending keys). */
    private int stagedCount;

    private long splitCount;
    private long spillCount;
    private long mergeCount;
    private long repackCount;
    private long growCount;
    private long windowMoveCount;

    /**
     * Creates an empty side with {@link #DEFAULT_CHUNK_CAPACITY} and {@link #DEFAULT_WINDOW_TICKS}.
     *
     * @param side which side this is; may not be null
     */
    public BookSide(final Side side) {
        this(side, DEFAULT_CHUNK_CAPACITY, DEFAULT_WINDOW_TICKS);
    }

    /**
     * Creates an empty side.
     *
     * @param side          which side this is; may not be null
     * @param chunkCapacity levels per tree chunk, a power of two in {@code [MIN_CHUNK_CAPACITY, MAX_CHUNK_CAPACITY]}
     * @param windowTicks   ticks covered by the top window, a power of two in
     *                      {@code [MIN_WINDOW_TICKS, MAX_WINDOW_TICKS]}
     */
    public BookSide(final Side side, final int chunkCapacity, final int windowTicks) {
        this.side = Objects.requireNonNull(side, "side");
        checkPowerOfTwo("chunkCapacity", chunkCapacity, MIN_CHUNK_CAPACITY, MAX_CHUNK_CAPACITY);
        checkPowerOfTwo("windowTicks", windowTicks, MIN_WINDOW_TICKS, MAX_WINDOW_TICKS);
        this.signMask = side == Side.ASK ? -1L : 0L;
        this.windowTicks = windowTicks;
        this.windowShift = Integer.numberOfTrailingZeros(windowTicks);
        this.windowMask = windowTicks - 1;
        this.windowSizes = new long[windowTicks];
        this.windowBits = new long[windowTicks >> 6];
        this.chunkCapacity = chunkCapacity;
        this.chunkShift = Integer.numberOfTrailingZeros(chunkCapacity);
        this.loadFill = chunkCapacity - (chunkCapacity >> 2);
        this.topSplitLevels = chunkCapacity >> 2;
        this.underflowLevels = chunkCapacity >> 1;
        this.mergeLevels = chunkCapacity - (chunkCapacity >> 2);
        allocate(INITIAL_SLOTS);
    }

    /** Which side this is. */
    public Side side() {
        return side;
    }

    /** Levels per tree chunk. */
    public int chunkCapacity() {
        return chunkCapacity;
    }

    /** Ticks covered by the top window. */
    public int windowTicks() {
        return windowTicks;
    }

    /**
     * Applies one level change: sets the size at a price, or removes the level when the size is 0. Removing a level
     * that is not there does nothing. Allocates nothing unless the side outgrows its arrays (see the class doc).
     *
     * @param priceTicks price in ticks, {@code >= 0}
     * @param sizeLots   new absolute size in lots, {@code >= 0}; 0 removes the level
     * @return whether the best level's price or size changed
     * @throws IllegalArgumentException if the price or size is negative
     */
    public boolean apply(final long priceTicks, final long sizeLots) {
        if ((priceTicks | sizeLots) < 0) {
            throw negative(priceTicks, sizeLots);
        }
        final long unit = priceUnit;
        final long units = priceTicks / unit;
        if (units * unit != priceTicks) {
            return applyFiner(priceTicks, sizeLots);
        }
        final long key = (units ^ signMask) - signMask;
        final long windowBase = this.windowBase;
        if ((key - windowBase) >>> windowShift == 0) {
            return applyInWindow(key, sizeLots);
        }
        if (key < windowBase) {
            if (sizeLots != 0) {
                treeUpsert(key, sizeLots);
            } else {
                treeRemove(key);
            }
            return false;
        }
        if (sizeLots == 0) {
            return false;
        }
        moveWindowUp(key);
        return applyInWindow(key, sizeLots);
    }

    private boolean applyInWindow(final long key, final long sizeLots) {
        final int slot = (int) key & windowMask;
        final long[] windowSizes = this.windowSizes;
        final long oldSizeLots = windowSizes[slot];
        windowSizes[slot] = sizeLots;
        // Branch-free bookkeeping: sizes are >= 0, so (s | -s) >>> 63 is 1 exactly when s != 0.
        final long had = (oldSizeLots | -oldSizeLots) >>> 63;
        final long has = (sizeLots | -sizeLots) >>> 63;
        final int word = slot >>> 6;
        windowBits[word] = (windowBits[word] & ~(1L << slot)) | (has << slot);
        windowLevels += (int) (has - had);
        if (key < bestKey) {
            return false;
        }
        return atOrAboveBest(key, sizeLots, oldSizeLots, slot);
    }

    /** The rest of {@link #applyInWindow} for a key at or above the best, after the slot was written. */
    private boolean atOrAboveBest(final long key, final long sizeLots, final long oldSizeLots, final int slot) {
        if (key > bestKey) {
            if (sizeLots == 0) {
                return false;
            }
            bestKey = key;
            bestSizeLots = sizeLots;
            return true;
        }
        if (sizeLots != 0) {
            bestSizeLots = sizeLots;
            return sizeLots != oldSizeLots;
        }
        bestRemoved(slot);
        return true;
    }

    /** Best price in ticks (highest bid, lowest ask), or {@link #NO_PRICE} if the side is empty. O(1). */
    public long bestPrice() {
        // Maps EMPTY_KEY (Long.MIN_VALUE) to itself for both sides.
        final long units = (bestKey ^ signMask) - signMask;
        return units == NO_PRICE ? NO_PRICE : units * priceUnit;
    }

    /** Size at the best price in lots, or 0 if the side is empty. O(1). */
    public long bestSize() {
        return bestSizeLots;
    }

    /** Number of resting levels. */
    public int levels() {
        return windowLevels + treeLevels + stagedCount;
    }

    /** Whether the side has no levels. */
    public boolean isEmpty() {
        return levels() == 0;
    }

    /**
     * Size resting at a price.
     *
     * @param priceTicks price in ticks, {@code >= 0}
     * @return size in lots, or 0 if there is no level at that price
     */
    public long sizeAt(final long priceTicks) {
        if (priceTicks < 0) {
            throw negative(priceTicks, 0);
        }
        final long units = priceTicks / priceUnit;
        if (units * priceUnit != priceTicks) {
            return 0;
        }
        final long key = (units ^ signMask) - signMask;
        if ((key - windowBase) >>> windowShift == 0) {
            return windowSizes[(int) key & windowMask];
        }
        if (key > windowBase || treeLevels == 0) {
            return 0;
        }
        final int c = findChunk(key);
        final int base = chunkBase[c];
        final int end = base + chunkCount[c];
        final int p = lowerBound(keys, base, end, key);
        return p < end && keys[p] == key ? sizes[p] : 0;
    }

    /**
     * Price of the level at a depth, counted from the best level (depth 0). O(windowTicks / 64 + depth /
     * chunkCapacity).
     *
     * @return the price in ticks, or {@link #NO_PRICE} if {@code depth} is negative or not below {@link #levels()}
     */
    public long priceAtDepth(final int depth) {
        final long key = keyAtDepth(depth);
        return key == EMPTY_KEY ? NO_PRICE : ((key ^ signMask) - signMask) * priceUnit;
    }

    /**
     * Size of the level at a depth, counted from the best level (depth 0). O(windowTicks / 64 + depth /
     * chunkCapacity).
     *
     * @return the size in lots, or 0 if {@code depth} is negative or not below {@link #levels()}
     */
    public long sizeAtDepth(final int depth) {
        if (depth < 0 || depth >= windowLevels + treeLevels) {
            return 0;
        }
        if (depth < windowLevels) {
            return windowSizes[windowSlotAtDepth(depth)];
        }
        return sizes[treeIndexAtDepth(depth - windowLevels)];
    }

    /**
     * Passes up to {@code maxLevels} levels to {@code consumer}, best first. O(maxLevels + windowTicks / 64). The
     * consumer must not change this side.
     *
     * @param maxLevels most levels to visit; use {@link Integer#MAX_VALUE} for all
     * @param consumer  receives price in ticks and size in lots; may not be null
     * @return the number of levels visited
     */
    public int forEachLevel(final int maxLevels, final LongLongConsumer consumer) {
        final int limit = Math.min(Math.max(maxLevels, 0), windowLevels + treeLevels);
        final long signMask = this.signMask;
        final long unit = priceUnit;
        int visited = 0;
        if (visited < limit) {
            // Window, from the best slot down, a bitmap word at a time.
            final long[] windowBits = this.windowBits;
            final long[] windowSizes = this.windowSizes;
            final long bestKey = this.bestKey;
            final int bestSlot = (int) bestKey & windowMask;
            final int wordMask = windowBits.length - 1;
            int word = bestSlot >>> 6;
            long bits = windowBits[word] & (-1L >>> (63 - (bestSlot & 63)));
            final int windowLimit = Math.min(limit, windowLevels);
            while (visited < windowLimit) {
                if (bits == 0) {
                    word = (word - 1) & wordMask;
                    bits = windowBits[word];
                    continue;
                }
                final int bit = 63 - Long.numberOfLeadingZeros(bits);
                bits &= ~(1L << bit);
                final int slot = (word << 6) | bit;
                final long key = bestKey - ((bestSlot - slot) & windowMask);
                consumer.accept(((key ^ signMask) - signMask) * unit, windowSizes[slot]);
                visited++;
            }
        }
        final long[] keys = this.keys;
        final long[] sizes = this.sizes;
        for (int c = chunks - 1; c >= 0 && visited < limit; c--) {
            final int base = chunkBase[c];
            final int end = base + chunkCount[c];
            final int stop = Math.max(base, end - (limit - visited));
            for (int i = end - 1; i >= stop; i--) {
                consumer.accept(((keys[i] ^ signMask) - signMask) * unit, sizes[i]);
            }
            visited += end - stop;
        }
        return visited;
    }

    /**
     * Removes every level and abandons a load in progress. Gives back tree arrays grown beyond their initial size
     * (a snapshot load, in contrast, reuses them).
     */
    public void clear() {
        reset();
        priceUnit = UNCHOSEN_UNIT;
        if (slotCapacity > INITIAL_SLOTS) {
            allocate(INITIAL_SLOTS);
        }
    }

    /** Removes every level, keeping the arrays. */
    private void reset() {
        if (windowLevels != 0) {
            Arrays.fill(windowSizes, 0);
            Arrays.fill(windowBits, 0);
        }
        windowLevels = 0;
        windowBase = Long.MIN_VALUE;
        bestKey = EMPTY_KEY;
        bestSizeLots = 0;
        chunks = 0;
        treeLevels = 0;
        slotHigh = 0;
        freeSlotCount = 0;
        loading = false;
        stagedCount = 0;
    }

    /**
     * Starts a bulk load that replaces the whole side: empties it (keeping its arrays for the new levels), then takes
     * levels from {@link #load(long, long)} until {@link #endLoad()}. Between the two the side must not be read.
     */
    public void beginLoad() {
        reset();
        priceUnit = 0; // chosen by the first level loaded
        loading = true;
        loadInOrder = true;
        lastLoadedKey = Long.MAX_VALUE;
    }

    /**
     * Adds one level to the load begun by {@link #beginLoad()}. Levels may come in any order; the side ends as if
     * they had been applied in order to an empty side: for a repeated price the last size wins, and a size of 0
     * adds nothing (or removes an earlier entry at that price). Levels that come best first (bids by descending
     * price, asks by ascending price, as Coinbase sends them) cost O(1) each; the first one out of that order
     * switches the rest of the load to {@link #apply(long, long)}.
     *
     * @param priceTicks price in ticks, {@code >= 0}
     * @param sizeLots   size in lots, {@code >= 0}
     * @throws IllegalStateException if no load is in progress
     */
    public void load(final long priceTicks, final long sizeLots) {
        if ((priceTicks | sizeLots) < 0) {
            throw negative(priceTicks, sizeLots);
        }
        if (!loading) {
            throw new IllegalStateException("load() without beginLoad()");
        }
        if (priceUnit == 0) {
            if (sizeLots == 0) {
                return;
            }
            priceUnit = unitOf(priceTicks);
        }
        final long unit = priceUnit;
        final long units = priceTicks / unit;
        if (units * unit != priceTicks) {
            if (sizeLots == 0) {
                return; // no resting price is finer than the unit, so there is nothing to remove
            }
            rescaleDuringLoad(gcdUnit(unit, priceTicks));
            load(priceTicks, sizeLots);
            return;
        }
        final long key = (units ^ signMask) - signMask;
        if (loadInOrder && key < lastLoadedKey) {
            if (key < windowBase && windowLevels != 0 && treeLevels == 0) {
                // Below the window and below every level staged so far: append it to the staged levels.
                if (sizeLots != 0) {
                    final int n = stagedCount;
                    if (n == keys.length) {
                        grow(slotCapacity + Math.max(slotCapacity >> 1, INITIAL_SLOTS));
                    }
                    keys[n] = key;
                    sizes[n] = sizeLots;
                    stagedCount = n + 1;
                    lastLoadedKey = key;
                }
                return;
            }
            if (sizeLots != 0) {
                lastLoadedKey = key;
            }
            apply(priceTicks, sizeLots);
            return;
        }
        loadInOrder = false;
        layOutStaged();
        apply(priceTicks, sizeLots);
    }

    /**
     * Ends the load begun by {@link #beginLoad()} and lays out the levels, tree chunks three-quarters full.
     *
     * @throws IllegalStateException if no load is in progress
     */
    public void endLoad() {
        if (!loading) {
            throw new IllegalStateException("endLoad() without beginLoad()");
        }
        loading = false;
        if (priceUnit == 0) {
            priceUnit = UNCHOSEN_UNIT;
        }
        if (stagedCount != 0) {
            layOutStaged();
        } else if (treeLevels < shrinkBelowLevels) {
            // Loaded out of order into arrays kept from a deeper book.
            repack();
        }
    }

    /** The power of ten prices are held in (see the class doc); 10^18 until a first level sets it. */
    public long priceUnit() {
        return priceUnit;
    }

    /** {@link #apply} for a price that the current unit does not divide. */
    private boolean applyFiner(final long priceTicks, final long sizeLots) {
        if (sizeLots == 0) {
            return false; // no resting price is finer than the unit, so there is nothing to remove
        }
        if (levels() == 0) {
            priceUnit = unitOf(priceTicks);
        } else {
            rescale(gcdUnit(priceUnit, priceTicks));
        }
        return apply(priceTicks, sizeLots);
    }

    /** Rebuilds the side with a finer unit, exactly. O(levels); allocates temporary arrays. Rare by design. */
    private void rescale(final long newUnit) {
        reloadWithUnit(newUnit);
        endLoad();
    }

    /** {@link #rescale} in the middle of a load: the levels so far are reloaded, and the load goes on. */
    private void rescaleDuringLoad(final long newUnit) {
        if (stagedCount != 0) {
            layOutStaged();
        }
        reloadWithUnit(newUnit);
    }

    /**
     * Collects the window and tree levels (staged levels are not among them: lay them out first), then begins a new
     * load with {@code newUnit} and loads them into it, leaving that load open. Allocates temporary arrays.
     */
    private void reloadWithUnit(final long newUnit) {
        final int n = windowLevels + treeLevels;
        final long[] prices = new long[n];
        final long[] lots = new long[n];
        final int[] count = {0};
        forEachLevel(n, (price, size) -> {
            prices[count[0]] = price;
            lots[count[0]] = size;
            count[0]++;
        });
        beginLoad();
        priceUnit = newUnit;
        for (int i = 0; i < n; i++) {
            load(prices[i], lots[i]);
        }
    }

    /** The largest power of ten (up to 10^18) that divides {@code priceTicks}; 1 for 0. */
    static long unitOf(final long priceTicks) {
        if (priceTicks == 0) {
            return 1;
        }
        long unit = 1;
        while (unit <= Long.MAX_VALUE / 10 && priceTicks % (unit * 10) == 0) {
            unit *= 10;
        }
        return unit;
    }

    /** The largest power of ten that divides both the unit (a power of ten) and {@code priceTicks}. */
    private static long gcdUnit(final long unit, final long priceTicks) {
        long u = unit;
        while (u > 1 && priceTicks % u != 0) {
            u /= 10;
        }
        return u;
    }

    /**
     * Bytes held by this side: its arrays (window, tree payload, tree index, free-slot stack, array headers) and the
     * object itself, for a 64-bit HotSpot JVM with compressed oops. Matches JOL's {@code GraphLayout} to the byte
     * (see {@code FootprintReport} in the benchmarks module). About 21 KB for an empty side with the defaults.
     */
    public long footprintBytes() {
        return footprintBytes(slotCapacity);
    }

    @Override
    public String toString() {
        return "BookSide{side=" + side + ", levels=" + levels() + ", windowLevels=" + windowLevels + ", chunks="
            + chunks + ", bestPrice=" + bestPrice() + ", bestSize=" + bestSizeLots + '}';
    }

    // ---------------------------------------------------------------------------------------------------------
    // Structure statistics, for tests and benchmarks.

    int windowLevels() {
        return windowLevels;
    }

    int chunks() {
        return chunks;
    }

    int slotCapacity() {
        return slotCapacity;
    }

    long splitCount() {
        return splitCount;
    }

    long spillCount() {
        return spillCount;
    }

    long mergeCount() {
        return mergeCount;
    }

    long repackCount() {
        return repackCount;
    }

    long growCount() {
        return growCount;
    }

    long windowMoveCount() {
        return windowMoveCount;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Window maintenance.

    /** The best level, in window slot {@code bestSlot}, was just removed from the window: find the next one. */
    private void bestRemoved(final int bestSlot) {
        if (windowLevels == 0) {
            if (treeLevels == 0 && stagedCount == 0) {
                bestKey = EMPTY_KEY;
                bestSizeLots = 0;
                windowBase = Long.MIN_VALUE;
                return;
            }
            bestKey = EMPTY_KEY;
            moveWindowDown();
            return;
        }
        // Every level in the window is below the removed best, so scanning down from it (wrapping around the ring)
        // meets the next best before any slot that stands for a key above it.
        final long[] windowBits = this.windowBits;
        final int wordMask = windowBits.length - 1;
        int word = bestSlot >>> 6;
        long bits = windowBits[word] & ((1L << bestSlot) - 1);
        while (bits == 0) {
            word = (word - 1) & wordMask;
            bits = windowBits[word];
        }
        final int slot = (word << 6) | (63 - Long.numberOfLeadingZeros(bits));
        final long key = bestKey - ((bestSlot - slot) & windowMask);
        bestKey = key;
        bestSizeLots = windowSizes[slot];
        if (key - windowBase < windowTicks >> 2 && (treeLevels != 0 || stagedCount != 0)) {
            moveWindowDown();
        }
    }

    /**
     * Moves the window down so that the best level (the window's, or the tree's top if the window is empty) sits
     * three quarters of the way up, taking the tree's levels that now fall inside it.
     */
    private void moveWindowDown() {
        layOutStaged();
        final long top = windowLevels != 0 ? bestKey : treeTopKey();
        final long newBase = windowBaseFor(top);
        // Slots for keys in [newBase, windowBase) stood for keys above the best, so they are empty.
        final long[] windowSizes = this.windowSizes;
        final long[] windowBits = this.windowBits;
        final int mask = windowMask;
        int pulled = 0;
        while (treeLevels != 0) {
            final int c = chunks - 1;
            final int count = chunkCount[c];
            final int index = chunkBase[c] + count - 1;
            final long key = keys[index];
            if (key < newBase) {
                break;
            }
            final int slot = (int) key & mask;
            windowSizes[slot] = sizes[index];
            windowBits[slot >>> 6] |= 1L << slot;
            pulled++;
            treeLevels--;
            if (count == 1) {
                removeChunk(c);
            } else {
                chunkCount[c] = count - 1;
            }
        }
        windowLevels += pulled;
        windowBase = newBase;
        if (bestKey == EMPTY_KEY) {
            bestKey = top;
            bestSizeLots = windowSizes[(int) top & mask];
        }
        windowMoveCount++;
        if (treeLevels < shrinkBelowLevels) {
            repack();
        }
    }

    /**
     * Moves the window up for a new best key above it, handing the levels that fall below the new base to the tree.
     */
    private void moveWindowUp(final long key) {
        final long newBase = windowBaseFor(key);
        final long oldBase = windowBase;
        if (windowLevels != 0) {
            layOutStaged();
            // Keys in [oldBase, newBase) leave the window, lowest first, onto the top of the tree.
            final long leaving = newBase - oldBase;
            final int ticks = Long.compareUnsigned(leaving, windowTicks) >= 0 ? windowTicks : (int) leaving;
            evictAscending((int) oldBase & windowMask, ticks, oldBase);
        }
        windowBase = newBase;
        windowMoveCount++;
    }

    /** Moves the window levels in the {@code ticks} slots from {@code fromSlot} (key {@code fromKey}) to the tree. */
    private void evictAscending(final int fromSlot, final int ticks, final long fromKey) {
        final long[] windowBits = this.windowBits;
        final long[] windowSizes = this.windowSizes;
        final int mask = windowMask;
        int done = 0;
        while (done < ticks && windowLevels != 0) {
            final int slot = (fromSlot + done) & mask;
            final int word = slot >>> 6;
            final int bitFrom = slot & 63;
            final int span = Math.min(64 - bitFrom, ticks - done);
            long bits = windowBits[word] & ((-1L >>> (64 - span)) << bitFrom);
            windowBits[word] &= ~bits;
            while (bits != 0) {
                final int bit = Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                final int s = (word << 6) | bit;
                treeAppendTop(fromKey + done + (bit - bitFrom), windowSizes[s]);
                windowSizes[s] = 0;
                windowLevels--;
            }
            done += span;
        }
    }

    /** Window base that puts {@code key} three quarters of the way up the window. */
    private long windowBaseFor(final long key) {
        final long offset = windowTicks - (windowTicks >> 2) - 1;
        return key < Long.MIN_VALUE + offset ? Long.MIN_VALUE : key - offset;
    }

    private int windowSlotAtDepth(final int depth) {
        final long[] windowBits = this.windowBits;
        final int bestSlot = (int) bestKey & windowMask;
        final int wordMask = windowBits.length - 1;
        int word = bestSlot >>> 6;
        long bits = windowBits[word] & (-1L >>> (63 - (bestSlot & 63)));
        int remaining = depth;
        while (true) {
            final int count = Long.bitCount(bits);
            if (remaining < count) {
                for (int i = 0; i < remaining; i++) {
                    bits &= ~Long.highestOneBit(bits);
                }
                return (word << 6) | (63 - Long.numberOfLeadingZeros(bits));
            }
            remaining -= count;
            word = (word - 1) & wordMask;
            bits = windowBits[word];
        }
    }

    private long keyAtDepth(final int depth) {
        if (depth < 0 || depth >= windowLevels + treeLevels) {
            return EMPTY_KEY;
        }
        if (depth < windowLevels) {
            final int slot = windowSlotAtDepth(depth);
            return bestKey - ((((int) bestKey & windowMask) - slot) & windowMask);
        }
        return keys[treeIndexAtDepth(depth - windowLevels)];
    }

    // ---------------------------------------------------------------------------------------------------------
    // Tree: change paths. Every key here is below the window base.

    private void treeUpsert(final long key, final long sizeLots) {
        if (stagedCount != 0) {
            layOutStaged();
        }
        if (chunks == 0) {
            treeAppendTop(key, sizeLots);
            return;
        }
        final long[] keys = this.keys;
        final int c = findChunk(key);
        final int base = chunkBase[c];
        final int count = chunkCount[c];
        final int end = base + count;
        final int p = lowerBound(keys, base, end, key);
        if (p < end && keys[p] == key) {
            sizes[p] = sizeLots;
            return;
        }
        if (count == chunkCapacity) {
            makeRoom(c);
            treeUpsert(key, sizeLots);
            return;
        }
        final long[] sizes = this.sizes;
        System.arraycopy(keys, p, keys, p + 1, end - p);
        System.arraycopy(sizes, p, sizes, p + 1, end - p);
        keys[p] = key;
        sizes[p] = sizeLots;
        chunkCount[c] = count + 1;
        treeLevels++;
    }

    private void treeRemove(final long key) {
        if (stagedCount != 0) {
            layOutStaged();
        }
        if (chunks == 0) {
            return;
        }
        final long[] keys = this.keys;
        final int c = findChunk(key);
        final int base = chunkBase[c];
        final int count = chunkCount[c];
        final int end = base + count;
        final int p = lowerBound(keys, base, end, key);
        if (p == end || keys[p] != key) {
            return;
        }
        final long[] sizes = this.sizes;
        System.arraycopy(keys, p + 1, keys, p, end - p - 1);
        System.arraycopy(sizes, p + 1, sizes, p, end - p - 1);
        chunkCount[c] = count - 1;
        treeLevels--;
        if (count - 1 < underflowLevels) {
            underflow(c);
        }
        if (treeLevels < shrinkBelowLevels) {
            repack();
        }
    }

    /** Adds a level above every level in the tree. */
    private void treeAppendTop(final long key, final long sizeLots) {
        int top = chunks - 1;
        if (top < 0 || chunkCount[top] == chunkCapacity) {
            if (reserveSlot()) {
                treeAppendTop(key, sizeLots);
                return;
            }
            if (top < 0) {
                insertChunk(0, allocateSlot(), 0, FIRST_SEPARATOR);
            } else {
                split(top, topSplitLevels);
            }
            top = chunks - 1;
        }
        final int count = chunkCount[top];
        final int index = chunkBase[top] + count;
        keys[index] = key;
        sizes[index] = sizeLots;
        chunkCount[top] = count + 1;
        treeLevels++;
    }

    private long treeTopKey() {
        final int top = chunks - 1;
        return keys[chunkBase[top] + chunkCount[top] - 1];
    }

    // ---------------------------------------------------------------------------------------------------------
    // Tree: searching.

    /** Index of the chunk a key belongs in. Requires at least one chunk. */
    private int findChunk(final long key) {
        final long[] separators = chunkSeparator;
        final int top = chunks - 1;
        // The top chunk, just below the window, is the busiest.
        if (key >= separators[top]) {
            return top;
        }
        // Largest c < top with separators[c] <= key; separators[0] is below every key.
        int lo = 0;
        int n = top;
        while (n > 1) {
            final int half = n >>> 1;
            lo = separators[lo + half] <= key ? lo + half : lo;
            n -= half;
        }
        return lo;
    }

    /** First index in {@code [from, to)} whose key is {@code >= key}, or {@code to}. Branch-free; needs to > from. */
    private static int lowerBound(final long[] keys, final int from, final int to, final long key) {
        int lo = from;
        int n = to - from;
        while (n > 1) {
            final int half = n >>> 1;
            lo = keys[lo + half] < key ? lo + half : lo;
            n -= half;
        }
        return keys[lo] < key ? lo + 1 : lo;
    }

    private int treeIndexAtDepth(final int depth) {
        int remaining = depth;
        for (int c = chunks - 1; c >= 0; c--) {
            final int count = chunkCount[c];
            if (remaining < count) {
                return chunkBase[c] + count - 1 - remaining;
            }
            remaining -= count;
        }
        throw new IllegalStateException("level count out of step with chunks");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Tree: chunk maintenance (cold paths).

    /** Makes room in full chunk c, or repacks the tree; either way the caller must look its chunk up again. */
    private void makeRoom(final int c) {
        final int top = chunks - 1;
        final int capacity = chunkCapacity;
        if (c < top) {
            final int rightRoom = capacity - chunkCount[c + 1];
            if (rightRoom >= 2) {
                spillRight(c, (rightRoom + 1) >> 1);
                return;
            }
        }
        if (c > 0) {
            final int leftRoom = capacity - chunkCount[c - 1];
            if (leftRoom >= 2) {
                spillLeft(c, (leftRoom + 1) >> 1);
                return;
            }
        }
        if (!reserveSlot()) {
            split(c, c == top ? topSplitLevels : capacity >> 1);
        }
    }

    /** Moves the highest {@code moved} levels of chunk c into a new chunk right after it. Needs a reserved slot. */
    private void split(final int c, final int moved) {
        final int base = chunkBase[c];
        final int count = chunkCount[c];
        final int slot = allocateSlot();
        final int newBase = slot << chunkShift;
        final int from = base + count - moved;
        System.arraycopy(keys, from, keys, newBase, moved);
        System.arraycopy(sizes, from, sizes, newBase, moved);
        chunkCount[c] = count - moved;
        insertChunk(c + 1, slot, moved, keys[newBase]);
        splitCount++;
    }

    /** Moves the highest {@code moved} levels of chunk c to the bottom of chunk c + 1. */
    private void spillRight(final int c, final int moved) {
        final long[] keys = this.keys;
        final long[] sizes = this.sizes;
        final int right = c + 1;
        final int rightBase = chunkBase[right];
        final int rightCount = chunkCount[right];
        System.arraycopy(keys, rightBase, keys, rightBase + moved, rightCount);
        System.arraycopy(sizes, rightBase, sizes, rightBase + moved, rightCount);
        final int from = chunkBase[c] + chunkCount[c] - moved;
        System.arraycopy(keys, from, keys, rightBase, moved);
        System.arraycopy(sizes, from, sizes, rightBase, moved);
        chunkCount[c] -= moved;
        chunkCount[right] = rightCount + moved;
        chunkSeparator[right] = keys[rightBase];
        spillCount++;
    }

    /** Moves the lowest {@code moved} levels of chunk c to the top of chunk c - 1. */
    private void spillLeft(final int c, final int moved) {
        final long[] keys = this.keys;
        final long[] sizes = this.sizes;
        final int left = c - 1;
        final int base = chunkBase[c];
        final int count = chunkCount[c];
        final int to = chunkBase[left] + chunkCount[left];
        System.arraycopy(keys, base, keys, to, moved);
        System.arraycopy(sizes, base, sizes, to, moved);
        System.arraycopy(keys, base + moved, keys, base, count - moved);
        System.arraycopy(sizes, base + moved, sizes, base, count - moved);
        chunkCount[left] += moved;
        chunkCount[c] = count - moved;
        chunkSeparator[c] = keys[base];
        spillCount++;
    }

    /** Chunk c has fallen under half full: free it if empty, else merge it with a small neighbour. */
    private void underflow(final int c) {
        final int count = chunkCount[c];
        if (count == 0) {
            removeChunk(c);
            return;
        }
        final boolean hasRight = c < chunks - 1;
        if (c > 0 && (!hasRight || chunkCount[c - 1] <= chunkCount[c + 1])) {
            if (count + chunkCount[c - 1] <= mergeLevels) {
                merge(c - 1);
            }
        } else if (hasRight && count + chunkCount[c + 1] <= mergeLevels) {
            merge(c);
        }
    }

    /** Appends chunk c + 1 to chunk c and frees it. */
    private void merge(final int c) {
        final int right = c + 1;
        final int rightCount = chunkCount[right];
        final int to = chunkBase[c] + chunkCount[c];
        System.arraycopy(keys, chunkBase[right], keys, to, rightCount);
        System.arraycopy(sizes, chunkBase[right], sizes, to, rightCount);
        chunkCount[c] += rightCount;
        removeChunk(right);
        mergeCount++;
    }

    private void insertChunk(final int c, final int slot, final int count, final long separator) {
        final int n = chunks;
        System.arraycopy(chunkSeparator, c, chunkSeparator, c + 1, n - c);
        System.arraycopy(chunkBase, c, chunkBase, c + 1, n - c);
        System.arraycopy(chunkCount, c, chunkCount, c + 1, n - c);
        chunkSeparator[c] = c == 0 ? FIRST_SEPARATOR : separator;
        chunkBase[c] = slot << chunkShift;
        chunkCount[c] = count;
        chunks = n + 1;
    }

    private void removeChunk(final int c) {
        freeSlots[freeSlotCount++] = chunkBase[c] >> chunkShift;
        final int n = chunks - 1;
        System.arraycopy(chunkSeparator, c + 1, chunkSeparator, c, n - c);
        System.arraycopy(chunkBase, c + 1, chunkBase, c, n - c);
        System.arraycopy(chunkCount, c + 1, chunkCount, c, n - c);
        chunks = n;
        if (n > 0) {
            chunkSeparator[0] = FIRST_SEPARATOR;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Tree: slots, growth and repacking.

    private int allocateSlot() {
        return freeSlotCount > 0 ? freeSlots[--freeSlotCount] : slotHigh++;
    }

    /**
     * Makes sure {@link #allocateSlot()} has a slot to give. When the pool is exhausted it either grows it by an
     * eighth, if the footprint bound still holds afterwards, or repacks the tree three-quarters full.
     *
     * @return true if the tree was repacked, so the caller must look its chunk up again
     */
    private boolean reserveSlot() {
        if (freeSlotCount > 0 || slotHigh < slotCapacity) {
            return false;
        }
        final int grown = slotCapacity + Math.max(slotCapacity >> 3, INITIAL_SLOTS);
        if (footprintBytes(grown) - footprintBytes(INITIAL_SLOTS) > (long) MAX_BYTES_PER_LEVEL * treeLevels) {
            repack();
            return true;
        }
        grow(grown);
        return false;
    }

    /** Rewrites the tree into fresh arrays sized for its levels, chunks three-quarters full. */
    private void repack() {
        final long[] oldKeys = keys;
        final long[] oldSizes = sizes;
        final int[] oldBase = chunkBase;
        final int[] oldCount = chunkCount;
        final int oldChunks = chunks;
        final int total = treeLevels;
        final int fill = loadFill;
        final int needed = (total + fill - 1) / fill;
        allocate(slotsFor(needed));
        int chunk = -1;
        int inChunk = fill;
        for (int c = 0; c < oldChunks; c++) {
            int from = oldBase[c];
            int remaining = oldCount[c];
            while (remaining > 0) {
                if (inChunk == fill) {
                    chunk++;
                    inChunk = 0;
                }
                final int n = Math.min(remaining, fill - inChunk);
                final int to = (chunk << chunkShift) + inChunk;
                System.arraycopy(oldKeys, from, keys, to, n);
                System.arraycopy(oldSizes, from, sizes, to, n);
                inChunk += n;
                from += n;
                remaining -= n;
            }
        }
        indexSequentialChunks(total, needed);
        repackCount++;
    }

    /** Lays out the staged levels (strictly descending keys in {@code keys[0, stagedCount)}) as the whole tree. */
    private void layOutStaged() {
        final int total = stagedCount;
        if (total == 0) {
            return;
        }
        stagedCount = 0;
        final int fill = loadFill;
        final int needed = (total + fill - 1) / fill;
        if (slotCapacity < needed || total < shrinkBelowLevels) {
            final long[] oldKeys = keys;
            final long[] oldSizes = sizes;
            allocate(slotsFor(needed));
            final long[] keys = this.keys;
            final long[] sizes = this.sizes;
            for (int rank = 0; rank < total; rank++) {
                final int to = ((rank / fill) << chunkShift) + rank % fill;
                keys[to] = oldKeys[total - 1 - rank];
                sizes[to] = oldSizes[total - 1 - rank];
            }
        } else {
            final long[] keys = this.keys;
            final long[] sizes = this.sizes;
            for (int i = 0, j = total - 1; i < j; i++, j--) {
                final long k = keys[i];
                keys[i] = keys[j];
                keys[j] = k;
                final long s = sizes[i];
                sizes[i] = sizes[j];
                sizes[j] = s;
            }
            // Spread from the top down: every chunk moves to a position at or above its source, never over a source
            // not yet moved.
            for (int chunk = needed - 1; chunk > 0; chunk--) {
                final int from = chunk * fill;
                final int n = Math.min(fill, total - from);
                System.arraycopy(keys, from, keys, chunk << chunkShift, n);
                System.arraycopy(sizes, from, sizes, chunk << chunkShift, n);
            }
        }
        indexSequentialChunks(total, needed);
    }

    /** Indexes chunks 0..chunkTotal-1 in slots 0..chunkTotal-1, each loadFill full except the last. */
    private void indexSequentialChunks(final int total, final int chunkTotal) {
        final int fill = loadFill;
        for (int chunk = 0; chunk < chunkTotal; chunk++) {
            final int base = chunk << chunkShift;
            chunkBase[chunk] = base;
            chunkCount[chunk] = Math.min(fill, total - chunk * fill);
            chunkSeparator[chunk] = chunk == 0 ? FIRST_SEPARATOR : keys[base];
        }
        chunks = chunkTotal;
        slotHigh = chunkTotal;
        freeSlotCount = 0;
        treeLevels = total;
        updateShrinkThreshold();
    }

    private int slotsFor(final int chunkTotal) {
        return Math.max(INITIAL_SLOTS, chunkTotal + (chunkTotal >> 3) + 1);
    }

    private void allocate(final int slots) {
        keys = new long[slots << chunkShift];
        sizes = new long[slots << chunkShift];
        chunkSeparator = new long[slots];
        chunkBase = new int[slots];
        chunkCount = new int[slots];
        freeSlots = new int[slots];
        slotCapacity = slots;
        updateShrinkThreshold();
    }

    private void grow(final int slots) {
        keys = Arrays.copyOf(keys, slots << chunkShift);
        sizes = Arrays.copyOf(sizes, slots << chunkShift);
        chunkSeparator = Arrays.copyOf(chunkSeparator, slots);
        chunkBase = Arrays.copyOf(chunkBase, slots);
        chunkCount = Arrays.copyOf(chunkCount, slots);
        freeSlots = Arrays.copyOf(freeSlots, slots);
        slotCapacity = slots;
        updateShrinkThreshold();
        growCount++;
    }

    private void updateShrinkThreshold() {
        shrinkBelowLevels = (int) ((footprintBytes() - footprintBytes(INITIAL_SLOTS)) / MAX_BYTES_PER_LEVEL);
    }

    /** Footprint of this side if its tree had {@code slots} chunk slots. */
    private long footprintBytes(final int slots) {
        return OBJECT_BYTES + longArrayBytes(windowTicks) + longArrayBytes(windowTicks >> 6)
            + 2 * longArrayBytes(slots << chunkShift) + longArrayBytes(slots) + 3 * intArrayBytes(slots);
    }

    private static long longArrayBytes(final int length) {
        return ARRAY_HEADER_BYTES + 8L * length;
    }

    private static long intArrayBytes(final int length) {
        // Rounded up to the 8-byte object alignment.
        return (ARRAY_HEADER_BYTES + 4L * length + 7) & ~7L;
    }

    private static void checkPowerOfTwo(final String name, final int value, final int min, final int max) {
        if (value < min || value > max || Integer.bitCount(value) != 1) {
            throw new IllegalArgumentException(
                name + " must be a power of two in [" + min + ", " + max + "], was " + value);
        }
    }

    private static IllegalArgumentException negative(final long priceTicks, final long sizeLots) {
        return new IllegalArgumentException("price and size must be >= 0, were " + priceTicks + " and " + sizeLots);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Self-check, for tests.

    /** Checks every structural invariant; throws {@link IllegalStateException} naming the first one broken. */
    void verifyInvariants() {
        if (stagedCount != 0) {
            return;
        }
        // Window: bits match sizes, levels counted, every level inside [windowBase, windowBase + windowTicks),
        // best is the highest.
        int inWindow = 0;
        long highest = EMPTY_KEY;
        for (int slot = 0; slot < windowTicks; slot++) {
            final boolean bit = (windowBits[slot >>> 6] & (1L << slot)) != 0;
            check(bit == (windowSizes[slot] != 0), "window bit matches size", slot);
            check(windowSizes[slot] >= 0, "window size not negative", slot);
            if (bit) {
                inWindow++;
                final long key = windowBase + ((slot - (int) windowBase) & windowMask);
                highest = Math.max(highest, key);
            }
        }
        check(inWindow == windowLevels, "window level count", inWindow);
        check(highest == bestKey, "best is the highest window level", inWindow);
        check(inWindow == 0 ? bestSizeLots == 0 : bestSizeLots == windowSizes[(int) bestKey & windowMask],
            "best size", inWindow);
        check(inWindow != 0 || treeLevels == 0, "window empty only if the side is", treeLevels);
        // Tree.
        int total = 0;
        long previous = EMPTY_KEY;
        final boolean[] used = new boolean[slotCapacity];
        for (int c = 0; c < chunks; c++) {
            final int base = chunkBase[c];
            final int count = chunkCount[c];
            check((base & (chunkCapacity - 1)) == 0 && base >> chunkShift < slotCapacity, "chunk base", c);
            check(!used[base >> chunkShift], "slot used twice", c);
            used[base >> chunkShift] = true;
            check(count >= 1 && count <= chunkCapacity, "chunk count", c);
            check(c == 0 ? chunkSeparator[0] == FIRST_SEPARATOR : chunkSeparator[c] <= keys[base], "separator", c);
            check(c == 0 || chunkSeparator[c] > previous, "separator above previous chunk", c);
            for (int i = base; i < base + count; i++) {
                check(keys[i] > previous, "keys ascending", c);
                check(keys[i] < windowBase, "tree keys below the window", c);
                check(sizes[i] > 0, "sizes positive", c);
                previous = keys[i];
            }
            total += count;
        }
        check(total == treeLevels, "tree level count", total);
        for (int i = 0; i < freeSlotCount; i++) {
            check(freeSlots[i] < slotHigh && !used[freeSlots[i]], "free slot", freeSlots[i]);
            used[freeSlots[i]] = true;
        }
        for (int s = 0; s < slotHigh; s++) {
            check(used[s], "slot leaked", s);
        }
        check(slotHigh <= slotCapacity, "slot high", slotHigh);
    }

    private static void check(final boolean condition, final String what, final int where) {
        if (!condition) {
            throw new IllegalStateException("invariant broken: " + what + " at " + where);
        }
    }
}
