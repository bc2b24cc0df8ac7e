package dev.orderbook.launcher;

import dev.orderbook.book.engine.AlertThresholds;
import dev.orderbook.book.replay.Replay;
import dev.orderbook.book.replay.ReplayStats;
import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.io.NdjsonReader;
import dev.orderbook.codec.model.ProductRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ./orderbook replay}: a recorded feed file in, summary NDJSON out; deterministic. */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {
            "Replays a recorded Coinbase feed (NDJSON, one exchange message per line, either protocol, products "
                    + "mixed; .gz too) through the order books and writes one summary line per distinct "
                    + "top-of-book state per product, in input order. The same input gives byte-identical output.",
            "Bad lines are reported on stderr with their line number and reason, and skipped. Stderr ends with one "
                    + "line of statistics: messages=... changes=... bad_lines=... crossed=... seconds=... "
                    + "changes_per_sec=..."})
final class ReplayCommand implements Callable<Integer> {
    @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE",
            description = "Recorded feed, NDJSON or gzip-compressed NDJSON.")
    Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Summary NDJSON (default: stdout).")
    Path output;

    @Option(names = "--alerts", paramLabel = "FILE",
            description = "Also write summaries whose spread exceeds the alert threshold to FILE.")
    Path alerts;

    @Option(names = "--alert-bps", paramLabel = "BPS", defaultValue = AlertThresholds.DEFAULT_BPS,
            description = "Alert when the spread exceeds BPS basis points of the ask (default: ${DEFAULT-VALUE}, "
                    + "that is 0.1%%).")
    String alertBps;

    @Option(names = "--alert-bps-for", paramLabel = "PRODUCT=BPS", split = ",",
            description = "Per-product alert threshold, repeatable or comma-separated, e.g. --alert-bps-for "
                    + "BTC-USD=2.5")
    Map<String, String> alertBpsFor = new LinkedHashMap<>();

    @Option(names = "--scale", paramLabel = "N", defaultValue = "10",
            description = "Decimal places of the fixed-point prices and sizes, 10 to 18 (default: ${DEFAULT-VALUE}).")
    int scale;

    @Option(names = "--scale-for", paramLabel = "PRODUCT=PRICE_SCALE:SIZE_SCALE", split = ",",
            description = "Per-product scales, repeatable or comma-separated, e.g. --scale-for SHIB-USD=12:2")
    Map<String, String> scaleFor = new LinkedHashMap<>();

    @Option(names = "--no-sequence-check",
            description = "Do not treat a jump in Advanced Trade's sequence_num as lost messages. Use it for a file "
                    + "that interleaves several connections; by default the file is taken to be one connection's "
                    + "messages in order, as recorded.")
    boolean noSequenceCheck;

    @Option(names = "--max-line-bytes", paramLabel = "N", defaultValue = "" + CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES,
            description = "Longer lines are bad lines (default: ${DEFAULT-VALUE}).")
    int maxLineBytes;

    @Override
    public Integer call() throws IOException {
        final Replay.Options options;
        try {
            if (scale < 10 || scale > 18) {
                throw new IllegalArgumentException("--scale must be 10 to 18 (a product that needs fewer decimal "
                        + "places, for huge sizes, takes --scale-for), was " + scale);
            }
            options = new Replay.Options(AlertThresholds.of(alertBps, alertBpsFor),
                    ProductRegistry.open(scale, scale, Scales.parse(scaleFor)), maxLineBytes, 1000, !noSequenceCheck);
        } catch (final IllegalArgumentException e) {
            System.err.println("orderbook replay: " + e.getMessage());
            return 2;
        }
        final NdjsonReader reader;
        try {
            reader = NdjsonReader.open(input, maxLineBytes);
        } catch (final NoSuchFileException e) {
            System.err.println("orderbook replay: no such file: " + input);
            return 1;
        } catch (final IOException e) {
            System.err.println("orderbook replay: cannot read " + input + ": " + e);
            return 1;
        }
        try (reader;
             OutputStream out = output == null ? nonClosing(System.out) : Files.newOutputStream(output);
             OutputStream bufferedOut = new BufferedOutputStream(out, 1 << 18);
             OutputStream alertOut = alerts == null ? null
                     : new BufferedOutputStream(new FileOutputStream(alerts.toFile()), 1 << 16)) {
            final ReplayStats stats = Replay.run(reader, bufferedOut, alertOut, System.err, options);
            System.err.println(stats.toStatsLine());
            return 0;
        } catch (final IOException e) {
            System.err.println("orderbook replay: I/O error: " + e);
            return 1;
        }
    }

    private static OutputStream nonClosing(final OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(final byte[] b, final int off, final int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
    }
}
