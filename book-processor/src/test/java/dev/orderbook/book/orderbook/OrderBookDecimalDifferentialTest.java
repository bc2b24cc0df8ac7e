package dev.orderbook.book.orderbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.orderbook.codec.decimal.Decimals;
import dev.orderbook.codec.model.Side;

/**
 * Drives {@link OrderBook} and an obviously correct reference (a {@code TreeMap<BigDecimal, BigDecimal>} per side)
 * with the same seeded stream of level changes written as the exchange writes them, decimal strings, and compares
 * the two after every step.
 *
 * <p>The book gets prices and sizes at the codec's scale ({@value #SCALE} decimal places, through
 * {@link Decimals#parseOrThrow}), the reference gets {@code new BigDecimal(text)}, so a product quoted in cents has
 * levels 10^8 ticks apart in the book, and {@link BookSide} holds them in units of the largest power of ten dividing
 * the resting prices, rebuilding exactly when a finer price arrives (see {@link BookSide#priceUnit()}). The stream is
 * that of a market: a mid around 65000.00 walking in cents, levels mostly on whole cents, now and then a finer price
 * (65000.005, up to ten decimals such as 64999.1234567891) or a round one (65000.00, 65010) that picks a coarse unit
 * when it comes first; sizes with up to 8 decimals. About three quarters of the changes land within ~20 levels of
 * the top, the rest anywhere in books thousands of levels deep: inserts, size changes (some to the same size),
 * deletes of the best level, of deep levels and of levels that are not there. Now and then a side is swept empty by
 * deletes and refilled, the book is cleared, or a snapshot replaces it mid-stream (best first, sides interleaved,
 * shuffled, with duplicates and zero sizes), and for short bursts the book is allowed to cross.
 *
 * <p>After every step: best price and size of each side, level counts, the change flag of {@code apply},
 * {@link OrderBook#isCrossed()}, the size at the changed price and one tick above it, and the top {@value #TOP_N}
 * levels of each side; every {@value #FULL_COMPARE_EVERY} steps, after every snapshot and at the end: full depth
 * and the structural invariants. Each run then asserts that it really covered all of this, price units included.
 */
class OrderBookDecimalDifferentialTest {
    private static final int SCALE = 10;
    private static final BigDecimal ONE_TICK = BigDecimal.valueOf(1, SCALE);
    /** The price unit of a book quoted in whole cents: 0.01 at scale 10. */
    private static final long CENT_UNIT = 100_000_000L;
    private static final int TOP_N = 10;
    private static final int FULL_COMPARE_EVERY = 10_000;
    private static final long START_MID_CENTS = 6_500_000L; // 65000.00
    /** Levels within this many cents of the mid are "near the top"; deep changes land beyond it. */
    private static final int NEAR_TOP_CENTS = 20;
    private static final int HISTORY = 24;
    private static final int REFILLED_LEVELS = 200;

    /** Every this many steps, a sweep, a snapshot and a crossing burst are also scheduled. */
    private static final int SCHEDULE_PERIOD = 40_000;
    private static final int SNAPSHOT_PER_MILLION = 60;
    private static final int CLEAR_PER_MILLION = 12;
    private static final int SWEEP_PER_MILLION = 25;
    private static final int CROSSING_BURST_PER_MILLION = 100;
    private static final int ROUND_PRICE_PER_MILLION = 500;

    private enum Regime { STEADY, GROW, DRAIN }

    /** One level change as the feed carries it. */
    private record Change(Side side, String price, String size) {
        @Override
        public String toString() {
            return side + " " + price + " " + size;
        }
    }

    @ParameterizedTest(name = "seed {0}: chunk capacity {1}, window {2}, ~{3} levels per side, {4} steps, "
        + "finer prices {5} per million")
    @CsvSource({
        "1, 64, 2048, 3000, 150000, 250",
        "2, 64, 2048, 12000, 150000, 250",
        "3, 16, 64, 4000, 100000, 250",
        "4, 64, 2048, 2000, 60000, 4000",
    })
    void shouldMatchBigDecimalReferenceOnCentPricesWithOccasionalFinerOnes(final long seed, final int chunkCapacity,
                                                                        final int windowTicks,
                                                                        final int targetLevels, final int steps,
                                                                        final int finerPerMillion) {
        final Run run = new Run(seed, new OrderBook(chunkCapacity, windowTicks), targetLevels, finerPerMillion);
        run.snapshot(-1);
        for (int step = 0; step < steps; step++) {
            run.step(step);
        }
        run.assertFullDepth(steps);

        // The run must have exercised what it claims to.
        assertThat(run.unitsSeen).as("price units held by non-empty sides").hasSizeGreaterThanOrEqualTo(3)
            .contains(CENT_UNIT).anyMatch(unit -> unit < CENT_UNIT);
        assertThat(run.refinedNonEmpty).as("units made finer on a side with levels").isPositive();
        assertThat(run.finerPrices).as("changes at prices finer than a cent").isPositive();
        assertThat(run.maxLevels).as("deepest side").isGreaterThanOrEqualTo(targetLevels);
        assertThat(run.bestDeletes).as("deletes of the best level").isGreaterThan(1_000);
        assertThat(run.absentDeletes).as("deletes of absent levels").isGreaterThan(1_000);
        assertThat(run.emptiedByChanges).as("sides emptied by deletes").isPositive();
        assertThat(run.refilledByChanges).as("emptied sides refilled by changes").isPositive();
        assertThat(run.snapshots).as("snapshots").isGreaterThan(1);
        assertThat(run.crossedSteps).as("steps with a crossed book").isBetween(1, steps - 1);
    }

    /** One seeded run: the market generator, the book, the reference and what the run has covered. */
    private static final class Run {
        private final SplittableRandom random;
        private final OrderBook book;
        private final NavigableMap<BigDecimal, BigDecimal> bids = new TreeMap<>(Comparator.reverseOrder());
        private final NavigableMap<BigDecimal, BigDecimal> asks = new TreeMap<>();
        private final int targetLevels;
        private final int finerPerMillion;
        private final ArrayDeque<Object> history = new ArrayDeque<>();

        private long midCents = START_MID_CENTS;
        private Regime regime = Regime.STEADY;
        private int regimeSteps;
        /** The side being swept empty by deletes, or null. */
        private Side sweeping;
        /** Steps left in which changes may cross the book. */
        private int crossingSteps;

        private final Set<Long> unitsSeen = new TreeSet<>();
        private int refinedNonEmpty;
        private int finerPrices;
        private int maxLevels;
        private int bestDeletes;
        private int absentDeletes;
        private int emptiedByChanges;
        /** Per side code: emptied by changes and not yet refilled to {@link #REFILLED_LEVELS} levels by changes. */
        private final boolean[] emptied = new boolean[2];
        private int refilledByChanges;
        private int snapshots;
        private int crossedSteps;

        Run(final long seed, final OrderBook book, final int targetLevels, final int finerPerMillion) {
            this.random = new SplittableRandom(seed);
            this.book = book;
            this.targetLevels = targetLevels;
            this.finerPerMillion = finerPerMillion;
        }

        void step(final int step) {
            if (--regimeSteps <= 0) {
                regime = Regime.values()[random.nextInt(Regime.values().length)];
                regimeSteps = 2_000 + random.nextInt(20_000);
            }
            // Rare events at random, and each also on a schedule, so that every run has some.
            final int scheduled = step % SCHEDULE_PERIOD;
            final int roll = random.nextInt(1_000_000);
            if (roll < SNAPSHOT_PER_MILLION || scheduled == SCHEDULE_PERIOD / 2) {
                snapshot(step);
                return;
            }
            if (roll < SNAPSHOT_PER_MILLION + CLEAR_PER_MILLION) {
                remember("clear");
                book.clear();
                bids.clear();
                asks.clear();
                Arrays.fill(emptied, false);
                assertTop(step);
                return;
            }
            final int sweepRoll = roll - SNAPSHOT_PER_MILLION - CLEAR_PER_MILLION;
            if ((sweepRoll < SWEEP_PER_MILLION || scheduled == SCHEDULE_PERIOD / 4) && sweeping == null) {
                sweeping = random.nextBoolean() ? Side.BID : Side.ASK;
            }
            final int crossingRoll = sweepRoll - SWEEP_PER_MILLION;
            if ((crossingRoll >= 0 && crossingRoll < CROSSING_BURST_PER_MILLION || scheduled == SCHEDULE_PERIOD / 8)
                && crossingSteps == 0) {
                crossingSteps = 50 + random.nextInt(300);
            }
            if (random.nextInt(40) == 0) {
                midCents += random.nextBoolean() ? 1 : -1;
            }
            apply(nextChange(), step);
            if (step % FULL_COMPARE_EVERY == 0) {
                assertFullDepth(step);
            }
        }

        // -------------------------------------------------------------------------------------------------------
        // The market.

        private Change nextChange() {
            if (crossingSteps > 0) {
                crossingSteps--;
            } else {
                // Outside a crossing burst, levels at or through the mid are traded away first, best first.
                if (!bids.isEmpty() && bids.firstKey().compareTo(BigDecimal.valueOf(midCents, 2)) >= 0) {
                    return new Change(Side.BID, bids.firstKey().toPlainString(), zeroText());
                }
                if (!asks.isEmpty() && asks.firstKey().compareTo(BigDecimal.valueOf(midCents, 2)) <= 0) {
                    return new Change(Side.ASK, asks.firstKey().toPlainString(), zeroText());
                }
            }
            if (sweeping != null) {
                final NavigableMap<BigDecimal, BigDecimal> levels = reference(sweeping);
                if (levels.isEmpty()) {
                    // Swept: refill it.
                    sweeping = null;
                    regime = Regime.GROW;
                    regimeSteps = 5_000 + random.nextInt(10_000);
                } else if (random.nextInt(5) != 0) {
                    final BigDecimal price = random.nextInt(10) < 7 ? levels.firstKey() : levels.lastKey();
                    return new Change(sweeping, price.toPlainString(), zeroText());
                }
            }
            final Side side = random.nextBoolean() ? Side.BID : Side.ASK;
            return random.nextInt(100) < 75 ? nearTopChange(side) : deepChange(side);
        }

        private Change nearTopChange(final Side side) {
            final NavigableMap<BigDecimal, BigDecimal> levels = reference(side);
            final int depth = Math.min(NEAR_TOP_CENTS - 1, (int) (-Math.log(1 - random.nextDouble()) * 4));
            final int kind = random.nextInt(100);
            if (!levels.isEmpty() && kind < 12) {
                return new Change(side, levels.firstKey().toPlainString(), zeroText());
            }
            if (!levels.isEmpty() && kind < 50) {
                // A resting level near the top: delete it, keep its size, or change it.
                BigDecimal price = levels.firstKey();
                final Iterator<BigDecimal> prices = levels.keySet().iterator();
                for (int i = 0; i <= depth && prices.hasNext(); i++) {
                    price = prices.next();
                }
                final int what = random.nextInt(100);
                final String size = what < 30 ? zeroText()
                    : what < 35 ? levels.get(price).toPlainString() : sizeText();
                return new Change(side, price.toPlainString(), size);
            }
            final long outward = side == Side.BID ? -1 : 1;
            final long offset = 1 + depth - (crossingSteps > 0 ? 3 : 0);
            return new Change(side, priceText(side, midCents + outward * offset), sizeFor(levels));
        }

        private Change deepChange(final Side side) {
            final long outward = side == Side.BID ? -1 : 1;
            final long offset = NEAR_TOP_CENTS + 1 + random.nextInt(2 * targetLevels);
            return new Change(side, priceText(side, midCents + outward * offset), sizeFor(reference(side)));
        }

        private String sizeFor(final NavigableMap<BigDecimal, BigDecimal> levels) {
            final int deletePercent = switch (regime) {
                case GROW -> 15;
                case DRAIN -> 80;
                case STEADY -> levels.size() > targetLevels ? 55 : 40;
            };
            return random.nextInt(100) < deletePercent ? zeroText() : sizeText();
        }

        /**
         * A price at a whole cent, written {@code 65000.01}; rarely a finer one within that cent (on the same side
         * of the mid) or a round one further out, which is likelier as the first price of an empty side.
         */
        private String priceText(final Side side, final long cents) {
            final int roll = random.nextInt(1_000_000);
            if (roll < finerPerMillion) {
                finerPrices++;
                final int r = random.nextInt(10);
                final int decimals = r < 4 ? 3 : r < 7 ? 4 + random.nextInt(6) : SCALE;
                final long fraction = random.nextLong(1, Decimals.pow10(decimals - 2));
                return BigDecimal.valueOf(cents, 2).add(BigDecimal.valueOf(fraction, decimals)).toPlainString();
            }
            if (roll < finerPerMillion + ROUND_PRICE_PER_MILLION
                || reference(side).isEmpty() && random.nextInt(3) == 0) {
                return roundText(side, cents);
            }
            final String text = centText(cents);
            // The same price written with trailing zeros now and then: equal to the reference, and to the book.
            return random.nextInt(200) == 0 ? text + "00000000" : text;
        }

        /** Whole dollars (sometimes tens) at or outside {@code cents}, as {@code 65000}, {@code 65000.0} or .00. */
        private String roundText(final Side side, final long cents) {
            final long step = random.nextInt(4) == 0 ? 1_000 : 100;
            final long rounded = side == Side.BID ? Math.floorDiv(cents, step) * step
                : Math.floorDiv(cents + step - 1, step) * step;
            final String dollars = Long.toString(rounded / 100);
            final int form = random.nextInt(3);
            return form == 0 ? dollars : form == 1 ? dollars + ".0" : dollars + ".00";
        }

        private static String centText(final long cents) {
            final long c = cents % 100;
            return (cents / 100) + (c < 10 ? ".0" : ".") + c;
        }

        /** A positive size with up to 8 decimals. */
        private String sizeText() {
            final int r = random.nextInt(100);
            final long whole = r < 70 ? random.nextInt(10) : r < 95 ? random.nextInt(1_000) : random.nextInt(100_000);
            final int decimals = random.nextInt(9);
            final long fraction = decimals == 0 ? 0 : random.nextLong(Decimals.pow10(decimals));
            if (decimals == 0) {
                return Long.toString(whole == 0 ? 1 : whole);
            }
            final String digits = Long.toString(fraction == 0 && whole == 0 ? 1 : fraction);
            return whole + "." + "0".repeat(decimals - digits.length()) + digits;
        }

        private String zeroText() {
            final int r = random.nextInt(4);
            return r == 0 ? "0.00000000" : r == 1 ? "0.0" : "0";
        }

        // -------------------------------------------------------------------------------------------------------
        // Snapshots.

        /** Replaces both books with a random snapshot, loaded level by level, and compares them in full. */
        void snapshot(final int step) {
            snapshots++;
            remember("snapshot");
            final int kind = random.nextInt(4);
            final List<Change> bidLevels = snapshotSide(Side.BID, kind);
            final List<Change> askLevels = snapshotSide(Side.ASK, kind);
            final List<Change> order = new ArrayList<>(bidLevels.size() + askLevels.size());
            if (kind == 1) {
                // Sides interleaved, each still best first.
                int b = 0;
                int a = 0;
                while (b < bidLevels.size() || a < askLevels.size()) {
                    final boolean takeBid = a == askLevels.size() || b < bidLevels.size() && random.nextBoolean();
                    order.add(takeBid ? bidLevels.get(b++) : askLevels.get(a++));
                }
            } else if (random.nextBoolean()) {
                order.addAll(bidLevels);
                order.addAll(askLevels);
            } else {
                order.addAll(askLevels);
                order.addAll(bidLevels);
            }
            book.beginLoad();
            bids.clear();
            asks.clear();
            Arrays.fill(emptied, false);
            for (final Change level : order) {
                book.load(level.side().code(), Decimals.parseOrThrow(level.price(), SCALE),
                    Decimals.parseOrThrow(level.size(), SCALE));
                put(reference(level.side()), new BigDecimal(level.price()), new BigDecimal(level.size()));
            }
            book.endLoad();
            recordCoverage();
            assertFullDepth(step);
        }

        /**
         * One side of a snapshot: 0 = best first; 1 = best first (interleaved with the other side by the caller);
         * 2 = with duplicates and zero sizes, shuffled; 3 = with duplicates and zero sizes, sorted best first.
         */
        private List<Change> snapshotSide(final Side side, final int kind) {
            final long outward = side == Side.BID ? -1 : 1;
            final int depth = random.nextInt(20) == 0 ? random.nextInt(3) : targetLevels / 2 + random.nextInt(
                targetLevels);
            final int finerEvery = random.nextBoolean() ? 0 : 1 + random.nextInt(Math.max(1, depth));
            final List<Change> levels = new ArrayList<>(depth + depth / 10);
            long cents = midCents + outward;
            for (int i = 0; i < depth; i++) {
                final String price;
                if (i == 0 && random.nextInt(3) == 0) {
                    price = roundText(side, cents); // a round best level picks a coarse unit
                    cents = new BigDecimal(price).movePointRight(2).longValueExact();
                } else if (finerEvery != 0 && random.nextInt(finerEvery) == 0) {
                    finerPrices++;
                    final int decimals = 3 + random.nextInt(SCALE - 2);
                    price = BigDecimal.valueOf(cents, 2)
                        .add(BigDecimal.valueOf(random.nextLong(1, Decimals.pow10(decimals - 2)), decimals))
                        .toPlainString();
                } else {
                    price = centText(cents);
                }
                levels.add(new Change(side, price, sizeText()));
                cents += outward * (random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 1);
            }
            if (kind >= 2) {
                final int duplicates = depth / 10 + random.nextInt(3);
                for (int i = 0; i < duplicates; i++) {
                    final String price = levels.isEmpty() ? centText(midCents + outward * (1 + random.nextInt(5)))
                        : levels.get(random.nextInt(levels.size())).price();
                    levels.add(new Change(side, price, random.nextInt(4) == 0 ? zeroText() : sizeText()));
                }
                Collections.shuffle(levels, new Random(random.nextLong()));
                if (kind == 3) {
                    final Comparator<Change> byPrice = Comparator.comparing(level -> new BigDecimal(level.price()));
                    levels.sort(side == Side.BID ? byPrice.reversed() : byPrice);
                }
            }
            return levels;
        }

        // -------------------------------------------------------------------------------------------------------
        // Applying and comparing.

        private void apply(final Change change, final int step) {
            remember(change);
            final Side side = change.side();
            final long priceTicks = Decimals.parseOrThrow(change.price(), SCALE);
            final long sizeLots = Decimals.parseOrThrow(change.size(), SCALE);
            final BigDecimal price = new BigDecimal(change.price());
            final BigDecimal size = new BigDecimal(change.size());
            final NavigableMap<BigDecimal, BigDecimal> levels = reference(side);
            final BookSide bookSide = book.side(side);

            final Map.Entry<BigDecimal, BigDecimal> bestBefore = levels.firstEntry();
            final long unitBefore = bookSide.priceUnit();
            final int levelsBefore = levels.size();
            if (size.signum() == 0) {
                if (!levels.isEmpty() && price.compareTo(levels.firstKey()) == 0) {
                    bestDeletes++;
                }
                if (!levels.containsKey(price)) {
                    absentDeletes++;
                }
            }
            put(levels, price, size);
            final Map.Entry<BigDecimal, BigDecimal> bestAfter = levels.firstEntry();
            final boolean changed = random.nextBoolean()
                ? book.apply(side, priceTicks, sizeLots)
                : book.apply(side.code(), priceTicks, sizeLots);

            assertThat(changed).as("step %d, %s: top changed flag; last changes %s", step, change, history)
                .isEqualTo(!sameLevel(bestBefore, bestAfter));
            assertThat(decimal(bookSide.sizeAt(priceTicks)))
                .as("step %d, %s: size at the changed price; last changes %s", step, change, history)
                .isEqualByComparingTo(levels.getOrDefault(price, BigDecimal.ZERO));
            // One tick (10^-10) above: almost never a level, and finer than the unit unless that is 1.
            assertThat(decimal(bookSide.sizeAt(priceTicks + 1)))
                .as("step %d, %s: size one tick above the changed price; last changes %s", step, change, history)
                .isEqualByComparingTo(levels.getOrDefault(price.add(ONE_TICK), BigDecimal.ZERO));
            if (bookSide.priceUnit() < unitBefore && levelsBefore > 0) {
                refinedNonEmpty++;
                bookSide.verifyInvariants();
            }
            if (levelsBefore > 0 && levels.isEmpty()) {
                emptiedByChanges++;
                emptied[side.code()] = true;
            } else if (emptied[side.code()] && levels.size() >= REFILLED_LEVELS) {
                refilledByChanges++;
                emptied[side.code()] = false;
            }
            recordCoverage();
            assertTop(step);
        }

        private void recordCoverage() {
            if (!bids.isEmpty()) {
                unitsSeen.add(book.bids().priceUnit());
            }
            if (!asks.isEmpty()) {
                unitsSeen.add(book.asks().priceUnit());
            }
            maxLevels = Math.max(maxLevels, Math.max(bids.size(), asks.size()));
            if (isCrossed()) {
                crossedSteps++;
            }
        }

        private void assertTop(final int step) {
            assertBest(book.bids(), bids, step);
            assertBest(book.asks(), asks, step);
            assertThat(book.bidLevels()).as("step %d: bid levels; last changes %s", step, history)
                .isEqualTo(bids.size());
            assertThat(book.askLevels()).as("step %d: ask levels; last changes %s", step, history)
                .isEqualTo(asks.size());
            assertThat(book.isCrossed()).as("step %d: crossed; last changes %s", step, history)
                .isEqualTo(isCrossed());
            assertLevels(book.bids(), bids, TOP_N, step);
            assertLevels(book.asks(), asks, TOP_N, step);
        }

        void assertFullDepth(final int step) {
            book.bids().verifyInvariants();
            book.asks().verifyInvariants();
            assertTop(step);
            assertLevels(book.bids(), bids, Integer.MAX_VALUE, step);
            assertLevels(book.asks(), asks, Integer.MAX_VALUE, step);
            for (final Side side : Side.values()) {
                final BookSide bookSide = book.side(side);
                int depth = 0;
                for (final Map.Entry<BigDecimal, BigDecimal> level : reference(side).entrySet()) {
                    if (depth % 89 == 0) {
                        assertThat(decimal(bookSide.priceAtDepth(depth)))
                            .as("step %d: %s price at depth %d", step, side, depth)
                            .isEqualByComparingTo(level.getKey());
                        assertThat(decimal(bookSide.sizeAtDepth(depth)))
                            .as("step %d: %s size at depth %d", step, side, depth)
                            .isEqualByComparingTo(level.getValue());
                        assertThat(decimal(bookSide.sizeAt(Decimals.parseOrThrow(level.getKey().toPlainString(),
                            SCALE)))).as("step %d: %s size at %s", step, side, level.getKey())
                            .isEqualByComparingTo(level.getValue());
                    }
                    depth++;
                }
            }
        }

        private void assertBest(final BookSide side, final NavigableMap<BigDecimal, BigDecimal> levels,
                                final int step) {
            if (levels.isEmpty()) {
                assertThat(side.bestPrice()).as("step %d: best %s of an empty side; last changes %s", step,
                    side.side(), history).isEqualTo(BookSide.NO_PRICE);
                assertThat(side.bestSize()).as("step %d: best %s size of an empty side; last changes %s", step,
                    side.side(), history).isZero();
                return;
            }
            final Map.Entry<BigDecimal, BigDecimal> best = levels.firstEntry();
            assertThat(decimal(side.bestPrice())).as("step %d: best %s; last changes %s", step, side.side(), history)
                .isEqualByComparingTo(best.getKey());
            assertThat(decimal(side.bestSize()))
                .as("step %d: best %s size; last changes %s", step, side.side(), history)
                .isEqualByComparingTo(best.getValue());
        }

        private void assertLevels(final BookSide side, final NavigableMap<BigDecimal, BigDecimal> levels,
                                  final int maxLevels, final int step) {
            final Iterator<Map.Entry<BigDecimal, BigDecimal>> expected = levels.entrySet().iterator();
            final int[] compared = {0};
            final int visited = side.forEachLevel(maxLevels, (priceTicks, sizeLots) -> {
                if (!expected.hasNext()) {
                    fail("step %d: %s level %d is %s@%s, expected none; last changes %s", step, side.side(),
                        compared[0], decimal(priceTicks), decimal(sizeLots), history);
                }
                final Map.Entry<BigDecimal, BigDecimal> level = expected.next();
                if (decimal(priceTicks).compareTo(level.getKey()) != 0
                    || decimal(sizeLots).compareTo(level.getValue()) != 0) {
                    fail("step %d: %s level %d is %s@%s, expected %s@%s; last changes %s", step, side.side(),
                        compared[0], decimal(priceTicks).toPlainString(), decimal(sizeLots).toPlainString(),
                        level.getKey(), level.getValue(), history);
                }
                compared[0]++;
            });
            assertThat(visited).as("step %d: %s levels visited; last changes %s", step, side.side(), history)
                .isEqualTo(Math.min(maxLevels, levels.size()));
        }

        private boolean isCrossed() {
            return !bids.isEmpty() && !asks.isEmpty() && bids.firstKey().compareTo(asks.firstKey()) >= 0;
        }

        private NavigableMap<BigDecimal, BigDecimal> reference(final Side side) {
            return side == Side.BID ? bids : asks;
        }

        private void remember(final Object event) {
            if (history.size() == HISTORY) {
                history.removeFirst();
            }
            history.addLast(event);
        }

        /** The reference's rule: a size of 0 removes the level (absent or not), any other size sets it. */
        private static void put(final NavigableMap<BigDecimal, BigDecimal> levels, final BigDecimal price,
                                final BigDecimal size) {
            if (size.signum() == 0) {
                levels.remove(price);
            } else {
                levels.put(price, size);
            }
        }

        private static boolean sameLevel(final Map.Entry<BigDecimal, BigDecimal> a,
                                         final Map.Entry<BigDecimal, BigDecimal> b) {
            if (a == null || b == null) {
                return a == b;
            }
            return a.getKey().compareTo(b.getKey()) == 0 && a.getValue().compareTo(b.getValue()) == 0;
        }

        private static BigDecimal decimal(final long fixedPoint) {
            return BigDecimal.valueOf(fixedPoint, SCALE);
        }
    }
}
