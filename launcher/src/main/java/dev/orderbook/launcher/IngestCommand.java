package dev.orderbook.launcher;

import dev.orderbook.contract.KafkaAccessErrors;
import dev.orderbook.contract.Topics;
import dev.orderbook.ingestor.service.ControlOptions;
import dev.orderbook.ingestor.service.IngestorService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code ./orderbook ingest}: the ingestor service, live feed to the raw topic, until stopped. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = {
            "Runs the ingestor until Ctrl-C (or SIGTERM): connects to a Coinbase market-data WebSocket, subscribes "
                    + "to the products, and publishes every snapshot and update verbatim to the raw topic, keyed by "
                    + "product, with receive-time and session headers. Lost continuity (disconnect, sequence gap, "
                    + "silence, unparseable frame, Kafka trouble) becomes a gap marker for the products concerned, "
                    + "and a reconnect brings fresh snapshots.",
            "Ingestors started for the same products (--group-id) elect one that publishes; the others stand by and "
                    + "take over within about --session-timeout when it dies. A new active ingestor first writes a "
                    + "startup marker for every product; while healthy it writes a liveness record per product each "
                    + "second. It reads the processor's snapshot requests from --control-topic.",
            "Creates the raw, dead-letter and control topics when missing. HTTP: /health (readiness: 200 when active, "
                    + "connected and every product live, or a healthy standby), /health/live (liveness), /metrics "
                    + "(Prometheus). Exits with 70 if its worker fails."})
final class IngestCommand implements Callable<Integer> {
    /** The ingestor stopped on its own because its worker failed (EX_SOFTWARE). */
    static final int EXIT_FAILED = 70;

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

    @Option(names = "--control-topic", defaultValue = Topics.CONTROL_DEFAULT, paramLabel = "TOPIC",
            description = "Its one partition decides which ingestor publishes; it carries the processor's snapshot "
                    + "requests (default: ${DEFAULT-VALUE}).")
    String controlTopic;

    @Option(names = "--group-id", defaultValue = ControlOptions.GROUP_ID_DEFAULT, paramLabel = "ID",
            description = "Ingestors of the same products share this group: one publishes, the others stand by "
                    + "(default: ${DEFAULT-VALUE}).")
    String groupId;

    @Option(names = "--session-timeout", defaultValue = "6s", paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "How long the group waits for a silent ingestor before a standby takes over; at least the "
                    + "broker's group.min.session.timeout.ms (default: ${DEFAULT-VALUE}).")
    Duration sessionTimeout;

    @Override
    public Integer call() throws InterruptedException {
        final IngestorService.Config config;
        try {
            config = config();
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
        // A failed worker has said what happened at ERROR; the exit code lets an orchestrator restart the process.
        if (service.failed() != null) {
            KafkaAccessErrors.explain(service.failed()).ifPresent(m -> System.err.println("orderbook ingest: " + m));
            return EXIT_FAILED;
        }
        return 0;
    }

    /**
     * The service's configuration from the options; {@link IllegalArgumentException} with a one-line message for
     * bad values.
     */
    IngestorService.Config config() throws IOException {
        final var client = feed.clientConfig();
        return new IngestorService.Config(client, kafka.config(client.productIds()), kafka.partitions,
                kafka.retention(), kafka.kafkaTimeout(), httpHost, httpPort, feed.credentials(),
                ControlOptions.defaults().withTopic(controlTopic).withGroupId(groupId)
                        .withSessionTimeout(sessionTimeout));
    }
}
