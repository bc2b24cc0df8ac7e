package dev.orderbook.book;

import dev.orderbook.book.service.BookProcessorService;
import dev.orderbook.contract.KafkaClientConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The book processor in a JVM of its own, for tests that kill it ({@link ProcessorKillIT}): the configuration of
 * {@link BookProcessorIT#config} with the given topics, state, port and Kafka client properties, passed as
 * arguments. The product's way in is {@code ./orderbook process} (the launcher module, which this module cannot see).
 */
final class ProcessorChildMain {
    private ProcessorChildMain() {
    }

    /** The arguments that make {@link #main} run {@code config} with its HTTP server on {@code port}. */
    static List<String> args(final BookProcessorConfig config, final int port) {
        final List<String> args = new ArrayList<>(List.of(config.bootstrapServers(), config.applicationId(),
                config.stateDir().toString(), Integer.toString(port), config.rawTopic(), config.summariesTopic(),
                config.alertsTopic(), config.dlqTopic(), config.controlTopic(), String.join(",", config.products()),
                Long.toString(config.staleAfterMs())));
        config.kafka().properties().forEach((k, v) -> args.add(k + "=" + v));
        return args;
    }

    public static void main(final String[] args) throws InterruptedException {
        final BookProcessorConfig.Builder b = BookProcessorConfig.builder();
        final Map<String, String> properties = new java.util.TreeMap<>();
        for (int i = 11; i < args.length; i++) {
            final int eq = args[i].indexOf('=');
            properties.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        b.kafka = KafkaClientConfig.of(args[0], properties);
        b.applicationId = args[1];
        b.stateDir = Path.of(args[2]);
        b.httpHost = "127.0.0.1";
        b.httpPort = Integer.parseInt(args[3]);
        b.rawTopic = args[4];
        b.summariesTopic = args[5];
        b.alertsTopic = args[6];
        b.dlqTopic = args[7];
        b.controlTopic = args[8];
        b.products = List.of(args[9].split(","));
        b.staleAfterMs = Long.parseLong(args[10]);
        final BookProcessorService service = BookProcessorService.start(b.build());
        Runtime.getRuntime().addShutdownHook(new Thread(service::close, "processor-child-shutdown"));
        service.awaitStop();
    }
}
