package dev.orderbook.simulator.market;

import dev.orderbook.codec.model.Side;

/**
 * One message's worth of level changes for one product, as the market produced them: in order, each an
 * absolute new size for a price level (zero removes the level). Apply them in order and the book is valid
 * afterwards.
 *
 * <p>A mutable, reusable buffer: {@link SyntheticMarket#nextBatch} overwrites it, so that producing millions of
 * batches allocates nothing. Not thread-safe; owned by the thread that drives the market.
 */
public final class ChangeBatch {
    private final byte[] sideCodes;
    private final long[] pricesTicks;
    private final long[] sizesLots;
    private final long[] eventTimesNs;
    private int productIndex = -1;
    private long timeNs;
    private int size;

    /**
     * @param capacity most changes the batch can hold; at least the market's largest batch size
     */
    public ChangeBatch(final int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive, was " + capacity);
        }
        this.sideCodes = new byte[capacity];
        this.pricesTicks = new long[capacity];
        this.sizesLots = new long[capacity];
        this.eventTimesNs = new long[capacity];
    }

    /** Index of the product in {@link SyntheticMarket#products()}; {@code -1} before the first fill. */
    public int productIndex() {
        return productIndex;
    }

    /** Simulated time the message is sent, in nanoseconds since the Unix epoch. */
    public long timeNs() {
        return timeNs;
    }

    /** Number of changes, {@code >= 1} once filled. */
    public int size() {
        return size;
    }

    public int capacity() {
        return sideCodes.length;
    }

    /** Side of change {@code i} as {@link Side#BID_CODE} or {@link Side#ASK_CODE}. */
    public byte sideCode(final int i) {
        checkIndex(i);
        return sideCodes[i];
    }

    /** Side of change {@code i}. */
    public Side side(final int i) {
        return Side.ofCode(sideCode(i));
    }

    /** Price of change {@code i}, in the product's ticks. */
    public long priceTicks(final int i) {
        checkIndex(i);
        return pricesTicks[i];
    }

    /** New absolute size of change {@code i}, in the product's lots; zero removes the level. */
    public long sizeLots(final int i) {
        checkIndex(i);
        return sizesLots[i];
    }

    /**
     * Simulated time the change happened, in nanoseconds since the Unix epoch: ascending within the batch, after
     * the product's previous batch and never after {@link #timeNs()}.
     */
    public long eventTimeNs(final int i) {
        checkIndex(i);
        return eventTimesNs[i];
    }

    /**
     * Overwrites this batch with one change made up by the caller rather than the market (the simulator's injected
     * faults): a message that looks like the market's but is not applied to its book.
     *
     * @param productIndex index of the product in {@link SyntheticMarket#products()}
     * @param timeNs       the message's time, epoch nanoseconds; also the change's event time
     * @param sideCode     {@link Side#BID_CODE} or {@link Side#ASK_CODE}
     * @param priceTicks   price, in the product's ticks; positive
     * @param sizeLots     new absolute size, in the product's lots; not negative
     * @return this batch
     */
    public ChangeBatch fillSingle(final int productIndex, final long timeNs, final byte sideCode,
                                  final long priceTicks, final long sizeLots) {
        if (productIndex < 0 || priceTicks <= 0 || sizeLots < 0
                || sideCode != Side.BID_CODE && sideCode != Side.ASK_CODE) {
            throw new IllegalArgumentException("bad change: product " + productIndex + " side " + sideCode
                    + " price " + priceTicks + " size " + sizeLots);
        }
        reset(productIndex, timeNs);
        add(sideCode, priceTicks, sizeLots);
        setEventTime(0, timeNs);
        return this;
    }

    void reset(final int productIndex, final long timeNs) {
        this.productIndex = productIndex;
        this.timeNs = timeNs;
        this.size = 0;
    }

    void add(final byte sideCode, final long priceTicks, final long sizeLots) {
        final int i = size;
        sideCodes[i] = sideCode;
        pricesTicks[i] = priceTicks;
        sizesLots[i] = sizeLots;
        size = i + 1;
    }

    void setEventTime(final int i, final long eventTimeNs) {
        eventTimesNs[i] = eventTimeNs;
    }

    private void checkIndex(final int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("change " + i + " of " + size);
        }
    }
}
