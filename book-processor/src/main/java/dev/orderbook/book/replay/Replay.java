package dev.orderbook.book.replay;

import dev.orderbook.book.engine.AlertThresholds;
import dev.orderbook.book.engine.BookEngine;
import dev.orderbook.book.engine.SummarySink;
import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.MessageKind;
import dev.orderbook.codec.StaleScope;
import dev.orderbook.codec.io.ByteSink;
import dev.orderbook.codec.io.NdjsonReader;
import dev.orderbook.codec.model.Product;
import dev.orderbook.codec.model.ProductRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;

/**
 * Offline replay: reads a recorded Coinbase feed (NDJSON, one exchange message per line, either protocol, products
 * mixed) and writes the summary NDJSON that the streaming processor would publish for the same input, byte for byte.
 *
 * <p>A line that is not a valid message is counted and reported on the diagnostics stream with its line number and
 * reason (the first {@link Options#maxReportedBadLines()}; the count covers all), the books it concerned become
 * {@code stale} (see {@link StaleScope}), and the replay goes on. Blank lines are skipped.
 *
 * <p>Deterministic: output depends on the input bytes and options only. Single thread.
 */
public final class Replay {
    /**
     * @param thresholds spread-alert thresholds
     * @param products product registry (open: any product; closed: others are bad lines)
     * @param maxLineBytes longer lines are bad lines ({@code OVERSIZED})
     * @param maxReportedBadLines bad lines reported individually; further ones are only counted
     * @param checkSequence whether a gap in Advanced Trade's {@code sequence_num} makes every book stale; right for
     *     a file that holds one connection's messages in order, as {@code record} writes them
     */
    public record Options(AlertThresholds thresholds, ProductRegistry products, int maxLineBytes,
                          int maxReportedBadLines, boolean checkSequence) {
        public Options {
            if (thresholds == null || products == null) {
                throw new IllegalArgumentException("thresholds and products may not be null");
            }
            if (maxLineBytes <= 0 || maxReportedBadLines < 0) {
                throw new IllegalArgumentException("maxLineBytes must be positive, maxReportedBadLines >= 0");
            }
        }

        public static Options defaults() {
            return new Options(AlertThresholds.defaults(), ProductRegistry.open(),
                    CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES, 1000, true);
        }
    }

    private Replay() {
    }

    /**
     * Replays {@code in} to completion.
     *
     * @param summaries where summary lines go; flushed, not closed
     * @param alerts where alert lines go, or null for none; flushed, not closed
     * @param diagnostics where bad lines are reported
     * @throws IOException if reading the input or writing an output fails
     */
    public static ReplayStats run(final NdjsonReader in, final OutputStream summaries, final OutputStream alerts,
                                  final PrintStream diagnostics, final Options options) throws IOException {
        final long startNs = System.nanoTime();
        final CoinbaseDecoder decoder = new CoinbaseDecoder(options.products(), options.maxLineBytes());
        final BookEngine engine = new BookEngine(options.thresholds(), options.checkSequence());
        final FeedMessage msg = new FeedMessage();
        final SummarySink sink = new SummarySink() {
            @Override
            public void accept(final Product product, final ByteSink json, final boolean alert) {
                try {
                    json.append((byte) '\n');
                    json.writeTo(summaries);
                    if (alert && alerts != null) {
                        json.writeTo(alerts);
                    }
                } catch (final IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
        long lines = 0;
        long badLines = 0;
        try {
            while (in.next()) {
                lines++;
                if (in.oversized()) {
                    badLines++;
                    report(diagnostics, options, badLines, in.lineNumber(), "OVERSIZED",
                            in.length() + " bytes > limit " + options.maxLineBytes());
                    engine.onUndecodable(StaleScope.all(), sink);
                    continue;
                }
                if (isBlank(in.buffer(), in.offset(), in.length())) {
                    continue;
                }
                decoder.decode(in.buffer(), in.offset(), in.length(), msg);
                if (msg.kind() == MessageKind.INVALID) {
                    badLines++;
                    report(diagnostics, options, badLines, in.lineNumber(), msg.error().name(), msg.errorDetail());
                    engine.onUndecodable(StaleScope.of(in.buffer(), in.offset(), in.length(), options.products()),
                            sink);
                    continue;
                }
                engine.onMessage(msg, sink);
            }
        } catch (final UncheckedIOException e) {
            throw e.getCause();
        }
        summaries.flush();
        if (alerts != null) {
            alerts.flush();
        }
        if (badLines > options.maxReportedBadLines()) {
            diagnostics.println("... " + (badLines - options.maxReportedBadLines())
                    + " more bad lines not shown");
        }
        final double seconds = (System.nanoTime() - startNs) / 1e9;
        return new ReplayStats(lines, badLines, engine.stats(), seconds);
    }

    private static void report(final PrintStream diagnostics, final Options options, final long badLines,
                               final long lineNumber, final String reason, final String detail) {
        if (badLines <= options.maxReportedBadLines()) {
            diagnostics.println("line " + lineNumber + ": " + reason + ": " + detail);
        }
    }

    private static boolean isBlank(final byte[] b, final int off, final int len) {
        for (int i = off; i < off + len; i++) {
            final byte c = b[i];
            if (c != ' ' && c != '\t' && c != '\r') {
                return false;
            }
        }
        return true;
    }
}
