package dev.orderbook.launcher;

import dev.orderbook.book.replay.BookBench;
import dev.orderbook.common.codec.CoinbaseDecoder;
import dev.orderbook.common.io.NdjsonReader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ./orderbook bench ...}: benchmarks that run on a recorded feed. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks on a recorded feed file.",
        subcommands = {BenchCommand.Book.class})
final class BenchCommand implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "book", mixinStandardHelpOptions = true,
            description = {
                "Times the order book alone: reads and decodes FILE fully into memory, then after warm-up passes on "
                        + "fresh books times loading every snapshot, applying every change and reading the top of "
                        + "book after every message, on one thread.",
                "Prints one line: book changes=... seconds=... changes_per_sec=... (median of the timed passes; "
                        + "snapshot levels are loaded in the timed region but not counted as changes)."})
    static final class Book implements Callable<Integer> {
        @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE", description = "Recorded feed.")
        Path input;

        @Option(names = "--warmup", defaultValue = "1", description = "Warm-up passes (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--passes", defaultValue = "3", description = "Timed passes (default: ${DEFAULT-VALUE}).")
        int passes;

        @Override
        public Integer call() {
            if (passes < 1 || warmup < 0) {
                System.err.println("orderbook bench book: --passes must be >= 1 and --warmup >= 0");
                return 2;
            }
            final BookBench bench;
            try (NdjsonReader reader = NdjsonReader.open(input, CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES)) {
                bench = BookBench.load(reader);
            } catch (final IOException e) {
                System.err.println("orderbook bench book: cannot read " + input + ": " + e);
                return 1;
            }
            if (bench.badLines() > 0) {
                System.err.println("orderbook bench book: skipped " + bench.badLines() + " bad lines");
            }
            System.out.println(bench.run(warmup, passes).toLine());
            return 0;
        }
    }
}
