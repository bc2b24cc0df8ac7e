package dev.orderbook.simulator.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.assertj.core.api.Assertions.within;

import dev.orderbook.codec.model.Side;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SyntheticMarketTest {
    private static final List<String> FOUR_PRODUCTS = List.of("BTC-USD", "ETH-USD", "SOL-USD", "BTC-EUR");

    private static MarketOptions options(final long seed, final int levelsPerSide, final double deepFraction) {
        return new MarketOptions(MarketOptions.specsFor(FOUR_PRODUCTS), seed, levelsPerSide, deepFraction,
                BatchSizeDistribution.defaults());
    }

    /** Replays batches into reference books, checking each book after every batch; returns change statistics. */
    private static ReplayStats replay(final SyntheticMarket market, final int batches) {
        final int productCount = market.products().size();
        final ReferenceBook[] books = new ReferenceBook[productCount];
        for (int p = 0; p < productCount; p++) {
            books[p] = ReferenceBook.copyOf(market, p);
            books[p].assertValid("snapshot of " + p);
        }
        final ReplayStats stats = new ReplayStats(productCount);
        final ChangeBatch batch = market.newBatch();
        long previousTimeNs = SyntheticMarket.START_EPOCH_NS;
        for (int b = 0; b < batches; b++) {
            market.nextBatch(batch);
            final int p = batch.productIndex();
            final ReferenceBook book = books[p];
            // Plain checks rather than assertions in this loop: it runs for hundreds of thousands of changes.
            check(batch.timeNs() >= previousTimeNs, "batch times never go back", b);
            previousTimeNs = batch.timeNs();
            stats.batchSizes.add(batch.size());
            stats.messagesPerProduct[p]++;
            for (int i = 0; i < batch.size(); i++) {
                final boolean bid = batch.sideCode(i) == Side.BID_CODE;
                final long price = batch.priceTicks(i);
                final long size = batch.sizeLots(i);
                final int rank = book.rankOf(bid, price);
                final Long existing = book.side(bid).get(price);
                if (rank >= SyntheticMarket.NEAR_TOP_LEVELS) {
                    stats.deep++;
                } else if (rank < 5) {
                    stats.topFive++;
                }
                check(size >= 0, "sizes are never negative", b);
                if (size == 0) {
                    check(existing != null, "a removal names an existing level", b);
                    stats.deletes++;
                    if (rank == 0) {
                        stats.bestDeletes++;
                    }
                } else if (existing == null) {
                    stats.inserts++;
                } else {
                    check(size != existing, "a size change changes the size", b);
                    stats.updates++;
                }
                check(i == 0 || batch.eventTimeNs(i) >= batch.eventTimeNs(i - 1), "event times ascend", b);
                check(batch.eventTimeNs(i) <= batch.timeNs(), "event times precede the batch time", b);
                book.apply(bid, price, size);
                stats.changes++;
            }
            book.checkTop(b);
            stats.bestBids.add(book.bids.firstKey() * productCount + p);
        }
        for (int p = 0; p < productCount; p++) {
            assertThat(ReferenceBook.levels(book(books, p).bids))
                    .usingRecursiveFieldByFieldElementComparator()
                    .isEqualTo(ReferenceBook.levels(market, p, Side.BID));
            assertThat(ReferenceBook.levels(book(books, p).asks))
                    .usingRecursiveFieldByFieldElementComparator()
                    .isEqualTo(ReferenceBook.levels(market, p, Side.ASK));
        }
        return stats;
    }

    private static void check(final boolean condition, final String what, final int batchNumber) {
        if (!condition) {
            fail(what + ", violated in batch " + batchNumber);
        }
    }

    private static ReferenceBook book(final ReferenceBook[] books, final int p) {
        return books[p];
    }

    @Test
    void bookShouldBeValidAndNeverCrossedAfterAnyBatch() {
        final SyntheticMarket market = new SyntheticMarket(options(11, 300, 0.2));
        final ReplayStats stats = replay(market, 30_000);
        assertThat(stats.changes).isGreaterThan(200_000);
    }

    @Test
    void snapshotShouldListBidsDescendingAndAsksAscendingAtTheConfiguredDepth() {
        final SyntheticMarket market = new SyntheticMarket(options(5, 2_000, 0.2));
        for (int p = 0; p < FOUR_PRODUCTS.size(); p++) {
            final List<long[]> bids = ReferenceBook.levels(market, p, Side.BID);
            final List<long[]> asks = ReferenceBook.levels(market, p, Side.ASK);
            assertThat(bids).hasSize(2_000);
            assertThat(asks).hasSize(2_000);
            for (int i = 1; i < bids.size(); i++) {
                assertThat(bids.get(i)[0]).isLessThan(bids.get(i - 1)[0]);
                assertThat(asks.get(i)[0]).isGreaterThan(asks.get(i - 1)[0]);
            }
            assertThat(bids.get(0)[0]).isLessThan(asks.get(0)[0]);
            assertThat(bids.get(0)[0]).isEqualTo(market.bestPriceTicks(p, Side.BID));
            assertThat(asks.get(0)[0]).isEqualTo(market.bestPriceTicks(p, Side.ASK));
        }
    }

    @Test
    void defaultBooksShouldBeDeep() {
        final SyntheticMarket market = new SyntheticMarket(MarketOptions.of(FOUR_PRODUCTS, 1));
        for (int p = 0; p < FOUR_PRODUCTS.size(); p++) {
            assertThat(market.levelCount(p, Side.BID)).isGreaterThanOrEqualTo(10_000);
            assertThat(market.levelCount(p, Side.ASK)).isGreaterThanOrEqualTo(10_000);
        }
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.2, 0.5})
    void shareOfDeepChangesShouldMatchDeepFraction(final double deepFraction) {
        final SyntheticMarket market = new SyntheticMarket(options(21, 400, deepFraction));
        final ReplayStats stats = replay(market, 8_000);
        final double deepShare = (double) stats.deep / stats.changes;
        assertThat(deepShare).isCloseTo(deepFraction, within(0.015));
    }

    @Test
    void nearTopChangesShouldConcentrateAtTheVeryTop() {
        final SyntheticMarket market = new SyntheticMarket(options(4, 400, 0.2));
        final ReplayStats stats = replay(market, 8_000);
        final long nearTop = stats.changes - stats.deep;
        assertThat((double) stats.topFive / nearTop).as("share of near-top changes in the best five levels")
                .isGreaterThan(0.6);
    }

    @Test
    void changesShouldMixNewLevelsSizeChangesAndDeletionsOfTheBest() {
        final SyntheticMarket market = new SyntheticMarket(options(8, 400, 0.2));
        final ReplayStats stats = replay(market, 8_000);
        assertThat((double) stats.inserts / stats.changes).isBetween(0.15, 0.5);
        assertThat((double) stats.updates / stats.changes).isBetween(0.2, 0.6);
        assertThat((double) stats.deletes / stats.changes).isBetween(0.15, 0.5);
        assertThat(stats.bestDeletes).isGreaterThan(stats.changes / 50);
    }

    @Test
    void midPriceWalkShouldMoveTheTopOfTheBook() {
        final SyntheticMarket market = new SyntheticMarket(options(9, 300, 0.2));
        final int btc = market.indexOf("BTC-USD");
        final long startBestBid = market.bestPriceTicks(btc, Side.BID);
        final ReplayStats stats = replay(market, 20_000);
        assertThat(stats.bestBids).as("distinct best bids over the run").hasSizeGreaterThan(400);
        assertThat(market.bestPriceTicks(btc, Side.BID)).isNotEqualTo(startBestBid);
    }

    @Test
    void batchSizesShouldFollowTheConfiguredDistribution() {
        final SyntheticMarket market = new SyntheticMarket(new MarketOptions(MarketOptions.specsFor(FOUR_PRODUCTS),
                3, 300, 0.2, new BatchSizeDistribution(2, 12, 5.0)));
        final ChangeBatch batch = market.newBatch();
        long total = 0;
        for (int b = 0; b < 40_000; b++) {
            market.nextBatch(batch);
            assertThat(batch.size()).isBetween(2, 12);
            total += batch.size();
        }
        assertThat(total / 40_000.0).isCloseTo(5.0, within(0.1));
    }

    @Test
    void eachProductShouldSendAboutOneBatchPerWindowScaledByActivity() {
        final SyntheticMarket market = new SyntheticMarket(options(2, 300, 0.2));
        final ChangeBatch batch = market.newBatch();
        final int[] counts = new int[FOUR_PRODUCTS.size()];
        for (int b = 0; b < 40_000; b++) {
            market.nextBatch(batch);
            counts[batch.productIndex()]++;
        }
        final double elapsedWindows = (double) (market.clockNs() - SyntheticMarket.START_EPOCH_NS)
                / SyntheticMarket.BATCH_WINDOW_NS;
        for (int p = 0; p < counts.length; p++) {
            final double activity = market.products().get(p).activity();
            assertThat(counts[p] / elapsedWindows).as("batches per window of %s", FOUR_PRODUCTS.get(p))
                    .isCloseTo(activity, within(0.05));
        }
    }

    @Test
    void sameSeedShouldGiveIdenticalBatches() {
        assertThat(fingerprint(new SyntheticMarket(options(42, 500, 0.2)), 5_000))
                .isEqualTo(fingerprint(new SyntheticMarket(options(42, 500, 0.2)), 5_000));
    }

    @Test
    void differentSeedsShouldGiveDifferentBatches() {
        assertThat(fingerprint(new SyntheticMarket(options(42, 500, 0.2)), 5_000))
                .isNotEqualTo(fingerprint(new SyntheticMarket(options(43, 500, 0.2)), 5_000));
    }

    @Test
    void maxChangesShouldTruncateTheBatch() {
        final SyntheticMarket market = new SyntheticMarket(options(6, 300, 0.2));
        final ChangeBatch batch = market.newBatch();
        for (int b = 0; b < 1_000; b++) {
            market.nextBatch(batch, 3);
            assertThat(batch.size()).isBetween(1, 3);
        }
        assertThatThrownBy(() -> market.nextBatch(batch, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> market.nextBatch(new ChangeBatch(5))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unknownProductShouldGetGenericParameters() {
        final ProductSpec spec = ProductSpec.forId("DOGE-USD");
        assertThat(spec.priceScale()).isEqualTo(ProductSpec.GENERIC_PRICE_SCALE);
        assertThat(spec.sizeScale()).isEqualTo(8);
        final SyntheticMarket market = new SyntheticMarket(new MarketOptions(
                MarketOptions.specsFor(List.of("XYZ-ABC")), 1, 500, 0.2, BatchSizeDistribution.defaults()));
        assertThat(market.levelCount(0, Side.BID)).isEqualTo(500);
        replay(market, 2_000);
    }

    @Test
    void wellKnownProductsShouldHavePlausibleParameters() {
        assertThat(ProductSpec.forId("BTC-USD").initialMidTicks()).isEqualTo(6_500_000L);
        assertThat(ProductSpec.forId("BTC-USD").priceScale()).isEqualTo(2);
        assertThat(ProductSpec.forId("BTC-USD").sizeScale()).isEqualTo(8);
        assertThat(ProductSpec.forId("ETH-USD").initialMidTicks()).isEqualTo(350_000L);
        assertThat(ProductSpec.forId("SOL-USD").initialMidTicks()).isEqualTo(15_000L);
        assertThat(ProductSpec.forId("BTC-EUR").initialMidTicks()).isEqualTo(6_000_000L);
    }

    @Test
    void optionsShouldRejectInvalidValues() {
        assertThatThrownBy(() -> options(1, 1, 0.2)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options(1, 100, 1.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new MarketOptions(List.of(), 1, 100, 0.2, BatchSizeDistribution.defaults()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MarketOptions.of(List.of("BTC-USD", "BTC-USD"), 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProductSpec.forId("btc-usd")).isInstanceOf(IllegalArgumentException.class);
    }

    private static List<Long> fingerprint(final SyntheticMarket market, final int batches) {
        final List<Long> values = new ArrayList<>();
        final ChangeBatch batch = market.newBatch();
        for (int b = 0; b < batches; b++) {
            market.nextBatch(batch);
            values.add(batch.timeNs() * 31 + batch.productIndex());
            for (int i = 0; i < batch.size(); i++) {
                values.add(batch.priceTicks(i) * 3 + batch.sideCode(i));
                values.add(batch.sizeLots(i));
            }
        }
        return values;
    }

    private static final class ReplayStats {
        final int[] messagesPerProduct;
        final List<Integer> batchSizes = new ArrayList<>();
        final Set<Long> bestBids = new HashSet<>();
        long changes;
        long deep;
        long topFive;
        long inserts;
        long updates;
        long deletes;
        long bestDeletes;

        ReplayStats(final int productCount) {
            this.messagesPerProduct = new int[productCount];
        }
    }
}
