package dev.orderbook.benchmarks;

import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.orderbook.book.orderbook.OrderBook;
import dev.orderbook.codec.model.Side;

/**
 * Throughput of a two-sided book on the {@link BookWorkload} stream: one operation is one level change, and the
 * top of book (best bid and ask, price and size) is read after every message of 1-20 changes. Each invocation
 * replays the whole pre-generated stream from a freshly loaded snapshot (the reload is not timed).
 *
 * <p>{@code orderBook} is {@link OrderBook}; {@code sortedArrayBaseline} is {@link SortedArrayBookSide} (one sorted
 * array per side, best last); {@code treeMapBaseline} is a {@code TreeMap<Long, Long>} per side. {@code windowTicks=64}
 * leaves nearly every change to the chunked tree (a tuned version of the "chunks of 128" reference design), and
 * {@code gapScale=64} makes the top of the book sparse in ticks, so the window holds only a few dozen levels.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar OrderBookBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class OrderBookBenchmark {
    /** Level changes per invocation; one invocation replays them all. */
    public static final int CHANGES = 1 << 20;

    private static final long SEED = 20_26_11_23L;

    @Param({"10000"})
    public int levelsPerSide;

    @Param({"20"})
    public int deepPercent;

    @Param({"1"})
    public int gapScale;

    BookWorkload workload;

    @Setup(Level.Trial)
    public void generate() {
        workload = BookWorkload.generate(SEED, levelsPerSide, CHANGES, deepPercent, gapScale);
        System.out.println();
        System.out.println("workload: " + workload.describe());
    }

    /** {@link OrderBook}, reloaded from the snapshot before each invocation. */
    @State(Scope.Thread)
    public static class OrderBookState {
        @Param({"64"})
        public int chunkCapacity;

        @Param({"2048"})
        public int windowTicks;

        OrderBook book;

        @Setup(Level.Trial)
        public void create() {
            book = new OrderBook(chunkCapacity, windowTicks);
        }

        @Setup(Level.Invocation)
        public void reload(final OrderBookBenchmark benchmark) {
            load(book, benchmark.workload);
        }
    }

    /** Two {@link SortedArrayBookSide}s, reloaded from the snapshot before each invocation. */
    @State(Scope.Thread)
    public static class SortedArrayState {
        SortedArrayBookSide bids;
        SortedArrayBookSide asks;

        @Setup(Level.Invocation)
        public void reload(final OrderBookBenchmark benchmark) {
            final BookWorkload w = benchmark.workload;
            if (bids == null) {
                bids = new SortedArrayBookSide(Side.BID, w.bidSnapshotPrices.length * 2);
                asks = new SortedArrayBookSide(Side.ASK, w.askSnapshotPrices.length * 2);
            }
            bids.load(w.bidSnapshotPrices, w.bidSnapshotSizes);
            asks.load(w.askSnapshotPrices, w.askSnapshotSizes);
        }
    }

    /** A {@code TreeMap<Long, Long>} per side, best first, reloaded before each invocation. */
    @State(Scope.Thread)
    public static class TreeMapState {
        final TreeMap<Long, Long> bids = new TreeMap<>(Comparator.reverseOrder());
        final TreeMap<Long, Long> asks = new TreeMap<>();

        @Setup(Level.Invocation)
        public void reload(final OrderBookBenchmark benchmark) {
            final BookWorkload w = benchmark.workload;
            bids.clear();
            asks.clear();
            for (int i = 0; i < w.bidSnapshotPrices.length; i++) {
                bids.put(w.bidSnapshotPrices[i], w.bidSnapshotSizes[i]);
            }
            for (int i = 0; i < w.askSnapshotPrices.length; i++) {
                asks.put(w.askSnapshotPrices[i], w.askSnapshotSizes[i]);
            }
        }
    }

    /** Loads the workload's snapshot best first, as Coinbase sends it. */
    static void load(final OrderBook book, final BookWorkload w) {
        book.beginLoad();
        for (int i = 0; i < w.bidSnapshotPrices.length; i++) {
            book.load(Side.BID_CODE, w.bidSnapshotPrices[i], w.bidSnapshotSizes[i]);
        }
        for (int i = 0; i < w.askSnapshotPrices.length; i++) {
            book.load(Side.ASK_CODE, w.askSnapshotPrices[i], w.askSnapshotSizes[i]);
        }
        book.endLoad();
    }

    @Benchmark
    @OperationsPerInvocation(CHANGES)
    public long orderBook(final OrderBookState state) {
        final OrderBook book = state.book;
        final BookWorkload w = workload;
        final byte[] sideCodes = w.sideCodes;
        final long[] prices = w.prices;
        final long[] sizes = w.sizes;
        final int[] messageEnds = w.messageEnds;
        long checksum = 0;
        int i = 0;
        for (final int end : messageEnds) {
            boolean topChanged = false;
            for (; i < end; i++) {
                topChanged |= book.apply(sideCodes[i], prices[i], sizes[i]);
            }
            checksum = checksum * 31 + book.bestBidPrice() + book.bestBidSize() + book.bestAskPrice()
                + book.bestAskSize() + (topChanged ? 1 : 0);
        }
        return checksum;
    }

    @Benchmark
    @OperationsPerInvocation(CHANGES)
    public long sortedArrayBaseline(final SortedArrayState state) {
        final SortedArrayBookSide bids = state.bids;
        final SortedArrayBookSide asks = state.asks;
        final BookWorkload w = workload;
        final byte[] sideCodes = w.sideCodes;
        final long[] prices = w.prices;
        final long[] sizes = w.sizes;
        final int[] messageEnds = w.messageEnds;
        long checksum = 0;
        int i = 0;
        for (final int end : messageEnds) {
            boolean topChanged = false;
            for (; i < end; i++) {
                topChanged |= (sideCodes[i] == Side.BID_CODE ? bids : asks).apply(prices[i], sizes[i]);
            }
            checksum = checksum * 31 + bids.bestPrice() + bids.bestSize() + asks.bestPrice() + asks.bestSize()
                + (topChanged ? 1 : 0);
        }
        return checksum;
    }

    @Benchmark
    @OperationsPerInvocation(CHANGES)
    public long treeMapBaseline(final TreeMapState state) {
        final BookWorkload w = workload;
        final byte[] sideCodes = w.sideCodes;
        final long[] prices = w.prices;
        final long[] sizes = w.sizes;
        final int[] messageEnds = w.messageEnds;
        long checksum = 0;
        int i = 0;
        for (final int end : messageEnds) {
            for (; i < end; i++) {
                final TreeMap<Long, Long> side = sideCodes[i] == Side.BID_CODE ? state.bids : state.asks;
                if (sizes[i] == 0) {
                    side.remove(prices[i]);
                } else {
                    side.put(prices[i], sizes[i]);
                }
            }
            final Map.Entry<Long, Long> bid = state.bids.firstEntry();
            final Map.Entry<Long, Long> ask = state.asks.firstEntry();
            checksum = checksum * 31 + (bid == null ? 0 : bid.getKey() + bid.getValue())
                + (ask == null ? 0 : ask.getKey() + ask.getValue());
        }
        return checksum;
    }
}
