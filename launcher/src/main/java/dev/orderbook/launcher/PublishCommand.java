package dev.orderbook.launcher;

import dev.orderbook.ingestor.file.FilePublisher;
import dev.orderbook.ingestor.file.Pacing;
import dev.orderbook.ingestor.publish.PublisherConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ./orderbook publish}: a recorded file to the raw topic, exactly as the live ingestor would write it. */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = {
            "Publishes a recorded feed file (NDJSON or .gz, as record writes or generate makes) to the raw topic "
                    + "as the live ingestor would: the same keys, Advanced Trade split, headers, gap markers, "
                    + "dead letters and topic setup. The file is one session (a new session id; the line number "
                    + "is the session counter). Exits non-zero if Kafka failed any record.",
            "--rate max sends as fast as Kafka takes it; original keeps the recorded spacing (from the messages' "
                    + "time fields); Nx is N times the original speed."})
final class PublishCommand implements Callable<Integer> {
    @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE", description = "Recorded feed file.")
    Path input;

    @Option(names = "--products", split = ",", paramLabel = "A,B,...", defaultValue = "BTC-USD,ETH-USD",
            description = "The products, in the same order as the live ingestor's --products (their partition "
                    + "order); lines of other products are dead-lettered (default: ${DEFAULT-VALUE}).")
    List<String> products;

    @Option(names = "--rate", defaultValue = "max", paramLabel = "max|original|Nx",
            description = "Pace (default: ${DEFAULT-VALUE}).")
    String rate;

    @Mixin
    KafkaPublishOptions kafka;

    @Override
    public Integer call() {
        final PublisherConfig config;
        final Pacing pacing;
        try {
            config = kafka.config(products);
            pacing = Pacing.parse(rate);
            kafka.retention();
            kafka.kafkaTimeout();
        } catch (final IllegalArgumentException e) {
            System.err.println("orderbook publish: " + e.getMessage());
            return 2;
        }
        if (!Files.isReadable(input)) {
            System.err.println("orderbook publish: cannot read " + input);
            return 1;
        }
        try {
            final FilePublisher.Stats stats = FilePublisher.publish(input, config, pacing, kafka.partitions,
                    kafka.retention(), kafka.kafkaTimeout());
            System.err.println(stats.line());
            return stats.publishFailures() == 0 ? 0 : 1;
        } catch (final IllegalStateException e) {
            System.err.println("orderbook publish: " + e.getMessage());
            return 1;
        } catch (final IOException e) {
            System.err.println("orderbook publish: reading " + input + " failed: " + e);
            return 1;
        }
    }
}
