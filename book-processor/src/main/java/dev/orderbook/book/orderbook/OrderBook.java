package dev.orderbook.book.orderbook;

import dev.orderbook.codec.model.Side;

/**
 * Level-2 order book of one product: a bid {@link BookSide} and an ask {@link BookSide}, updated with absolute level
 * sizes as the exchange sends them. Holds levels only: whether the book is live, stale or crossed is decided by the
 * caller (see {@link #isCrossed()}).
 *
 * <p>Prices are non-negative ticks and sizes non-negative lots, at the product's scales; a size of 0 removes a level
 * and removing an absent level does nothing. Best prices are {@link BookSide#NO_PRICE} and best sizes 0 when a side
 * is empty. Applying a change allocates nothing in a steady state (see {@link BookSide}).
 *
 * <p>Single thread; not thread-safe.
 */
public final class OrderBook {
    static {
        // sidesByCode relies on these values.
        if (Side.BID_CODE != 0 || Side.ASK_CODE != 1) {
            throw new ExceptionInInitializerError("side codes changed");
        }
    }

    private final BookSide bids;
    private final BookSide asks;
    /** Indexed by side code, so that applying a change does not branch on its side. */
    private final BookSide[] sidesByCode;

    /** Creates an empty book with the default chunk capacity and window of {@link BookSide}. */
    public OrderBook() {
        this(BookSide.DEFAULT_CHUNK_CAPACITY, BookSide.DEFAULT_WINDOW_TICKS);
    }

    /**
     * Creates an empty book.
     *
     * @param chunkCapacity levels per tree chunk of each side
     * @param windowTicks   ticks in the top window of each side (see {@link BookSide#BookSide(Side, int, int)})
     */
    public OrderBook(final int chunkCapacity, final int windowTicks) {
        this.bids = new BookSide(Side.BID, chunkCapacity, windowTicks);
        this.asks = new BookSide(Side.ASK, chunkCapacity, windowTicks);
        this.sidesByCode = new BookSide[] {bids, asks};
    }

    /**
     * Applies one level change.
     *
     * @param side       which side; may not be null
     * @param priceTicks price in ticks, {@code >= 0}
     * @param sizeLots   new absolute size in lots, {@code >= 0}; 0 removes the level
     * @return whether that side's best price or best size changed
     */
    public boolean apply(final Side side, final long priceTicks, final long sizeLots) {
        if (side == Side.BID) {
            return bids.apply(priceTicks, sizeLots);
        }
        if (side == Side.ASK) {
            return asks.apply(priceTicks, sizeLots);
        }
        throw new NullPointerException("side");
    }

    /**
     * Applies one level change, with the side as {@link Side#BID_CODE} or {@link Side#ASK_CODE}.
     *
     * @return whether that side's best price or best size changed
     * @throws IllegalArgumentException for another side code, or a negative price or size
     */
    public boolean apply(final byte sideCode, final long priceTicks, final long sizeLots) {
        if ((sideCode & ~1) != 0) {
            throw new IllegalArgumentException("unknown side code " + sideCode);
        }
        return sidesByCode[sideCode].apply(priceTicks, sizeLots);
    }

    /** Removes every level of both sides, keeping their arrays. */
    public void clear() {
        bids.clear();
        asks.clear();
    }

    /**
     * Starts a snapshot that replaces the whole book: clears both sides, then takes levels from {@code load} until
     * {@link #endLoad()}. The book must not be read in between. See {@link BookSide#load(long, long)} for ordering
     * and duplicates.
     */
    public void beginLoad() {
        bids.beginLoad();
        asks.beginLoad();
    }

    /** Adds one snapshot level to a side; see {@link BookSide#load(long, long)}. */
    public void load(final Side side, final long priceTicks, final long sizeLots) {
        if (side == Side.BID) {
            bids.load(priceTicks, sizeLots);
        } else if (side == Side.ASK) {
            asks.load(priceTicks, sizeLots);
        } else {
            throw new NullPointerException("side");
        }
    }

    /**
     * Adds one snapshot level to the side given as {@link Side#BID_CODE} or {@link Side#ASK_CODE}.
     *
     * @throws IllegalArgumentException for another side code, or a negative price or size
     */
    public void load(final byte sideCode, final long priceTicks, final long sizeLots) {
        if (sideCode == Side.BID_CODE) {
            bids.load(priceTicks, sizeLots);
        } else if (sideCode == Side.ASK_CODE) {
            asks.load(priceTicks, sizeLots);
        } else {
            throw new IllegalArgumentException("unknown side code " + sideCode);
        }
    }

    /** Ends the snapshot begun by {@link #beginLoad()}. */
    public void endLoad() {
        bids.endLoad();
        asks.endLoad();
    }

    /** The bid side. */
    public BookSide bids() {
        return bids;
    }

    /** The ask side. */
    public BookSide asks() {
        return asks;
    }

    /** The given side; may not be null. */
    public BookSide side(final Side side) {
        if (side == Side.BID) {
            return bids;
        }
        if (side == Side.ASK) {
            return asks;
        }
        throw new NullPointerException("side");
    }

    /** Highest bid price in ticks, or {@link BookSide#NO_PRICE} if there are no bids. */
    public long bestBidPrice() {
        return bids.bestPrice();
    }

    /** Size at the highest bid in lots, or 0 if there are no bids. */
    public long bestBidSize() {
        return bids.bestSize();
    }

    /** Lowest ask price in ticks, or {@link BookSide#NO_PRICE} if there are no asks. */
    public long bestAskPrice() {
        return asks.bestPrice();
    }

    /** Size at the lowest ask in lots, or 0 if there are no asks. */
    public long bestAskSize() {
        return asks.bestSize();
    }

    /** Whether both sides have levels and the best bid is at or above the best ask. */
    public boolean isCrossed() {
        return !bids.isEmpty() && !asks.isEmpty() && bids.bestPrice() >= asks.bestPrice();
    }

    /** Number of bid levels. */
    public int bidLevels() {
        return bids.levels();
    }

    /** Number of ask levels. */
    public int askLevels() {
        return asks.levels();
    }

    /** Bytes held by both sides (see {@link BookSide#footprintBytes()}). */
    public long footprintBytes() {
        return bids.footprintBytes() + asks.footprintBytes();
    }

    @Override
    public String toString() {
        return "OrderBook{bids=" + bids + ", asks=" + asks + '}';
    }
}
