package dev.orderbook.systemtest;

import dev.orderbook.kafka.embedded.EmbeddedKafkaBroker;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * The Kafka broker of the system tests, run in a JVM of its own (see {@link BrokerJvm}): a single-node KRaft
 * {@link EmbeddedKafkaBroker} with an optional proxied listener for a {@link TcpProxy}, on given ports and a given
 * log directory so that it can be killed and started again as the same broker, and with any broker property
 * overridden (say {@code log.segment.bytes} and {@code log.retention.check.interval.ms}, so that retention
 * deletes records within a test).
 *
 * <pre>
 * java -cp CLASSPATH dev.orderbook.systemtest.SystemTestBrokerMain [--port N] [--dir DIR]
 *     [--proxied-port N --proxy-advertised-port N] [--broker-property KEY=VALUE]...
 * </pre>
 *
 * <p>Once the broker accepts clients it prints one line to stdout ({@link #READY_LINE}):
 * <pre>
 * system-test broker ready port=41235 proxied-port=41236 proxy-advertised-port=41237 cluster-id=ID dir=DIR
 * </pre>
 * ({@code none} for the proxied ports without a proxied listener). On SIGTERM or SIGINT a shutdown hook stops the
 * broker cleanly and prints {@code system-test broker stopped}; the JVM then exits with 143 or 130. If the
 * broker cannot start it prints {@code system-test broker failed: REASON} and exits with 1; bad arguments exit
 * with 2. Logs go to stderr.
 *
 * <p>Why not {@code ./orderbook broker} with more options: a listener that advertises another process's port
 * only makes sense with a fault-injecting proxy in front of it, and would be a trap in the product's command
 * (clients bootstrapping there would be sent to a port nothing listens on). It lives here, in the system tests'
 * own module, next to the proxy it pairs with, and the product's {@code broker} command stays as it is. It is
 * in {@code src/main} rather than {@code src/test} because it is a program, not a test: it is compiled against
 * the module's declared dependencies and can be started by hand from {@code target/classes} to reproduce a
 * failure.
 */
@Command(name = "system-test-broker", mixinStandardHelpOptions = true,
    description = "A single-node Kafka broker (KRaft) for the system tests, with an optional proxied listener.")
public final class SystemTestBrokerMain implements Callable<Integer> {

    /** First words of the ready line. */
    public static final String READY_PREFIX = "system-test broker ready";
    /** The line printed after a clean stop. */
    public static final String STOPPED_LINE = "system-test broker stopped";
    /** First words of the line printed when the broker cannot start. */
    public static final String FAILED_PREFIX = "system-test broker failed: ";
    /**
     * The ready line. Groups, by number and name: 1 {@code port}, 2 {@code proxiedPort} and 3
     * {@code advertisedPort} (digits or {@link #NONE}), 4 {@code clusterId}, 5 {@code dir} (the rest of the line).
     */
    public static final Pattern READY_LINE = Pattern.compile("^" + Pattern.quote(READY_PREFIX)
        + " port=(?<port>\\d+) proxied-port=(?<proxiedPort>\\d+|none)"
        + " proxy-advertised-port=(?<advertisedPort>\\d+|none) cluster-id=(?<clusterId>\\S+) dir=(?<dir>.+)$");
    /** What the ready line says for the proxied ports of a broker without a proxied listener. */
    public static final String NONE = "none";

    /** Exit code when the broker could not start. */
    static final int EXIT_START_FAILED = 1;

    @Spec
    private CommandSpec spec;

    @Option(names = "--port", paramLabel = "N", description = "Client port (default: a free port).")
    private int port;

    @Option(names = "--proxied-port", paramLabel = "N",
        description = "Port of the proxied listener, 0 for a free one (default: no proxied listener).")
    private Integer proxiedPort;

    @Option(names = "--proxy-advertised-port", paramLabel = "N",
        description = "Port the proxied listener advertises on 127.0.0.1: the proxy's. Required with --proxied-port.")
    private Integer proxyAdvertisedPort;

    @Option(names = "--dir", paramLabel = "DIR",
        description = "Log directory, created if missing and kept (default: temporary, deleted on a clean stop).")
    private Path dir;

    @Option(names = "--broker-property", paramLabel = "KEY=VALUE",
        description = "A broker property (server.properties key); repeatable.")
    private Map<String, String> brokerProperties = new LinkedHashMap<>();

    private final PrintStream out;

    SystemTestBrokerMain(final PrintStream out) {
        this.out = out;
    }

    /**
     * Starts the broker and returns; Kafka's threads keep the JVM running until SIGTERM.
     *
     * @param args as described above
     */
    public static void main(final String[] args) {
        final int exit = commandLine(System.out).execute(args);
        if (exit != 0) {
            System.exit(exit);
        }
    }

    static CommandLine commandLine(final PrintStream out) {
        return new CommandLine(new SystemTestBrokerMain(out));
    }

    /**
     * Formats the ready line of a running broker.
     *
     * @param port the client port
     * @param proxiedPort the proxied listener's port, or {@link EmbeddedKafkaBroker#NO_PORT}
     * @param advertisedPort the port the proxied listener advertises, or {@link EmbeddedKafkaBroker#NO_PORT}
     * @param clusterId the KRaft cluster id
     * @param dir the log directory
     * @return the line, without line end, matching {@link #READY_LINE}
     */
    static String readyLine(final int port, final int proxiedPort, final int advertisedPort, final String clusterId,
                            final Path dir) {
        return READY_PREFIX + " port=" + port
            + " proxied-port=" + portOrNone(proxiedPort)
            + " proxy-advertised-port=" + portOrNone(advertisedPort)
            + " cluster-id=" + clusterId
            + " dir=" + dir;
    }

    /**
     * Parses a port of the ready line.
     *
     * @param value digits or {@link #NONE}
     * @return the port, or {@link EmbeddedKafkaBroker#NO_PORT} for {@link #NONE}
     */
    static int parsePort(final String value) {
        return NONE.equals(value) ? EmbeddedKafkaBroker.NO_PORT : Integer.parseInt(value);
    }

    private static String portOrNone(final int port) {
        return port == EmbeddedKafkaBroker.NO_PORT ? NONE : Integer.toString(port);
    }

    /**
     * Applies the options to a broker builder.
     *
     * @return the builder, ready to start
     * @throws ParameterException if the proxied ports are not given together, or a property may not be set
     */
    EmbeddedKafkaBroker.Builder builder() {
        if ((proxiedPort == null) != (proxyAdvertisedPort == null)) {
            throw new ParameterException(spec.commandLine(),
                "--proxied-port and --proxy-advertised-port go together");
        }
        try {
            final EmbeddedKafkaBroker.Builder builder = EmbeddedKafkaBroker.builder()
                .port(port)
                .brokerProperties(brokerProperties);
            if (proxiedPort != null) {
                builder.proxiedListener(proxiedPort, proxyAdvertisedPort);
            }
            if (dir != null) {
                builder.logDir(dir);
            }
            return builder;
        } catch (final IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    @Override
    public Integer call() {
        final EmbeddedKafkaBroker.Builder builder = builder();
        final EmbeddedKafkaBroker broker;
        try {
            broker = builder.start();
        } catch (final RuntimeException e) {
            out.println(FAILED_PREFIX + rootMessage(e));
            out.flush();
            return EXIT_START_FAILED;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            out.println(STOPPED_LINE);
            out.flush();
        }, "system-test-broker-shutdown"));
        out.println(readyLine(broker.port(), broker.proxiedPort(), broker.proxiedAdvertisedPort(),
            broker.clusterId(), broker.logDir()));
        out.flush();
        return 0;
    }

    private static String rootMessage(final Throwable e) {
        final Throwable cause = e.getCause();
        if (cause != null && cause != e) {
            return rootMessage(cause);
        }
        return e.getMessage() == null ? e.toString() : e.getMessage();
    }
}
