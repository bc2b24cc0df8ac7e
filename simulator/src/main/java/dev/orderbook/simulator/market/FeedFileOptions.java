package dev.orderbook.simulator.market;

import dev.orderbook.codec.model.ProductRegistry;

import java.util.List;

/**
 * What {@link FeedFileGenerator} writes. Validated on construction; immutable. Start from {@link #defaults()} and
 * change what matters with the {@code with...} methods.
 *
 * @param protocol         wire format of the file
 * @param productIds       products, in the order of the subscription and the snapshots; ids distinct; any valid
 *                         id not built in gets generic parameters ({@link ProductSpec#forId})
 * @param maxChanges       stop after exactly this many level changes in update messages; 0 for no limit
 * @param maxMessages      stop after this many update messages; 0 for no limit. At least one limit must be set;
 *                         whichever is reached first ends the file
 * @param seed             seed of every random choice: the same options give a byte-identical file
 * @param levelsPerSide    depth of each side of each book (snapshot size; room for deep changes)
 * @param deepFraction     share of changes deep in the book ({@link MarketOptions#deepFraction()})
 * @param minBatchChanges  fewest changes per update message
 * @param maxBatchChanges  most changes per update message
 * @param meanBatchChanges mean changes per update message
 * @param badLinePeriod    0 for a clean file; otherwise every {@code badLinePeriod}-th line ({@code >= 2}) is a
 *                         malformed line, in addition to the well-formed ones, cycling through every
 *                         {@link dev.orderbook.simulator.market.protocol.MalformedKind}
 */
public record FeedFileOptions(Protocol protocol, List<String> productIds, long maxChanges, long maxMessages,
                              long seed, int levelsPerSide, double deepFraction, int minBatchChanges,
                              int maxBatchChanges, double meanBatchChanges, long badLinePeriod) {

    public static final Protocol PROTOCOL_DEFAULT = Protocol.EXCHANGE;
    public static final List<String> PRODUCT_IDS_DEFAULT = List.of("BTC-USD", "ETH-USD", "SOL-USD", "BTC-EUR");
    public static final long MAX_CHANGES_DEFAULT = 1_000_000L;
    public static final long MAX_MESSAGES_DEFAULT = 0L;
    public static final long SEED_DEFAULT = 1L;
    public static final int MIN_BATCH_CHANGES_DEFAULT = 1;
    public static final int MAX_BATCH_CHANGES_DEFAULT = 20;
    public static final double MEAN_BATCH_CHANGES_DEFAULT = 8.0;
    public static final long BAD_LINE_PERIOD_DEFAULT = 0L;

    public FeedFileOptions {
        if (protocol == null) {
            throw new IllegalArgumentException("protocol may not be null");
        }
        if (productIds == null || productIds.isEmpty()) {
            throw new IllegalArgumentException("at least one product id is needed");
        }
        productIds = List.copyOf(productIds);
        for (final String id : productIds) {
            if (!ProductRegistry.isValidProductId(id)) {
                throw new IllegalArgumentException("invalid product id: " + id);
            }
        }
        if (maxChanges < 0 || maxMessages < 0 || (maxChanges == 0 && maxMessages == 0)) {
            throw new IllegalArgumentException("set maxChanges or maxMessages (>= 0, not both 0); were "
                    + maxChanges + " and " + maxMessages);
        }
        if (badLinePeriod != 0 && badLinePeriod < 2) {
            throw new IllegalArgumentException("badLinePeriod must be 0 (off) or >= 2, was " + badLinePeriod);
        }
        // Validates the rest (depth, deep fraction, batch sizes, duplicate products) the way the market will.
        toMarketOptions(productIds, seed, levelsPerSide, deepFraction, minBatchChanges, maxBatchChanges,
                meanBatchChanges);
    }

    /**
     * Exchange feed; BTC-USD, ETH-USD, SOL-USD, BTC-EUR; 1,000,000 changes; seed 1; 10,000 levels a side; 20% deep
     * changes; 1-20 changes per message, mean 8; no bad lines.
     */
    public static FeedFileOptions defaults() {
        return new FeedFileOptions(PROTOCOL_DEFAULT, PRODUCT_IDS_DEFAULT, MAX_CHANGES_DEFAULT, MAX_MESSAGES_DEFAULT,
                SEED_DEFAULT, MarketOptions.LEVELS_PER_SIDE_DEFAULT, MarketOptions.DEEP_FRACTION_DEFAULT,
                MIN_BATCH_CHANGES_DEFAULT, MAX_BATCH_CHANGES_DEFAULT, MEAN_BATCH_CHANGES_DEFAULT,
                BAD_LINE_PERIOD_DEFAULT);
    }

    /** The market these options describe. */
    public MarketOptions marketOptions() {
        return toMarketOptions(productIds, seed, levelsPerSide, deepFraction, minBatchChanges, maxBatchChanges,
                meanBatchChanges);
    }

    public FeedFileOptions withProtocol(final Protocol newProtocol) {
        return new FeedFileOptions(newProtocol, productIds, maxChanges, maxMessages, seed, levelsPerSide,
                deepFraction, minBatchChanges, maxBatchChanges, meanBatchChanges, badLinePeriod);
    }

    public FeedFileOptions withProductIds(final List<String> newProductIds) {
        return new FeedFileOptions(protocol, newProductIds, maxChanges, maxMessages, seed, levelsPerSide,
                deepFraction, minBatchChanges, maxBatchChanges, meanBatchChanges, badLinePeriod);
    }

    /** Limits the file to exactly {@code newMaxChanges} changes (0: no change limit). */
    public FeedFileOptions withMaxChanges(final long newMaxChanges) {
        return new FeedFileOptions(protocol, productIds, newMaxChanges, maxMessages, seed, levelsPerSide,
                deepFraction, minBatchChanges, maxBatchChanges, meanBatchChanges, badLinePeriod);
    }

    /** Limits the file to {@code newMaxMessages} update messages (0: no message limit). */
    public FeedFileOptions withMaxMessages(final long newMaxMessages) {
        return new FeedFileOptions(protocol, productIds, maxChanges, newMaxMessages, seed, levelsPerSide,
                deepFraction, minBatchChanges, maxBatchChanges, meanBatchChanges, badLinePeriod);
    }

    /** Sets both limits at once (0: no limit; at least one must be set). */
    public FeedFileOptions withLimits(final long newMaxChanges, final long newMaxMessages) {
        return new FeedFileOptions(protocol, productIds, newMaxChanges, newMaxMessages, seed, levelsPerSide,
                deepFraction, minBatchChanges, maxBatchChanges, meanBatchChanges, badLinePeriod);
    }

    public FeedFileOptions withSeed(final long newSeed) {
        return new FeedFileOptions(protocol, productIds, maxChanges, maxMessages, newSeed, levelsPerSide,
                deepFraction, minBatchChanges, maxBatchChanges, meanBatchChanges, badLinePeriod);
    }

    public FeedFileOptions withLevelsPerSide(final int newLevelsPerSide) {
        return new FeedFileOptions(protocol, productIds, maxChanges, maxMessages, seed, newLevelsPerSide,
                deepFraction, minBatchChanges, maxBatchChanges, meanBatchChanges, badLinePeriod);
    }

    public FeedFileOptions withDeepFraction(final double newDeepFraction) {
        return new FeedFileOptions(protocol, productIds, maxChanges, maxMessages, seed, levelsPerSide,
                newDeepFraction, minBatchChanges, maxBatchChanges, meanBatchChanges, badLinePeriod);
    }

    public FeedFileOptions withBatchChanges(final int newMin, final int newMax, final double newMean) {
        return new FeedFileOptions(protocol, productIds, maxChanges, maxMessages, seed, levelsPerSide,
                deepFraction, newMin, newMax, newMean, badLinePeriod);
    }

    /** Every {@code newBadLinePeriod}-th line malformed (0: none). */
    public FeedFileOptions withBadLinePeriod(final long newBadLinePeriod) {
        return new FeedFileOptions(protocol, productIds, maxChanges, maxMessages, seed, levelsPerSide,
                deepFraction, minBatchChanges, maxBatchChanges, meanBatchChanges, newBadLinePeriod);
    }

    private static MarketOptions toMarketOptions(final List<String> productIds, final long seed,
                                                 final int levelsPerSide, final double deepFraction,
                                                 final int minBatchChanges, final int maxBatchChanges,
                                                 final double meanBatchChanges) {
        return new MarketOptions(MarketOptions.specsFor(productIds), seed, levelsPerSide, deepFraction,
                new BatchSizeDistribution(minBatchChanges, maxBatchChanges, meanBatchChanges));
    }
}
