package dev.orderbook.benchmarks;

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

import dev.orderbook.book.orderbook.BookSide;
import dev.orderbook.codec.model.Side;

/**
 * Throughput of one side (the bid side of the {@link BookWorkload} stream), for tuning {@link BookSide}: one
 * operation is one level change, with the best price and size read after every message. Each invocation replays
 * the whole stream from a freshly loaded snapshot (the reload is not timed).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar BookSideBenchmark -p deepPercent=0,20,100
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@State(Scope.Benchmark)
public class BookSideBenchmark {
    /** Level changes generated for both sides; about half of them are bids. */
    private static final int GENERATED_CHANGES = (1 << 21) + (1 << 17);

    /** Bid changes replayed per invocation. */
    public static final int CHANGES = 1 << 20;

    private static final long SEED = 7L;

    @Param({"10000"})
    public int levelsPerSide;

    @Param({"20"})
    public int deepPercent;

    BookWorkload workload;

    @Setup(Level.Trial)
    public void generate() {
        final BookWorkload both = BookWorkload.generate(SEED, levelsPerSide, GENERATED_CHANGES, deepPercent, 1);
        workload = both.oneSide(Side.BID);
        if (workload.changes() < CHANGES) {
            throw new IllegalStateException("only " + workload.changes() + " bid changes");
        }
        System.out.println();
        System.out.println("workload: " + workload.describe());
    }

    /** A {@link BookSide}, reloaded from the snapshot before each invocation. */
    @State(Scope.Thread)
    public static class BookSideState {
        @Param({"32", "64", "128"})
        public int chunkCapacity;

        @Param({"2048"})
        public int windowTicks;

        BookSide side;

        @Setup(Level.Invocation)
        public void reload(final BookSideBenchmark benchmark) {
            final BookWorkload w = benchmark.workload;
            if (side == null) {
                side = new BookSide(Side.BID, chunkCapacity, windowTicks);
            }
            side.beginLoad();
            for (int i = 0; i < w.bidSnapshotPrices.length; i++) {
                side.load(w.bidSnapshotPrices[i], w.bidSnapshotSizes[i]);
            }
            side.endLoad();
        }
    }

    /** A {@link SortedArrayBookSide}, reloaded from the snapshot before each invocation. */
    @State(Scope.Thread)
    public static class SortedArrayState {
        SortedArrayBookSide side;

        @Setup(Level.Invocation)
        public void reload(final BookSideBenchmark benchmark) {
            final BookWorkload w = benchmark.workload;
            if (side == null) {
                side = new SortedArrayBookSide(Side.BID, w.bidSnapshotPrices.length * 2);
            }
            side.load(w.bidSnapshotPrices, w.bidSnapshotSizes);
        }
    }

    @Benchmark
    @OperationsPerInvocation(CHANGES)
    public long bookSide(final BookSideState state) {
        final BookSide side = state.side;
        final long[] prices = workload.prices;
        final long[] sizes = workload.sizes;
        final int[] messageEnds = workload.messageEnds;
        long checksum = 0;
        int i = 0;
        for (final int messageEnd : messageEnds) {
            final int end = Math.min(messageEnd, CHANGES);
            boolean topChanged = false;
            for (; i < end; i++) {
                topChanged |= side.apply(prices[i], sizes[i]);
            }
            checksum = checksum * 31 + side.bestPrice() + side.bestSize() + (topChanged ? 1 : 0);
            if (end == CHANGES) {
                break;
            }
        }
        return checksum;
    }

    @Benchmark
    @OperationsPerInvocation(CHANGES)
    public long sortedArrayBaseline(final SortedArrayState state) {
        final SortedArrayBookSide side = state.side;
        final long[] prices = workload.prices;
        final long[] sizes = workload.sizes;
        final int[] messageEnds = workload.messageEnds;
        long checksum = 0;
        int i = 0;
        for (final int messageEnd : messageEnds) {
            final int end = Math.min(messageEnd, CHANGES);
            boolean topChanged = false;
            for (; i < end; i++) {
                topChanged |= side.apply(prices[i], sizes[i]);
            }
            checksum = checksum * 31 + side.bestPrice() + side.bestSize() + (topChanged ? 1 : 0);
            if (end == CHANGES) {
                break;
            }
        }
        return checksum;
    }
}
