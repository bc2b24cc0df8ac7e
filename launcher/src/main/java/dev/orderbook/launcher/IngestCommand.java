package dev.orderbook.launcher;

import dev.orderbook.ingestor.service.IngestorService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.concurrent.Callable;

/** {@code ./orderbook ingest}: the ingestor service, live feed to the raw topic, until stopped. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = {
            "Runs the ingestor until Ctrl-C (or SIGTERM): connects to a Coinbase market-data WebSocket, subscribes "
                    + "to the products, and publishes every snapshot and update verbatim to the raw topic, keyed by "
                    + "product, with receive-time and session headers. Lost continuity (disconnect, sequence gap, "
                    + "silence, unparseable frame, Kafka trouble) becomes a gap marker for the products concerned, "
                    + "and a reconnect brings fresh snapshots.",
            "Creates the raw and dead-letter topics when missing. HTTP: /health (200 when connected and every "
                    + "product live), /health/live, /metrics (Prometheus)."})
final class IngestCommand implements Callable<Integer> {
    @Mixin
    FeedOptions feed;

    @Mixin
    KafkaPublishOptions kafka;

    @Option(names = "--http-port", defaultValue = "8081", paramLabel = "N",
            description = "HTTP port for health and metrics; 0 for a free one, -1 for none (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--http-host", defaultValue = "0.0.0.0", paramLabel = "HOST",
            description = "Address the HTTP endpoints bind (default: ${DEFAULT-VALUE}).")
    String httpHost;

    @Override
    public Integer call() throws InterruptedException {
        final IngestorService.Config config;
        try {
            final var client = feed.clientConfig();
            config = new IngestorService.Config(client, kafka.config(client.productIds()), kafka.partitions,
                    kafka.retention(), kafka.kafkaTimeout(), httpHost, httpPort, feed.credentials());
        } catch (final IllegalArgumentException e) {
            System.err.println("orderbook ingest: " + e.getMessage());
            return 2;
        } catch (final IOException e) {
            System.err.println("orderbook ingest: cannot read the credentials file: " + e);
            return 2;
        }
        final IngestorService service;
        try {
            service = IngestorService.start(config);
        } catch (final IllegalStateException e) {
            System.err.println("orderbook ingest: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "ingestor-shutdown"));
        System.err.println("orderbook ingest: publishing " + config.feed().productIds() + " from "
                + config.feed().url() + " to " + config.publisher().rawTopic() + " on "
                + config.publisher().bootstrapServers() + (service.httpPort() >= 0
                ? "; health on http://" + httpHost + ":" + service.httpPort() + "/health" : ""));
        service.awaitStop();
        return 0;
    }
}
