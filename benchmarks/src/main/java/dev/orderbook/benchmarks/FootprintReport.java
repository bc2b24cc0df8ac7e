package dev.orderbook.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Arrays;
import java.util.function.Supplier;

import org.openjdk.jol.info.GraphLayout;

import dev.orderbook.book.orderbook.BookSide;
import dev.orderbook.codec.model.Side;

/**
 * Reports the memory per resting level of {@link BookSide}: a bid side of 50,000 levels (or the number given as the
 * first argument) built from a best-first snapshot, then after a long run of {@link BookWorkload} changes (20% deep). Three measures per state:
 * {@link BookSide#footprintBytes()} (the side's own accounting), the retained size from JOL's {@code GraphLayout}
 * ({@code org.openjdk.jol:jol-core}, shaded into benchmarks.jar), and the used heap (after full GCs) released by
 * dropping {@value #COPIES} - 1 sides in that state. Run it with a collector without humongous regions (G1 rounds
 * arrays of half a region or more up to whole regions, which is heap overhead of G1, not of the side).
 *
 * <pre>
 * java -XX:+UseSerialGC -cp benchmarks/target/benchmarks.jar dev.orderbook.benchmarks.FootprintReport 50000
 * </pre>
 */
public final class FootprintReport {
    private static final int DEFAULT_LEVELS = 50_000;
    private static final int CHANGES = 4_000_000;
    private static final int COPIES = 20;

    private FootprintReport() {
    }

    public static void main(final String[] args) throws Exception {
        final int levels = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_LEVELS;
        final BookWorkload workload = BookWorkload.generate(3, levels, CHANGES, 20, 1).oneSide(Side.BID);
        System.out.println("workload: " + workload.describe());
        report("after a best-first snapshot", () -> snapshot(workload));
        report("after the snapshot and " + workload.changes() + " changes", () -> {
            final BookSide side = snapshot(workload);
            final long[] prices = workload.prices;
            final long[] sizes = workload.sizes;
            for (int i = 0; i < prices.length; i++) {
                side.apply(prices[i], sizes[i]);
            }
            return side;
        });
    }

    private static BookSide snapshot(final BookWorkload workload) {
        final BookSide side = new BookSide(Side.BID);
        side.beginLoad();
        for (int i = 0; i < workload.bidSnapshotPrices.length; i++) {
            side.load(workload.bidSnapshotPrices[i], workload.bidSnapshotSizes[i]);
        }
        side.endLoad();
        return side;
    }

    private static void report(final String when, final Supplier<BookSide> build) throws InterruptedException {
        final BookSide[] sides = new BookSide[COPIES];
        for (int i = 0; i < COPIES; i++) {
            sides[i] = build.get();
        }
        final long usedWithAll = usedHeapAfterGc();
        Arrays.fill(sides, 1, COPIES, null);
        final long heapPerSide = (usedWithAll - usedHeapAfterGc()) / (COPIES - 1);
        final BookSide side = sides[0];
        final int levels = side.levels();
        final long accounted = side.footprintBytes();
        final long jol = GraphLayout.parseInstance(side).totalSize();
        System.out.printf("%s: %d levels%n", when, levels);
        System.out.printf("  footprintBytes(): %,d bytes = %.2f bytes/level%n", accounted, (double) accounted / levels);
        System.out.printf("  JOL GraphLayout:  %,d bytes = %.2f bytes/level (includes the shared Side enum)%n",
            jol, (double) jol / levels);
        System.out.printf("  heap released:    %,d bytes = %.2f bytes/level (per side, %d sides dropped)%n",
            heapPerSide, (double) heapPerSide / levels, COPIES - 1);
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(50);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
