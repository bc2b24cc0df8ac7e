package dev.orderbook.launcher;

import dev.orderbook.simulator.market.FeedFileGenerator;
import dev.orderbook.simulator.market.FeedFileOptions;
import dev.orderbook.simulator.market.FeedFileResult;
import dev.orderbook.simulator.market.Protocol;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code ./orderbook generate}: a synthetic feed file from the seeded market model. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {
            "Writes a SYNTHETIC Coinbase feed file (not real market data) from a seeded market model, in the exact "
                    + "wire format of either protocol: subscriptions, one deep snapshot per product, then batched "
                    + "updates (mostly near the top of book, a fraction deep), heartbeats. The same options give a "
                    + "byte-identical file. A name ending in .gz is gzip-compressed.",
            "Example (the large benchmark file): ./orderbook generate --output /tmp/feed.ndjson --changes 20000000 "
                    + "--levels 12000"})
final class GenerateCommand implements Callable<Integer> {
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Output NDJSON file.")
    Path output;

    @Option(names = "--protocol", defaultValue = "exchange", paramLabel = "exchange|advanced",
            description = "Wire protocol (default: ${DEFAULT-VALUE}).")
    String protocol;

    @Option(names = "--products", split = ",", paramLabel = "A,B,...",
            defaultValue = "BTC-USD,ETH-USD,SOL-USD,BTC-EUR", description = "Products (default: ${DEFAULT-VALUE}).")
    List<String> products;

    @Option(names = "--changes", defaultValue = "1000000", paramLabel = "N",
            description = "Level changes in updates, 0 for no limit (default: ${DEFAULT-VALUE}).")
    long changes;

    @Option(names = "--messages", defaultValue = "0", paramLabel = "N",
            description = "Update messages, 0 for no limit (default: ${DEFAULT-VALUE}).")
    long messages;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--levels", defaultValue = "10000", paramLabel = "N",
            description = "Target levels per side (default: ${DEFAULT-VALUE}).")
    int levels;

    @Option(names = "--deep-fraction", defaultValue = "0.2", paramLabel = "F",
            description = "Fraction of changes deep in the book, uniform over depth (default: ${DEFAULT-VALUE}).")
    double deepFraction;

    @Option(names = "--bad-line-every", defaultValue = "0", paramLabel = "N",
            description = "Add a malformed line after every N lines, for testing consumers; 0 for none "
                    + "(default: ${DEFAULT-VALUE}).")
    long badLineEvery;

    @Override
    public Integer call() {
        final FeedFileOptions options;
        try {
            final Protocol p = Protocol.valueOf(protocol.trim().toUpperCase(Locale.ROOT));
            options = FeedFileOptions.defaults()
                    .withProtocol(p)
                    .withProductIds(products)
                    .withLimits(changes, messages)
                    .withSeed(seed)
                    .withLevelsPerSide(levels)
                    .withDeepFraction(deepFraction)
                    .withBadLinePeriod(badLineEvery);
        } catch (final IllegalArgumentException e) {
            System.err.println("orderbook generate: " + e.getMessage());
            return 2;
        }
        final long t0 = System.nanoTime();
        try {
            final FeedFileResult r = FeedFileGenerator.generate(output, options);
            System.err.printf(Locale.ROOT,
                    "generated %s: synthetic, messages=%d changes=%d bad_lines=%d bytes=%d file_bytes=%d "
                            + "seconds=%.1f%n",
                    output, r.messages(), r.changes(), r.badLines(), r.bytes(), r.fileBytes(),
                    (System.nanoTime() - t0) / 1e9);
            return 0;
        } catch (final IOException e) {
            System.err.println("orderbook generate: cannot write " + output + ": " + e);
            return 1;
        }
    }
}
