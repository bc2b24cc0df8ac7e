package dev.orderbook.systemtest;

import dev.orderbook.simulator.server.TopOfBook;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Holds the pipeline to its promise against the simulator's truth log (one line per market message with the true top
 * of book after it): every summary the processor commits as {@code live} must be a true top of book of its product,
 * at a point no earlier than the previous live summary's. A summary that carries the exchange time of an update is
 * matched to that update's line exactly; one that carries none (a snapshot, a resumption) must equal some later
 * line. Stale and crossed summaries are never checked against the truth (they claim nothing); they are the stale
 * periods the suite reports.
 */
final class TruthCheck {
    private TruthCheck() {
    }

    /**
     * The truth log's complete lines of one product, in market order (a last line still being written, without its
     * newline, is left for the next read).
     */
    static List<TopOfBook> truth(final Path truthLog, final String product) throws IOException {
        final String text = Files.readString(truthLog, StandardCharsets.UTF_8);
        final String complete = text.substring(0, text.lastIndexOf('\n') + 1);
        final List<TopOfBook> out = new ArrayList<>();
        for (final String line : complete.split("\n")) {
            if (!line.isBlank()) {
                final TopOfBook top = TopOfBook.fromJson(line);
                if (top.productId().equals(product)) {
                    out.add(top);
                }
            }
        }
        return out;
    }

    /**
     * {@link #assertLiveSummariesAreTrue} against the truth log as it grows: the simulator writes its truth in
     * batches (every 50 ms while its sender runs), so the newest summaries can be read before the lines that prove
     * them. Reads the log again until the check passes or {@code wait} has passed; a summary that is no true top
     * fails however long the log grows.
     *
     * @return the number of live summaries checked
     */
    static int assertLiveSummariesAreTrue(final String product, final List<SummaryLog.Seen> summaries,
                                          final Path truthLog, final java.time.Duration wait)
            throws IOException, InterruptedException {
        final long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            try {
                return assertLiveSummariesAreTrue(product, summaries, truth(truthLog, product));
            } catch (final AssertionError e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /**
     * Checks one product's committed summaries.
     *
     * @return the number of live summaries checked
     * @throws AssertionError naming the first live summary that is not a true top of book in order
     */
    static int assertLiveSummariesAreTrue(final String product, final List<SummaryLog.Seen> summaries,
                                          final List<TopOfBook> truth) {
        int at = 0;
        int checked = 0;
        for (final SummaryLog.Seen s : summaries) {
            if (!s.isLive()) {
                continue;
            }
            final String time = s.summary().time();
            int match = -1;
            if (time != null) {
                for (int k = at; k < truth.size(); k++) {
                    if (time.equals(truth.get(k).time())) {
                        match = k;
                        break;
                    }
                }
            }
            if (match >= 0) {
                if (!sameTop(s, truth.get(match))) {
                    throw new AssertionError(product + ": live summary at offset " + s.offset() + " " + top(s)
                            + " differs from the true top after the message of time " + time + ": "
                            + truth.get(match).toJson());
                }
            } else {
                for (int k = at; k < truth.size() && match < 0; k++) {
                    if (sameTop(s, truth.get(k))) {
                        match = k;
                    }
                }
                if (match < 0) {
                    throw new AssertionError(product + ": live summary at offset " + s.offset() + " " + top(s)
                            + " (time " + time + ") is no true top of book at or after truth line " + at + " of "
                            + truth.size());
                }
            }
            at = match;
            checked++;
        }
        return checked;
    }

    private static boolean sameTop(final SummaryLog.Seen s, final TopOfBook t) {
        return same(s.summary().bidPrice(), t.bidPrice()) && same(s.summary().bidSize(), t.bidSize())
                && same(s.summary().askPrice(), t.askPrice()) && same(s.summary().askSize(), t.askSize());
    }

    private static boolean same(final BigDecimal a, final BigDecimal b) {
        return a == null || b == null ? Objects.equals(a, b) : a.compareTo(b) == 0;
    }

    private static String top(final SummaryLog.Seen s) {
        return "[" + s.summary().bidPrice() + " x " + s.summary().bidSize() + " / " + s.summary().askPrice() + " x "
                + s.summary().askSize() + "]";
    }
}
