package dev.orderbook.book;

import dev.orderbook.book.service.BookProcessorService;
import dev.orderbook.contract.TopicSetup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the book processor with its configuration from {@code ORDERBOOK_*} environment variables
 * ({@link BookProcessorConfig#fromEnv}), until the JVM is stopped. Wiring only; {@code ./orderbook process} is the
 * command-line way in.
 */
public final class BookProcessorMain {
    private static final Logger log = LoggerFactory.getLogger(BookProcessorMain.class);

    private BookProcessorMain() {
    }

    public static void main(final String[] args) throws InterruptedException {
        final BookProcessorConfig config;
        try {
            config = BookProcessorConfig.fromEnv(System.getenv());
        } catch (final IllegalArgumentException e) {
            System.err.println("book processor: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(run(config));
    }

    /** Runs until the service stops or the JVM shuts down; returns an exit code. */
    public static int run(final BookProcessorConfig config) throws InterruptedException {
        final BookProcessorService service;
        try {
            service = BookProcessorService.start(config);
        } catch (final TopicSetup.SetupException e) {
            log.error("Cannot start the book processor: {}", e.getMessage());
            return 1;
        }
        final Thread hook = new Thread(service::close, "book-processor-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        service.awaitStop();
        return service.streams().state() == org.apache.kafka.streams.KafkaStreams.State.ERROR ? 1 : 0;
    }
}
