package dev.orderbook.systemtest;

import dev.orderbook.kafka.embedded.EmbeddedKafkaBroker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.MatchResult;

/**
 * A Kafka broker in a JVM of its own ({@link SystemTestBrokerMain} in a {@link ChildJvm}), which a test can kill
 * with SIGKILL and start again as the same broker: same client port, same proxied listener, same log directory,
 * so clients that knew it reconnect to it and find their topics and offsets.
 *
 * <pre>{@code
 * final int proxiedPort = LoopbackPorts.free();
 * try (TcpProxy proxy = TcpProxy.start("127.0.0.1", proxiedPort);
 *      BrokerJvm broker = BrokerJvm.builder("FaultIT.shouldX", dataDir)
 *          .proxiedListener(proxiedPort, proxy.port())
 *          .brokerProperty("log.retention.check.interval.ms", "1000")
 *          .start()) {
 *     // broker.bootstrapServers(): direct; broker.proxiedBootstrapServers(): through the proxy
 *     broker.kill9();
 *     broker.restart();
 * }
 * }</pre>
 *
 * <p>The first start may take free ports (port 0); every later start uses the ports the first one printed. Output
 * files: {@code broker.out}/{@code .err}, then {@code broker-2.*} after a restart, and so on (see
 * {@link ChildJvm}).
 *
 * <p>Two defaults keep restarts short; both can be overridden. {@link #FAST_RESTART_PROPERTIES}: a broker started
 * again after SIGKILL cannot register until the controller has given up on the killed incarnation, which takes
 * {@code broker.session.timeout.ms} (9 s by default: a restart after SIGKILL took 12.8 s on the build machine,
 * most of it answered with {@code DUPLICATE_BROKER_REGISTRATION}).
 * {@link #JVM_OPTIONS_DEFAULT}: the broker is the tests' infrastructure, not what they test; on the 2-core build
 * machine under a load average of 7 to 9 (other builds), a start or a restart after SIGKILL took 5.4 to 7.0 s with
 * these options and 7.0 to 13.2 s without.
 *
 * <p>Threading: not thread-safe; drive it from the test's thread.
 */
public final class BrokerJvm implements AutoCloseable {

    /** How long a start may take before the test fails: JVM start, format, election, registration. */
    public static final Duration START_TIMEOUT_DEFAULT = Duration.ofSeconds(60);
    /** How long {@link #terminate()} waits for a clean stop before SIGKILL. */
    public static final Duration STOP_GRACE_DEFAULT = Duration.ofSeconds(30);
    /**
     * Broker properties set unless {@link Builder#brokerProperty(String, String)} says otherwise: the controller
     * fences a broker that has not sent a heartbeat for 3 s instead of 9 s, so that a broker killed with SIGKILL
     * can register again about 3 s after it is restarted; heartbeats every 500 ms instead of 2 s so that a live
     * broker is not fenced. The cost: a broker JVM frozen for more than 3 s (SIGSTOP, a long pause) may fence
     * itself when it resumes, before its next heartbeat unfences it.
     */
    public static final Map<String, String> FAST_RESTART_PROPERTIES = Map.of(
        "broker.session.timeout.ms", "3000",
        "broker.heartbeat.interval.ms", "500");
    /**
     * JVM options of the broker process unless {@link Builder#jvmOptions(List)} replaces them: the C1 compiler
     * only and the serial collector, which leave the CPUs to the JVMs under test and start Kafka in about half the
     * time on a busy 2-core machine.
     */
    public static final List<String> JVM_OPTIONS_DEFAULT = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    private final Builder builder;
    private ChildJvm process;
    private int port;
    private int proxiedPort;
    private final int proxiedAdvertisedPort;
    private String clusterId;

    private BrokerJvm(final Builder builder) {
        this.builder = builder;
        this.port = builder.port;
        this.proxiedPort = builder.proxiedPort;
        this.proxiedAdvertisedPort = builder.proxiedAdvertisedPort;
    }

    /**
     * Returns a builder of a broker JVM.
     *
     * @param testName the test's name, for the output files (see {@link ChildJvm#builder(String, String)})
     * @param dir the broker's log directory, created if missing and kept (a test's temporary directory)
     * @return a new builder, never null
     */
    public static Builder builder(final String testName, final Path dir) {
        return new Builder(Objects.requireNonNull(testName, "testName"), Objects.requireNonNull(dir, "dir"));
    }

    /**
     * Returns the client port of the normal listener.
     *
     * @return the port, 1 to 65535
     */
    public int port() {
        return port;
    }

    /**
     * Returns the address of the normal listener, which no proxy is in front of.
     *
     * @return {@code 127.0.0.1:PORT}, never null
     */
    public String bootstrapServers() {
        return EmbeddedKafkaBroker.LOOPBACK_HOST + ":" + port;
    }

    /**
     * Returns the port of the proxied listener: the proxy's target.
     *
     * @return the port, or {@link EmbeddedKafkaBroker#NO_PORT} without a proxied listener
     */
    public int proxiedPort() {
        return proxiedPort;
    }

    /**
     * Returns the address clients use to reach the broker through the proxy: the proxied listener's advertised
     * one.
     *
     * @return {@code 127.0.0.1:PROXY_PORT}, never null
     * @throws IllegalStateException without a proxied listener
     */
    public String proxiedBootstrapServers() {
        if (proxiedPort == EmbeddedKafkaBroker.NO_PORT) {
            throw new IllegalStateException("This broker has no proxied listener");
        }
        return EmbeddedKafkaBroker.LOOPBACK_HOST + ":" + proxiedAdvertisedPort;
    }

    /**
     * Returns the broker's log directory.
     *
     * @return the directory given to {@link #builder(String, Path)}, absolute
     */
    public Path dir() {
        return builder.dir;
    }

    /**
     * Returns the KRaft cluster id, the same after every restart.
     *
     * @return the id the broker printed, never null
     */
    public String clusterId() {
        return clusterId;
    }

    /**
     * Returns the current broker process, for its pid, output files or signals.
     *
     * @return the process of the latest start, running or not; never null
     */
    public ChildJvm process() {
        return process;
    }

    /**
     * Tells whether the broker process is running.
     *
     * @return true if the latest start's process has not exited
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Kills the broker with SIGKILL: no controlled shutdown, no flush; what the log directory holds is what a
     * crash leaves.
     *
     * @return the exit code, {@link ChildJvm#EXIT_SIGKILL}
     */
    public int kill9() {
        return process.kill9();
    }

    /**
     * Stops the broker with SIGTERM (a controlled shutdown), or SIGKILL after {@link #STOP_GRACE_DEFAULT}.
     *
     * @return the exit code: {@link ChildJvm#EXIT_SIGTERM} after a clean stop
     */
    public int terminate() {
        return process.terminate(STOP_GRACE_DEFAULT);
    }

    /**
     * Starts the broker again on the same ports and log directory, killing it first (SIGKILL) if it still runs,
     * and waits until it accepts clients.
     *
     * @throws IllegalStateException if it does not start in time, or comes back on other ports or as another
     *     cluster
     */
    public void restart() {
        process.kill9();
        final String previousClusterId = clusterId;
        launch();
        if (!clusterId.equals(previousClusterId)) {
            throw new IllegalStateException("The broker came back as cluster " + clusterId + ", was "
                + previousClusterId);
        }
    }

    /** Kills the broker (SIGKILL) if it still runs; the log directory is kept. Idempotent. */
    @Override
    public void close() {
        if (process != null) {
            process.kill9();
        }
    }

    @Override
    public String toString() {
        return "BrokerJvm[" + bootstrapServers() + ", dir=" + builder.dir + "]";
    }

    /** Starts a process with the current ports and reads back the ones it bound. */
    private void launch() {
        final List<String> args = new ArrayList<>(List.of(
            "--port", Integer.toString(port),
            "--dir", builder.dir.toString()));
        if (proxiedAdvertisedPort != EmbeddedKafkaBroker.NO_PORT) {
            args.addAll(List.of(
                "--proxied-port", Integer.toString(proxiedPort),
                "--proxy-advertised-port", Integer.toString(proxiedAdvertisedPort)));
        }
        builder.brokerProperties.forEach((key, value) -> args.addAll(List.of("--broker-property", key + "=" + value)));
        final ChildJvm.Builder child = ChildJvm.builder(builder.testName, builder.processName)
            .mainClass(SystemTestBrokerMain.class.getName())
            .args(args);
        builder.jvmOptions.forEach(child::jvmOption);
        process = child.start();
        final MatchResult ready;
        try {
            ready = process.awaitOutput(SystemTestBrokerMain.READY_LINE, builder.startTimeout);
        } catch (final RuntimeException e) {
            process.kill9();
            throw e;
        }
        final int boundPort = Integer.parseInt(ready.group(1));
        final int boundProxiedPort = SystemTestBrokerMain.parsePort(ready.group(2));
        if (port != 0 && boundPort != port
            || proxiedPort > 0 && boundProxiedPort != proxiedPort) {
            process.kill9();
            throw new IllegalStateException("The broker came back on other ports: " + ready.group());
        }
        port = boundPort;
        proxiedPort = boundProxiedPort;
        clusterId = ready.group(4);
    }

    /** Builds a {@link BrokerJvm}. Not thread-safe. */
    public static final class Builder {
        private final String testName;
        private final Path dir;
        private String processName = "broker";
        private int port;
        private int proxiedPort = EmbeddedKafkaBroker.NO_PORT;
        private int proxiedAdvertisedPort = EmbeddedKafkaBroker.NO_PORT;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>(FAST_RESTART_PROPERTIES);
        private final List<String> jvmOptions = new ArrayList<>(JVM_OPTIONS_DEFAULT);
        private Duration startTimeout = START_TIMEOUT_DEFAULT;

        private Builder(final String testName, final Path dir) {
            this.testName = testName;
            this.dir = dir.toAbsolutePath();
        }

        /**
         * Sets the name of the output files.
         *
         * @param name default {@code broker}
         * @return this builder
         */
        public Builder processName(final String name) {
            this.processName = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the normal listener's port.
         *
         * @param value 1 to 65535, or 0 (the default) for a free one, kept across restarts
         * @return this builder
         */
        public Builder port(final int value) {
            this.port = value;
            return this;
        }

        /**
         * Adds the proxied listener (see {@code EmbeddedKafkaBroker.Builder#proxiedListener}).
         *
         * @param listenPort the port the listener binds, where the proxy forwards to; 0 for a free one
         * @param advertisedPort the proxy's port
         * @return this builder
         */
        public Builder proxiedListener(final int listenPort, final int advertisedPort) {
            this.proxiedPort = listenPort;
            this.proxiedAdvertisedPort = advertisedPort;
            return this;
        }

        /**
         * Overrides a broker property, such as {@code log.segment.bytes}, or one of
         * {@link #FAST_RESTART_PROPERTIES}.
         *
         * @param key a {@code server.properties} key; not one of the listener, quorum or storage keys, which the
         *     broker JVM refuses (it exits with 2 and {@link #start()} fails with its message)
         * @param value its value
         * @return this builder
         */
        public Builder brokerProperty(final String key, final String value) {
            brokerProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Appends a JVM option of the broker process, after the current ones.
         *
         * @param option such as {@code -Dkey=value}
         * @return this builder
         */
        public Builder jvmOption(final String option) {
            jvmOptions.add(Objects.requireNonNull(option, "option"));
            return this;
        }

        /**
         * Replaces the JVM options of the broker process, {@link #JVM_OPTIONS_DEFAULT} included (the heap is set
         * apart, to {@link ChildJvm#DEFAULT_MAX_HEAP}).
         *
         * @param options the options, in order; may be empty
         * @return this builder
         */
        public Builder jvmOptions(final List<String> options) {
            jvmOptions.clear();
            options.forEach(this::jvmOption);
            return this;
        }

        /**
         * Sets how long a start may take.
         *
         * @param timeout default {@link #START_TIMEOUT_DEFAULT}
         * @return this builder
         */
        public Builder startTimeout(final Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /**
         * Starts the broker JVM and waits until the broker accepts clients.
         *
         * @return the running broker; close it when done
         * @throws IllegalStateException if it does not print its ready line in time (the message carries the end
         *     of its log)
         */
        public BrokerJvm start() {
            final BrokerJvm broker = new BrokerJvm(this);
            broker.launch();
            return broker;
        }
    }
}
