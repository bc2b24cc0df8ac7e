package dev.orderbook.kafka.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs an {@link EmbeddedKafkaBroker} in the foreground for {@code ./orderbook broker [--port N] [--dir DIR]}:
 * starts it, prints one line with its bootstrap address, and serves until the JVM shuts down (Ctrl-C) or the
 * calling thread is interrupted. A shutdown hook stops the broker cleanly, so the log directory is consistent
 * and a temporary one is deleted.
 *
 * <p>Threading: {@link #run(Integer, Path, PrintStream)} blocks the calling thread; call it from the launcher's
 * main thread. Stateless otherwise.
 */
public final class StandaloneBroker {

    private static final Logger log = LoggerFactory.getLogger(StandaloneBroker.class);

    /** Exit code after a clean stop. */
    public static final int EXIT_OK = 0;
    /** Exit code when the broker could not start. */
    public static final int EXIT_START_FAILED = 1;

    private StandaloneBroker() {
    }

    /**
     * Starts a broker and blocks until JVM shutdown or interruption, then stops it.
     *
     * @param port client port on 127.0.0.1; null for a free port
     * @param dir log directory, created if missing and kept; null for a temporary one deleted on stop
     * @param out where the single status line goes: {@code Kafka broker (KRaft) ready at 127.0.0.1:PORT; Ctrl-C to
     *     stop}, or {@code Kafka broker failed to start: REASON}
     * @return {@link #EXIT_OK} after a clean stop (the interrupt flag is restored if interrupted), or
     *     {@link #EXIT_START_FAILED}
     */
    public static int run(final Integer port, final Path dir, final PrintStream out) {
        final EmbeddedKafkaBroker broker;
        try {
            final EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder();
            if (port != null) {
                builder.port(port);
            }
            if (dir != null) {
                builder.logDir(dir);
            }
            broker = builder.start();
        } catch (final RuntimeException e) {
            log.error("Kafka broker failed to start. port=[{}] dir=[{}]", port, dir, e);
            out.println("Kafka broker failed to start: " + rootMessage(e));
            out.flush();
            return EXIT_START_FAILED;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        final Thread hook = new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "orderbook-kafka-broker-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out.println("Kafka broker (KRaft) ready at " + broker.bootstrapServers() + "; Ctrl-C to stop");
        out.flush();
        try {
            stopped.await();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            removeShutdownHook(hook);
            broker.close();
        }
        return EXIT_OK;
    }

    private static void removeShutdownHook(final Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (final IllegalStateException e) {
            // The JVM is already shutting down and the hook is running (or has run) close().
            log.debug("Shutdown in progress; the hook stops the broker");
        }
    }

    private static String rootMessage(final Throwable e) {
        final Throwable cause = e.getCause();
        if (cause != null && cause != e) {
            return rootMessage(cause);
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
