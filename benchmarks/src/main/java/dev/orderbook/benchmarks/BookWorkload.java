package dev.orderbook.benchmarks;

import java.util.Arrays;
import java.util.SplittableRandom;

import dev.orderbook.codec.model.Side;

/**
 * A seeded, pre-generated stream of Level-2 changes for a deep two-sided book, so that benchmarks time only the
 * book. Every change is valid against the book as it stands at that point, starting from {@link #bidSnapshotPrices}
 * / {@link #askSnapshotPrices} (best first, as Coinbase sends a snapshot).
 *
 * <p>The model, per change:
 * <ul>
 *   <li>a side at random; then, with probability {@code deepPercent}%, a depth uniform over the whole side,
 *       otherwise a depth near the top (exponential, mean {@value #NEAR_MEAN_DEPTH} levels, so about one near-top
 *       change in nine is at the best level);</li>
 *   <li>near the top: 49% size changes, 25% deletes (including deletes of the best level), 25% inserts into a free
 *       tick next to that depth (new best prices too, never crossing the other side), 1% removals of a price that
 *       is not in the book; deep: 39% size changes, 30% deletes, 30% inserts, 1% removals of absent prices;</li>
 *   <li>inserts and deletes swap when a side drifts more than 3% from its starting depth, so the book stays deep;
 *       an insert with no free tick nearby becomes a size change.</li>
 * </ul>
 * Messages carry 1 to 20 changes (uniform), like Coinbase {@code level2_batch} messages; top of book is read after
 * each. Initial books: best bid and ask one tick either side of a mid of 65,000.00 at a 0.01 tick, gaps between
 * levels growing with depth (half the ticks empty near the top, about 1 in 12 occupied 10,000 levels down), all
 * gaps multiplied by {@code gapScale} for a book that is sparse in ticks.
 */
public final class BookWorkload {
    /** Mean depth, in levels, of a near-top change. */
    public static final int NEAR_MEAN_DEPTH = 8;

    private static final long MID_TICKS = 6_500_000;
    private static final int MAX_CHANGES_PER_MESSAGE = 20;
    private static final int MAX_SIZE_LOTS = 100_000_000;

    public final long[] bidSnapshotPrices;
    public final long[] bidSnapshotSizes;
    public final long[] askSnapshotPrices;
    public final long[] askSnapshotSizes;

    /** Per change: {@link Side#BID_CODE} or {@link Side#ASK_CODE}. */
    public final byte[] sideCodes;
    public final long[] prices;
    public final long[] sizes;
    /** Per message: index one past its last change. */
    public final int[] messageEnds;

    private final String description;

    private BookWorkload(final long[][] snapshot, final byte[] sideCodes, final long[] prices, final long[] sizes,
                         final int[] messageEnds, final String description) {
        this.bidSnapshotPrices = snapshot[0];
        this.bidSnapshotSizes = snapshot[1];
        this.askSnapshotPrices = snapshot[2];
        this.askSnapshotSizes = snapshot[3];
        this.sideCodes = sideCodes;
        this.prices = prices;
        this.sizes = sizes;
        this.messageEnds = messageEnds;
        this.description = description;
    }

    /** Number of changes. */
    public int changes() {
        return prices.length;
    }

    /** What the stream holds: counts of each kind of change. */
    public String describe() {
        return description;
    }

    /** The same stream with only one side's changes, message boundaries kept where they still separate changes. */
    public BookWorkload oneSide(final Side side) {
        final byte code = side.code();
        int n = 0;
        for (final byte c : sideCodes) {
            if (c == code) {
                n++;
            }
        }
        final byte[] codes = new byte[n];
        final long[] p = new long[n];
        final long[] s = new long[n];
        final int[] ends = new int[messageEnds.length];
        int messages = 0;
        int j = 0;
        int i = 0;
        for (final int end : messageEnds) {
            final int before = j;
            for (; i < end; i++) {
                if (sideCodes[i] == code) {
                    codes[j] = code;
                    p[j] = prices[i];
                    s[j] = sizes[i];
                    j++;
                }
            }
            if (j > before) {
                ends[messages++] = j;
            }
        }
        final long[] empty = new long[0];
        final long[][] snapshot = side == Side.BID
            ? new long[][] {bidSnapshotPrices, bidSnapshotSizes, empty, empty}
            : new long[][] {empty, empty, askSnapshotPrices, askSnapshotSizes};
        return new BookWorkload(snapshot, codes, p, s, Arrays.copyOf(ends, messages), side + " only of " + description);
    }

    /**
     * Generates a stream.
     *
     * @param seed          random seed; the same arguments always give the same stream
     * @param levelsPerSide depth of each side in the snapshot, kept within 3% throughout
     * @param changes       number of level changes
     * @param deepPercent   percentage of changes at a depth uniform over the whole side
     * @param gapScale      multiplies every gap between snapshot levels: 1 for a BTC-USD-like book, more for a book
     *                      whose top is sparse in ticks
     */
    public static BookWorkload generate(final long seed, final int levelsPerSide, final int changes,
                                        final int deepPercent, final int gapScale) {
        final SplittableRandom random = new SplittableRandom(seed);
        final GeneratorSide[] sides = {new GeneratorSide(levelsPerSide * 2), new GeneratorSide(levelsPerSide * 2)};
        final long[][] snapshot = new long[4][levelsPerSide];
        for (int s = 0; s < 2; s++) {
            // Keys: bid key = price, ask key = -price, so both sides have the best level at the largest key.
            long key = s == 0 ? MID_TICKS - 1 : -(MID_TICKS + 1);
            final long[] snapshotKeys = new long[levelsPerSide];
            for (int depth = 0; depth < levelsPerSide; depth++) {
                snapshotKeys[depth] = key;
                snapshot[2 * s][depth] = s == 0 ? key : -key;
                snapshot[2 * s + 1][depth] = 1 + random.nextInt(MAX_SIZE_LOTS);
                key -= (1 + random.nextInt(2 + depth / 500)) * (long) gapScale;
                if (s == 0 && key <= 0) {
                    throw new IllegalArgumentException("book too deep or sparse for a mid of " + MID_TICKS);
                }
            }
            for (int depth = levelsPerSide - 1; depth >= 0; depth--) {
                sides[s].append(snapshotKeys[depth], snapshot[2 * s + 1][depth]);
            }
        }

        final byte[] sideCodes = new byte[changes];
        final long[] prices = new long[changes];
        final long[] sizes = new long[changes];
        final int[] messageEnds = new int[changes];
        final long[] counts = new long[Kind.values().length];
        int messages = 0;
        int untilMessageEnd = 1 + random.nextInt(MAX_CHANGES_PER_MESSAGE);
        int deep = 0;
        for (int i = 0; i < changes; i++) {
            final int s = random.nextInt(2);
            final GeneratorSide side = sides[s];
            final GeneratorSide other = sides[1 - s];
            // Highest key a new best may take without crossing the other side's best price.
            final long ceilingKey = -other.bestKey() - 1;
            final boolean isDeep = random.nextInt(100) < deepPercent;
            deep += isDeep ? 1 : 0;
            final int n = side.size;
            final int depth = isDeep
                ? random.nextInt(n)
                : Math.min(n - 1, (int) (-Math.log(1 - random.nextDouble()) * NEAR_MEAN_DEPTH));
            final int roll = random.nextInt(100);
            Kind kind;
            if (roll == 0) {
                kind = Kind.ABSENT_DELETE;
            } else if (roll < (isDeep ? 40 : 50)) {
                kind = Kind.SIZE_CHANGE;
            } else if (roll < (isDeep ? 70 : 75)) {
                kind = Kind.DELETE;
            } else {
                kind = Kind.INSERT;
            }
            if (kind == Kind.INSERT && n > levelsPerSide * 103L / 100) {
                kind = Kind.DELETE;
            } else if (kind == Kind.DELETE && n < levelsPerSide * 97L / 100) {
                kind = Kind.INSERT;
            }
            final int index = n - 1 - depth;
            long key = side.keys[index];
            long size = 0;
            if (kind == Kind.INSERT || kind == Kind.ABSENT_DELETE) {
                final long free = side.freeKeyNear(index, ceilingKey, random);
                if (free == Long.MIN_VALUE) {
                    kind = Kind.SIZE_CHANGE;
                } else {
                    key = free;
                }
            }
            switch (kind) {
                case SIZE_CHANGE:
                    size = side.sizes[index] % MAX_SIZE_LOTS + 1 + random.nextInt(1000);
                    side.sizes[index] = size;
                    break;
                case DELETE:
                    if (depth == 0) {
                        counts[Kind.BEST_DELETE.ordinal()]++;
                    }
                    side.remove(index);
                    break;
                case INSERT:
                    size = 1 + random.nextInt(MAX_SIZE_LOTS);
                    side.insert(key, size);
                    break;
                default:
                    break;
            }
            counts[kind.ordinal()]++;
            sideCodes[i] = s == 0 ? Side.BID_CODE : Side.ASK_CODE;
            prices[i] = s == 0 ? key : -key;
            sizes[i] = size;
            if (--untilMessageEnd == 0 || i == changes - 1) {
                messageEnds[messages++] = i + 1;
                untilMessageEnd = 1 + random.nextInt(MAX_CHANGES_PER_MESSAGE);
            }
        }
        final String description = String.format(
            "%d changes in %d messages on %d levels per side, gap scale %d (ends with %d bids, %d asks): %d%% deep; "
                + "%d size changes, %d inserts, %d deletes (%d of the best level), %d removals of absent levels",
            changes, messages, levelsPerSide, gapScale, sides[0].size, sides[1].size,
            Math.round(100.0 * deep / changes), counts[Kind.SIZE_CHANGE.ordinal()], counts[Kind.INSERT.ordinal()],
            counts[Kind.DELETE.ordinal()], counts[Kind.BEST_DELETE.ordinal()], counts[Kind.ABSENT_DELETE.ordinal()]);
        return new BookWorkload(snapshot, sideCodes, prices, sizes, Arrays.copyOf(messageEnds, messages),
            description);
    }

    private enum Kind { SIZE_CHANGE, DELETE, INSERT, ABSENT_DELETE, BEST_DELETE }

    /** The generator's own model of a side: keys ascending, best last. Simple, not fast. */
    private static final class GeneratorSide {
        long[] keys;
        long[] sizes;
        int size;

        GeneratorSide(final int capacity) {
            keys = new long[capacity];
            sizes = new long[capacity];
        }

        long bestKey() {
            return keys[size - 1];
        }

        void append(final long key, final long sizeLots) {
            keys[size] = key;
            sizes[size] = sizeLots;
            size++;
        }

        void insert(final long key, final long sizeLots) {
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                sizes = Arrays.copyOf(sizes, size * 2);
            }
            int p = Arrays.binarySearch(keys, 0, size, key);
            if (p >= 0) {
                throw new IllegalStateException("key present: " + key);
            }
            p = -p - 1;
            System.arraycopy(keys, p, keys, p + 1, size - p);
            System.arraycopy(sizes, p, sizes, p + 1, size - p);
            keys[p] = key;
            sizes[p] = sizeLots;
            size++;
        }

        void remove(final int index) {
            System.arraycopy(keys, index + 1, keys, index, size - index - 1);
            System.arraycopy(sizes, index + 1, sizes, index, size - index - 1);
            size--;
        }

        /**
         * A free key just above level {@code index} (below the next level, or at most 5 ticks above the best and
         * at most {@code ceilingKey}), else just below it; {@code Long.MIN_VALUE} if both gaps are full.
         */
        long freeKeyNear(final int index, final long ceilingKey, final SplittableRandom random) {
            final long key = keys[index];
            final long above = index == size - 1 ? Math.min(key + 6, ceilingKey + 1) : keys[index + 1];
            if (above - key > 1) {
                return key + 1 + random.nextLong(above - key - 1);
            }
            final long below = index == 0 ? key - 4 : keys[index - 1];
            if (key - below > 1) {
                return below + 1 + random.nextLong(key - below - 1);
            }
            return Long.MIN_VALUE;
        }
    }
}
