package dev.orderbook.simulator.market;

import dev.orderbook.codec.model.Side;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A seeded synthetic market: a true price-level book per product and a deterministic stream of batches of
 * level changes, shaped like Coinbase {@code level2_batch} traffic. It knows nothing of wire formats; protocol
 * encoders turn its books and batches into messages.
 *
 * <p>Each product starts with a deep book ({@link MarketOptions#levelsPerSide()} levels a side around its mid
 * price). {@link #nextBatch} then picks the product whose next batching window (about
 * {@link #BATCH_WINDOW_NS}, quieter products skip windows) comes first, moves the simulated clock there and fills
 * a {@link ChangeBatch} with that product's changes:
 * <ul>
 *   <li>the mid price takes a mean-reverting random-walk step; when it passes the opposite best price, the
 *       levels it crosses are removed first (best first) and a new best level is set at the mid, in the same
 *       batch, so the book never crosses;</li>
 *   <li>the other changes are size changes, deletions (the best level included) and new levels: a share
 *       {@code 1 - deepFraction} within {@link #NEAR_TOP_LEVELS} of the best (top-heavy), the rest at a rank
 *       drawn uniformly from {@code [NEAR_TOP_LEVELS, levelCount)};</li>
 *   <li>deep inserts and deletions lean towards the configured depth, so books neither drain nor grow.</li>
 * </ul>
 * Sizes are absolute; zero removes a level. After every batch, on both sides every size is positive, every bid
 * price is at least one tick, each side keeps at least two levels, and the best bid is below the best ask.
 *
 * <p>Determinism: all randomness comes from one {@link SplittableRandom} seeded from the options' seed, and
 * only {@link StrictMath} is used for floating point, so the same options give the same books and batches on
 * every JVM. The simulated clock starts at {@link #START_EPOCH_NS} (2026-11-23T19:00:00Z); wall time is never
 * read.
 *
 * <p>Not thread-safe: one thread drives a market. Generating a batch allocates nothing.
 */
public final class SyntheticMarket {
    /** Changes at a rank below this (0 = best) count as near the top; the rest are deep. */
    public static final int NEAR_TOP_LEVELS = 20;
    /** Simulated time of the snapshots: 2026-11-23T19:00:00Z, in nanoseconds since the Unix epoch. */
    public static final long START_EPOCH_NS = 1_795_460_400L * 1_000_000_000L;
    /** A product's batching window: {@code level2_batch} sends about 50 ms of changes per message. */
    public static final long BATCH_WINDOW_NS = 50_000_000L;
    /** Returned by {@link #bestPriceTicks} when a side is empty (never, after construction). */
    public static final long NO_PRICE = MarketBookSide.NO_PRICE;

    private static final long BATCH_JITTER_NS = 10_000_000L;
    private static final int MAX_SKIPPED_WINDOWS = 100;
    private static final int MIN_LEVELS_PER_SIDE = 2;
    // Near-top ranks are exponential with this mean, capped at NEAR_TOP_LEVELS - 1: most action at the very top.
    private static final double NEAR_RANK_MEAN = 4.0;
    private static final int NEAR_UPDATE_PERCENT = 40;
    private static final int NEAR_DELETE_PERCENT = 20;
    // Share of near-top inserts placed inside the spread, improving the best price.
    private static final int NEAR_IMPROVE_PERCENT = 35;
    private static final double DEEP_UPDATE_SHARE = 0.5;
    private static final double DEEP_DELETE_SHARE = 0.25;
    // How hard deep inserts/deletes steer the level count back to levelsPerSide, and the most they lean.
    private static final double DEPTH_FEEDBACK_GAIN = 5.0;
    private static final double DEPTH_FEEDBACK_LIMIT = 0.2;
    // Pulls the mid back towards its start: keeps long runs plausible (stationary spread of about
    // midStepTicks / sqrt(2 * rate), here 500 steps) and bid prices far from zero.
    private static final double MEAN_REVERSION_PER_MESSAGE = 2e-6;
    private static final double SIZE_LOG_SIGMA = 1.0;
    private static final int ROUND_SIZE_PERCENT = 30;
    private static final int MAX_GAP_TICKS = 1_000_000;

    private final MarketOptions options;
    private final List<ProductSpec> products;
    private final ProductBook[] books;
    private final SplittableRandom random;
    private final BatchSizeDistribution batchSizes;
    private final double deepFraction;
    private final int targetLevelsPerSide;
    private long clockNs = START_EPOCH_NS;

    /**
     * Builds every product's initial book.
     *
     * @param options what to simulate; may not be null
     */
    public SyntheticMarket(final MarketOptions options) {
        this.options = options;
        this.products = options.products();
        this.random = new SplittableRandom(Seeds.derive(options.seed(), Seeds.MARKET_STREAM));
        this.batchSizes = options.batchSizes();
        this.deepFraction = options.deepFraction();
        this.targetLevelsPerSide = options.levelsPerSide();
        this.books = new ProductBook[products.size()];
        for (int p = 0; p < books.length; p++) {
            books[p] = buildBook(products.get(p));
        }
    }

    public MarketOptions options() {
        return options;
    }

    /** The products, indexed as in {@link ChangeBatch#productIndex()}. Unmodifiable. */
    public List<ProductSpec> products() {
        return products;
    }

    /** Index of {@code productId} in {@link #products()}, or {@code -1}. */
    public int indexOf(final String productId) {
        for (int p = 0; p < products.size(); p++) {
            if (products.get(p).productId().equals(productId)) {
                return p;
            }
        }
        return -1;
    }

    /** The simulated clock: time of the latest batch, or {@link #START_EPOCH_NS} before the first; in epoch ns. */
    public long clockNs() {
        return clockNs;
    }

    /** A batch buffer large enough for any batch this market produces. */
    public ChangeBatch newBatch() {
        return new ChangeBatch(batchSizes.maxChanges());
    }

    /** Number of levels on one side of a product's book. */
    public int levelCount(final int productIndex, final Side side) {
        return side(productIndex, side).levelCount();
    }

    /** Best price of one side in ticks, or {@link #NO_PRICE} if the side is empty. */
    public long bestPriceTicks(final int productIndex, final Side side) {
        return side(productIndex, side).bestPrice();
    }

    /** Size in lots at a price of one side, 0 if there is no level there. */
    public long sizeLotsAt(final int productIndex, final Side side, final long priceTicks) {
        return side(productIndex, side).sizeAtPrice(priceTicks);
    }

    /**
     * Walks one side of a product's current book best first (bids descending, asks ascending), as a snapshot
     * lists it. The consumer may not change the market.
     */
    public void forEachLevel(final int productIndex, final Side side, final LevelConsumer consumer) {
        side(productIndex, side).forEachLevel(consumer);
    }

    /** Fills {@code out} with the next batch; see {@link #nextBatch(ChangeBatch, int)}. */
    public void nextBatch(final ChangeBatch out) {
        nextBatch(out, Integer.MAX_VALUE);
    }

    /**
     * Advances the market by one message: picks the next product to send, moves the clock, applies a batch of
     * changes to that product's book and writes them to {@code out}.
     *
     * @param out        overwritten with the batch; its capacity must hold {@link BatchSizeDistribution#maxChanges()}
     *                   or {@code maxChanges}, whichever is smaller
     * @param maxChanges upper bound on this batch's size ({@code >= 1}), so that a caller can stop at an exact
     *                   total: the size is drawn as usual and then capped, before any change is made
     */
    public void nextBatch(final ChangeBatch out, final int maxChanges) {
        if (maxChanges < 1) {
            throw new IllegalArgumentException("maxChanges must be positive, was " + maxChanges);
        }
        if (out.capacity() < Math.min(maxChanges, batchSizes.maxChanges())) {
            throw new IllegalArgumentException("batch capacity " + out.capacity() + " is below "
                    + Math.min(maxChanges, batchSizes.maxChanges()));
        }
        final int productIndex = nextProduct();
        final ProductBook book = books[productIndex];
        final long timeNs = book.nextTimeNs;
        clockNs = timeNs;
        out.reset(productIndex, timeNs);

        final int size = Math.min(batchSizes.sample(random), maxChanges);
        int deepLeft = 0;
        for (int i = 0; i < size; i++) {
            if (random.nextDouble() < deepFraction) {
                deepLeft++;
            }
        }
        int nearLeft = size - deepLeft;
        walkMid(book);
        nearLeft -= moveTop(book, out, nearLeft);
        while (nearLeft + deepLeft > 0) {
            if (random.nextInt(nearLeft + deepLeft) < deepLeft) {
                deepChange(book, out);
                deepLeft--;
            } else {
                nearChange(book, out);
                nearLeft--;
            }
        }
        stampEventTimes(book, out, timeNs);
        book.lastTimeNs = timeNs;
        book.nextTimeNs = scheduleAfter(book, timeNs);
    }

    private MarketBookSide side(final int productIndex, final Side side) {
        final ProductBook book = books[productIndex];
        return side == Side.BID ? book.bids : book.asks;
    }

    private ProductBook buildBook(final ProductSpec spec) {
        final ProductBook book = new ProductBook(spec);
        final long mid = spec.initialMidTicks();
        fillSide(book.bids, spec, mid - 1 - random.nextInt(2));
        fillSide(book.asks, spec, mid + 1 + random.nextInt(2));
        book.lastTimeNs = START_EPOCH_NS;
        book.nextTimeNs = START_EPOCH_NS + 1 + random.nextLong(BATCH_WINDOW_NS);
        return book;
    }

    private void fillSide(final MarketBookSide side, final ProductSpec spec, final long bestPriceTicks) {
        long price = bestPriceTicks;
        for (int i = 0; i < targetLevelsPerSide && price >= 1; i++) {
            side.set(price, randomSizeLots(spec));
            final long gap = randomGapTicks(spec.meanLevelGapTicks());
            price = side.isBids() ? price - gap : price + gap;
        }
    }

    private int nextProduct() {
        int best = 0;
        for (int p = 1; p < books.length; p++) {
            if (books[p].nextTimeNs < books[best].nextTimeNs) {
                best = p;
            }
        }
        return best;
    }

    private long scheduleAfter(final ProductBook book, final long timeNs) {
        final double activity = book.spec.activity();
        int windows = 1;
        while (windows < MAX_SKIPPED_WINDOWS && random.nextDouble() >= activity) {
            windows++;
        }
        return timeNs + windows * BATCH_WINDOW_NS + random.nextLong(BATCH_JITTER_NS) - BATCH_JITTER_NS / 2;
    }

    private void walkMid(final ProductBook book) {
        final double step = book.spec.midStepTicks() * gaussian();
        book.midTicks += step - MEAN_REVERSION_PER_MESSAGE * (book.midTicks - book.spec.initialMidTicks());
    }

    /**
     * When the mid has passed the opposite best price, removes the crossed levels (best first, within the
     * budget, leaving the minimum on that side) and sets a new best level on the near side at the mid, below
     * whatever remains opposite. Returns the number of changes used.
     */
    private int moveTop(final ProductBook book, final ChangeBatch out, final int budget) {
        if (budget == 0) {
            return 0;
        }
        final MarketBookSide bids = book.bids;
        final MarketBookSide asks = book.asks;
        final double mid = book.midTicks;
        int used = 0;
        if (mid >= asks.bestPrice()) {
            final long target = (long) StrictMath.floor(mid);
            while (used < budget - 1 && asks.levelCount() > MIN_LEVELS_PER_SIDE && asks.bestPrice() <= target) {
                final long price = asks.bestPrice();
                asks.set(price, 0);
                out.add(Side.ASK_CODE, price, 0);
                used++;
            }
            final long newBid = Math.min(target, asks.bestPrice() - 1);
            if (newBid > bids.bestPrice()) {
                final long size = randomSizeLots(book.spec);
                bids.set(newBid, size);
                out.add(Side.BID_CODE, newBid, size);
                used++;
            }
        } else if (mid <= bids.bestPrice()) {
            final long target = Math.max(1, (long) StrictMath.ceil(mid));
            while (used < budget - 1 && bids.levelCount() > MIN_LEVELS_PER_SIDE && bids.bestPrice() >= target) {
                final long price = bids.bestPrice();
                bids.set(price, 0);
                out.add(Side.BID_CODE, price, 0);
                used++;
            }
            final long newAsk = Math.max(target, bids.bestPrice() + 1);
            if (newAsk < asks.bestPrice()) {
                final long size = randomSizeLots(book.spec);
                asks.set(newAsk, size);
                out.add(Side.ASK_CODE, newAsk, size);
                used++;
            }
        }
        return used;
    }

    private void nearChange(final ProductBook book, final ChangeBatch out) {
        final boolean bidSide = random.nextBoolean();
        final MarketBookSide side = bidSide ? book.bids : book.asks;
        final MarketBookSide other = bidSide ? book.asks : book.bids;
        final int roll = random.nextInt(100);
        if (roll < NEAR_UPDATE_PERCENT) {
            updateAt(book.spec, side, nearRank(side), out);
        } else if (roll < NEAR_UPDATE_PERCENT + NEAR_DELETE_PERCENT && side.levelCount() > MIN_LEVELS_PER_SIDE) {
            deleteAt(side, nearRank(side), out);
        } else {
            insertNear(book.spec, side, other, out);
        }
    }

    private int nearRank(final MarketBookSide side) {
        final int rank = (int) (-StrictMath.log(1.0 - random.nextDouble()) * NEAR_RANK_MEAN);
        return Math.min(rank, Math.min(NEAR_TOP_LEVELS, side.levelCount()) - 1);
    }

    private void insertNear(final ProductSpec spec, final MarketBookSide side, final MarketBookSide other,
                            final ChangeBatch out) {
        final boolean bids = side.isBids();
        final long best = side.bestPrice();
        final long spreadTicks = bids ? other.bestPrice() - best : best - other.bestPrice();
        final long price;
        if (spreadTicks > 1 && random.nextInt(100) < NEAR_IMPROVE_PERCENT) {
            // Strictly inside the spread, so it becomes the new best without touching the other side.
            final long improvementTicks = 1 + random.nextLong(spreadTicks - 1);
            price = bids ? best + improvementTicks : best - improvementTicks;
        } else {
            // Anywhere between the best and the last near-top level: a new level there ranks near the top.
            final int boundRank = Math.min(NEAR_TOP_LEVELS, side.levelCount()) - 1;
            final long widthTicks = Math.abs(best - side.priceAt(boundRank));
            final long offsetTicks = random.nextLong(widthTicks + 1);
            price = bids ? best - offsetTicks : best + offsetTicks;
        }
        setLevel(spec, side, price, out);
    }

    private void deepChange(final ProductBook book, final ChangeBatch out) {
        final boolean bidSide = random.nextBoolean();
        final MarketBookSide side = bidSide ? book.bids : book.asks;
        final int levels = side.levelCount();
        if (levels <= NEAR_TOP_LEVELS + 1) {
            nearChange(book, out);
            return;
        }
        final int rank = NEAR_TOP_LEVELS + random.nextInt(levels - NEAR_TOP_LEVELS);
        final double feedback = Math.max(-DEPTH_FEEDBACK_LIMIT, Math.min(DEPTH_FEEDBACK_LIMIT,
                (targetLevelsPerSide - levels) * DEPTH_FEEDBACK_GAIN / targetLevelsPerSide));
        final double roll = random.nextDouble();
        if (roll < DEEP_UPDATE_SHARE) {
            updateAt(book.spec, side, rank, out);
        } else if (roll < DEEP_UPDATE_SHARE + DEEP_DELETE_SHARE - feedback) {
            deleteAt(side, rank, out);
        } else {
            insertDeep(book.spec, side, rank, out);
        }
    }

    /** A new level just beyond {@code rank} (between it and the next, or past the worst level). */
    private void insertDeep(final ProductSpec spec, final MarketBookSide side, final int rank, final ChangeBatch out) {
        final long price = side.priceAt(rank);
        final long direction = side.isBids() ? -1 : 1;
        final long newPrice;
        if (rank + 1 < side.levelCount()) {
            final long gapTicks = Math.abs(side.priceAt(rank + 1) - price);
            newPrice = gapTicks > 1 ? price + direction * (1 + random.nextLong(gapTicks - 1)) : 0;
        } else {
            newPrice = price + direction * randomGapTicks(spec.meanLevelGapTicks());
        }
        if (newPrice >= 1) {
            setLevel(spec, side, newPrice, out);
        } else {
            // No free price there (adjacent ticks, or below zero): change the level's size instead.
            updateAt(spec, side, rank, out);
        }
    }

    private void updateAt(final ProductSpec spec, final MarketBookSide side, final int rank, final ChangeBatch out) {
        setLevel(spec, side, side.priceAt(rank), out);
    }

    private void deleteAt(final MarketBookSide side, final int rank, final ChangeBatch out) {
        final long price = side.priceAt(rank);
        side.set(price, 0);
        out.add(side.isBids() ? Side.BID_CODE : Side.ASK_CODE, price, 0);
    }

    private void setLevel(final ProductSpec spec, final MarketBookSide side, final long priceTicks, final ChangeBatch out) {
        final long drawn = randomSizeLots(spec);
        // A size change always changes the size, as the exchange never reports a level as changed to itself.
        final long size = side.set(priceTicks, drawn) == drawn ? drawn + 1 : drawn;
        if (size != drawn) {
            side.set(priceTicks, size);
        }
        out.add(side.isBids() ? Side.BID_CODE : Side.ASK_CODE, priceTicks, size);
    }

    private void stampEventTimes(final ProductBook book, final ChangeBatch out, final long timeNs) {
        final long windowStartNs = Math.max(book.lastTimeNs, timeNs - BATCH_WINDOW_NS);
        final long spanNs = timeNs - windowStartNs;
        final int size = out.size();
        for (int i = 0; i < size; i++) {
            out.setEventTime(i, windowStartNs + spanNs * (i + 1) / size);
        }
    }

    private long randomSizeLots(final ProductSpec spec) {
        final double factor = StrictMath.exp(SIZE_LOG_SIGMA * gaussian() - SIZE_LOG_SIGMA * SIZE_LOG_SIGMA / 2);
        final long lots = Math.max(1L, (long) (spec.meanSizeLots() * factor));
        if (random.nextInt(100) >= ROUND_SIZE_PERCENT) {
            return lots;
        }
        // Round sizes (0.5, 0.01) are common on real books; they are what trailing zeros come from.
        long unit = 1;
        final int digits = Math.min(spec.sizeScale(), 1 + random.nextInt(3));
        for (int d = 0; d < spec.sizeScale() - digits; d++) {
            unit *= 10;
        }
        return Math.max(unit, (lots + unit / 2) / unit * unit);
    }

    private long randomGapTicks(final double meanGapTicks) {
        if (meanGapTicks <= 1.0) {
            return 1;
        }
        // 1 plus a geometric count, so the mean gap is meanGapTicks.
        final double extra = StrictMath.log(1.0 - random.nextDouble()) / StrictMath.log(1.0 - 1.0 / meanGapTicks);
        return 1 + (long) Math.min(extra, MAX_GAP_TICKS);
    }

    private double gaussian() {
        // Box-Muller with StrictMath, so the stream is the same on every JVM.
        final double u1 = 1.0 - random.nextDouble();
        final double u2 = random.nextDouble();
        return StrictMath.sqrt(-2.0 * StrictMath.log(u1)) * StrictMath.cos(2.0 * StrictMath.PI * u2);
    }

    /** One product's true book and walk state. */
    private static final class ProductBook {
        final ProductSpec spec;
        final MarketBookSide bids = new MarketBookSide(true);
        final MarketBookSide asks = new MarketBookSide(false);
        double midTicks;
        long lastTimeNs;
        long nextTimeNs;

        ProductBook(final ProductSpec spec) {
            this.spec = spec;
            this.midTicks = spec.initialMidTicks();
        }
    }
}
