package dev.orderbook.book.replay;

import dev.orderbook.book.orderbook.OrderBook;
import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.EventType;
import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.MessageKind;
import dev.orderbook.codec.io.NdjsonReader;
import dev.orderbook.codec.model.ProductRegistry;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

/**
 * {@code ./orderbook bench book}: times the book alone on a recorded feed. The file is read and decoded fully into
 * primitive arrays first; then, after warm-up passes on fresh books, each timed pass loads every snapshot, applies
 * every change and reads the top of book (best bid and ask, price and size) after every book event, on one thread.
 *
 * <p>Reported changes are update changes only; snapshot levels are loaded inside the timed region but not counted.
 */
public final class BookBench {
    private int events;
    private int[] eventProduct = new int[1024];
    private byte[] eventType = new byte[1024];
    private int[] eventEnd = new int[1024];
    private int changes;
    private byte[] side = new byte[1 << 16];
    private long[] price = new long[1 << 16];
    private long[] size = new long[1 << 16];
    private long updateChanges;
    private int products;
    private long badLines;

    /** The result of {@link #run}. */
    public record Result(long changes, long snapshotLevels, int events, int passes, double[] passSeconds,
                         long checksum) {
        public double medianSeconds() {
            final double[] sorted = passSeconds.clone();
            Arrays.sort(sorted);
            return sorted[sorted.length / 2];
        }

        public String toLine() {
            final double s = medianSeconds();
            final double[] sorted = passSeconds.clone();
            Arrays.sort(sorted);
            return String.format(Locale.ROOT,
                    "book changes=%d seconds=%.4f changes_per_sec=%.0f snapshot_levels=%d events=%d passes=%d"
                            + " min_seconds=%.4f max_seconds=%.4f checksum=%d",
                    changes, s, changes / s, snapshotLevels, events, passes, sorted[0], sorted[sorted.length - 1],
                    checksum);
        }
    }

    /** Reads and decodes the whole file into memory. Bad lines are skipped and counted. */
    public static BookBench load(final NdjsonReader in) throws IOException {
        final BookBench bench = new BookBench();
        final ProductRegistry registry = ProductRegistry.open();
        final CoinbaseDecoder decoder = new CoinbaseDecoder(registry);
        final FeedMessage msg = new FeedMessage();
        while (in.next()) {
            if (in.oversized()) {
                bench.badLines++;
                continue;
            }
            decoder.decode(in.buffer(), in.offset(), in.length(), msg);
            if (msg.kind() == MessageKind.INVALID) {
                bench.badLines++;
            } else if (msg.kind() == MessageKind.BOOK) {
                bench.add(msg);
            }
        }
        bench.products = registry.size();
        return bench;
    }

    private void add(final FeedMessage msg) {
        for (int e = 0; e < msg.eventCount(); e++) {
            if (events == eventType.length) {
                eventProduct = Arrays.copyOf(eventProduct, events * 2);
                eventType = Arrays.copyOf(eventType, events * 2);
                eventEnd = Arrays.copyOf(eventEnd, events * 2);
            }
            final int from = msg.eventStart(e);
            final int to = msg.eventEnd(e);
            final int needed = changes + (to - from);
            if (needed > side.length) {
                final int capacity = Math.max(needed, side.length * 2);
                side = Arrays.copyOf(side, capacity);
                price = Arrays.copyOf(price, capacity);
                size = Arrays.copyOf(size, capacity);
            }
            for (int i = from; i < to; i++) {
                side[changes] = msg.sideCode(i);
                price[changes] = msg.priceTicks(i);
                size[changes] = msg.sizeLots(i);
                changes++;
            }
            if (msg.eventType(e) == EventType.UPDATE) {
                updateChanges += to - from;
            }
            eventProduct[events] = msg.eventProduct(e).index();
            eventType[events] = msg.eventType(e);
            eventEnd[events] = changes;
            events++;
        }
    }

    public long badLines() {
        return badLines;
    }

    /** Warm-up passes, then timed passes, each on fresh books. */
    public Result run(final int warmupPasses, final int timedPasses) {
        long checksum = 0;
        for (int i = 0; i < warmupPasses; i++) {
            checksum += pass();
        }
        final double[] seconds = new double[timedPasses];
        for (int i = 0; i < timedPasses; i++) {
            final long t0 = System.nanoTime();
            checksum += pass();
            seconds[i] = (System.nanoTime() - t0) / 1e9;
        }
        return new Result(updateChanges, changes - updateChanges, events, timedPasses, seconds, checksum);
    }

    private long pass() {
        final OrderBook[] books = new OrderBook[Math.max(1, products)];
        for (int p = 0; p < books.length; p++) {
            books[p] = new OrderBook();
        }
        final byte[] side = this.side;
        final long[] price = this.price;
        final long[] size = this.size;
        final int[] eventProduct = this.eventProduct;
        final byte[] eventType = this.eventType;
        final int[] eventEnd = this.eventEnd;
        long checksum = 0;
        int i = 0;
        for (int e = 0; e < events; e++) {
            final OrderBook book = books[eventProduct[e]];
            final int end = eventEnd[e];
            if (eventType[e] == EventType.SNAPSHOT) {
                book.beginLoad();
                for (; i < end; i++) {
                    book.load(side[i], price[i], size[i]);
                }
                book.endLoad();
            } else {
                for (; i < end; i++) {
                    book.apply(side[i], price[i], size[i]);
                }
            }
            // Read the top of book after every event, as a consumer of summaries would.
            checksum += book.bestBidPrice() ^ book.bestAskPrice() ^ book.bestBidSize() ^ book.bestAskSize();
        }
        return checksum;
    }
}
