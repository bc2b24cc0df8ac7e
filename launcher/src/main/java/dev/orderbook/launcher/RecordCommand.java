package dev.orderbook.launcher;

import dev.orderbook.ingestor.auth.Credentials;
import dev.orderbook.ingestor.coinbase.CoinbaseFeedClient;
import dev.orderbook.ingestor.coinbase.FeedClientConfig;
import dev.orderbook.ingestor.file.FeedRecorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** {@code ./orderbook record}: a live feed captured verbatim to an NDJSON file that replay and publish read. */
@Command(name = "record", mixinStandardHelpOptions = true,
        description = {
            "Connects to a Coinbase market-data WebSocket and writes every frame verbatim, one per line, to an "
                    + "NDJSON file (.gz compresses), with a gap marker line wherever continuity was lost, so that "
                    + "./orderbook replay marks the book stale exactly where the live one was. Runs for --duration "
                    + "seconds or until Ctrl-C; ends with one line of statistics on stderr."})
final class RecordCommand implements Callable<Integer> {
    @Mixin
    FeedOptions feed;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.ndjson[.gz]",
            description = "File to write (replaced if it exists).")
    Path output;

    @Option(names = "--duration", paramLabel = "SECONDS",
            description = "Stop after this many seconds (default: run until Ctrl-C).")
    Long durationSeconds;

    @Override
    public Integer call() throws InterruptedException {
        final FeedClientConfig config;
        final Credentials credentials;
        try {
            config = feed.clientConfig();
            credentials = feed.credentials();
            if (durationSeconds != null && durationSeconds <= 0) {
                throw new IllegalArgumentException("--duration must be positive, was " + durationSeconds);
            }
        } catch (final IllegalArgumentException e) {
            System.err.println("orderbook record: " + e.getMessage());
            return 2;
        } catch (final IOException e) {
            System.err.println("orderbook record: cannot read the credentials file: " + e);
            return 2;
        }
        final FeedRecorder recorder;
        try {
            recorder = FeedRecorder.open(output);
        } catch (final IOException e) {
            System.err.println("orderbook record: cannot write " + output + ": " + e);
            return 1;
        }
        // Longer than the worst case below (the client's close, then the file's), so the gzip stream ends.
        final ShutdownSignal stop = new ShutdownSignal("record-shutdown", Duration.ofSeconds(30));
        final CoinbaseFeedClient client = CoinbaseFeedClient.start(config, recorder, credentials);
        System.err.println("orderbook record: recording " + config.productIds() + " from " + config.url() + " to "
                + output);
        int exit = 0;
        try {
            final long deadline = durationSeconds == null ? Long.MAX_VALUE
                    : System.nanoTime() + TimeUnit.SECONDS.toNanos(durationSeconds);
            while (!stop.await(1, TimeUnit.SECONDS) && System.nanoTime() < deadline) {
                recorder.flush();
            }
        } catch (final IOException e) {
            System.err.println("orderbook record: writing " + output + " failed: " + e);
            exit = 1;
        } finally {
            client.close();
            try {
                recorder.close();
                System.err.println(recorder.statsLine());
            } catch (final IOException e) {
                System.err.println("orderbook record: writing " + output + " failed: " + e);
                exit = 1;
            } finally {
                stop.close();
            }
        }
        return exit;
    }
}
