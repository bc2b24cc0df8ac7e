package dev.orderbook.kafka.embedded;

import dev.orderbook.contract.Limits;
import kafka.server.BrokerServer;
import kafka.server.ControllerServer;
import kafka.server.FaultHandlerFactory;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.server.SharedServer;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.metadata.bootstrap.BootstrapMetadata;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.ServerSocketFactory;
import org.apache.kafka.server.fault.FaultHandler;
import org.apache.kafka.server.fault.FaultHandlerException;
import org.apache.kafka.server.fault.LoggingFaultHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import scala.Tuple2;

/**
 * A real single-node Apache Kafka broker in KRaft mode (combined broker and controller, node id 1), started
 * in this JVM from the Kafka jars, listening on loopback ({@code 127.0.0.1}) only.
 *
 * <p>Start one with {@link #start()} or {@link #builder()}: the client listener gets a free port (or the one
 * given to {@link Builder#port(int)}), the controller listener always gets a free port, and the data lives in
 * a fresh temporary directory (or the one given to {@link Builder#logDir(Path)}). The directory is formatted
 * with Kafka's storage {@link Formatter} (what {@code kafka-storage.sh format} does) unless it already holds a
 * formatted broker, so a given directory keeps its topics across restarts. Every port is bound by this class
 * before Kafka starts and handed to Kafka's socket server, so there is no window in which another process
 * could take them.
 *
 * <p>A second client listener for tests that put a proxy between clients and the broker
 * ({@link Builder#proxiedListener(int, int)}): Kafka clients connect to the address the broker advertises, not
 * to the one they bootstrapped from, so a proxy in front of the normal listener is bypassed after the first
 * metadata request. The proxied listener binds a port of its own but advertises another one on 127.0.0.1 (the
 * proxy's); a client that bootstraps through the proxy learns the proxy's address from it and stays behind the
 * proxy, while clients of the normal listener are not affected by anything the proxy does.
 *
 * <p>A secured mode for tests of authentication and authorization ({@link Builder#secured()}): a third client
 * listener, {@code SECURED}, speaks {@code SASL_SSL} with {@code SCRAM-SHA-512} on a free port of 127.0.0.1,
 * with a broker certificate issued at start by a CA of its own ({@link TlsMaterial}; the client truststore is
 * handed out by {@link #security()}), and Kafka's {@code StandardAuthorizer} denies whatever no ACL allows. The
 * plaintext listener stays, as the operator's: replication, the controller and the test harness's admin clients
 * use it as {@code User:ANONYMOUS}, the only super user; SCRAM users and ACLs are added through it
 * ({@link BrokerSecurity}). Needs BouncyCastle on the class path, an optional dependency of this module.
 *
 * <p>Single-node defaults ({@link #SINGLE_NODE_DEFAULTS}, overridable with
 * {@link Builder#brokerProperty(String, String)}): replication factor 1 and {@code min.isr} 1 for the
 * offsets, transaction and share-state topics, {@code group.initial.rebalance.delay.ms=0}, and
 * {@code message.max.bytes} = {@code replica.fetch.max.bytes} = {@link #MAX_MESSAGE_BYTES} (16 MiB plus
 * 64 KiB of batch overhead) so that a 5 MB Coinbase {@code snapshot} message fits. Clients must raise their
 * own limits to match: producer {@code max.request.size}, consumer {@code max.partition.fetch.bytes}.
 *
 * <p>Measured on the 2-core build machine: start (format, controller election, broker registration and
 * unfencing) takes 2.5 to 4 s for the first broker in a JVM, mostly class loading, and 0.2 to 0.5 s for later
 * ones; {@link #close()} takes 0.2 to 0.7 s. A secured start ({@link Builder#secured()}) takes 0.5 to 0.9 s
 * after the first (plain ones 0.3 to 0.6 s in the same JVM), and about 1 s more for the first secured start in
 * a JVM: making the certificates and stores takes about 1 s the first time (class loading: BouncyCastle, EC,
 * PKCS12) and 0.1 to 0.25 s later, mostly the stores' password-based key derivation.
 *
 * <p>Faults: Kafka's process-terminating fatal-fault handler is replaced by one that logs at ERROR, so a
 * broker fault never halts the host JVM (a test runner or the demo launcher).
 *
 * <p>Lifecycle and threading: the broker is running when {@code start()} returns and stays up until
 * {@link #close()}, which shuts down the broker and controller, waits for all of their threads, releases its
 * ports and deletes the temporary directory (a given directory is kept) and a secured broker's TLS stores.
 * {@code close()} is idempotent and thread-safe; all other methods are thread-safe reads of immutable state.
 * Until closed, Kafka's non-daemon threads keep the JVM alive: always close it (try-with-resources, or a
 * shutdown hook as {@link StandaloneBroker} does).
 */
public final class EmbeddedKafkaBroker implements KafkaCluster {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);

    /** The only address the broker listens on. */
    public static final String LOOPBACK_HOST = "127.0.0.1";

    /**
     * Largest record batch the broker accepts, in bytes: 16 MiB of payload plus 64 KiB for the batch header,
     * key and headers. Applied to {@code message.max.bytes} and {@code replica.fetch.max.bytes}.
     */
    public static final int MAX_MESSAGE_BYTES = Limits.MAX_RECORD_BYTES;

    /**
     * Broker properties this class sets for a single node before applying overrides. Each trade-off:
     * <ul>
     *   <li>replication factor 1 / min.isr 1 for internal topics: the default 3 can never be met by one broker,
     *       and consumer groups and transactions would fail with {@code COORDINATOR_NOT_AVAILABLE};</li>
     *   <li>4 partitions for the offsets and transaction-state topics instead of 50: creating 50 partitions on
     *       the first group join or transaction costs seconds on 2 cores; 4 coordinators are plenty on one
     *       node;</li>
     *   <li>{@code group.initial.rebalance.delay.ms=0}: the 3 s default only helps when many members join at
     *       once, and slows every test's first poll;</li>
     *   <li>{@code message.max.bytes}, {@code replica.fetch.max.bytes}: see {@link #MAX_MESSAGE_BYTES};</li>
     *   <li>{@code log.cleaner.dedupe.buffer.size} 8 MiB instead of 128 MiB: the cleaner allocates it on the heap
     *       at start; 8 MiB still dedupes about 350k keys per pass, ample for compacted changelogs here.</li>
     * </ul>
     */
    public static final Map<String, String> SINGLE_NODE_DEFAULTS = singleNodeDefaults();

    /** Properties that define the node's identity, listeners and storage: set by this class only. */
    static final Set<String> RESERVED_PROPERTIES = Set.of(
        "process.roles", "node.id", "broker.id", "listeners", "advertised.listeners",
        "listener.security.protocol.map", "inter.broker.listener.name", "controller.listener.names",
        "controller.quorum.voters", "controller.quorum.bootstrap.servers", "log.dirs", "log.dir",
        "metadata.log.dir");

    static final int NODE_ID = 1;
    static final String CLIENT_LISTENER = "PLAINTEXT";
    static final String CONTROLLER_LISTENER = "CONTROLLER";
    /** The listener of {@link Builder#proxiedListener(int, int)}; plaintext, like the normal one. */
    static final String PROXIED_LISTENER = "PROXIED";
    /** The listener of {@link Builder#secured()}: SASL_SSL with SCRAM-SHA-512. */
    static final String SECURED_LISTENER = "SECURED";

    /**
     * Broker properties of {@link Builder#secured()}, set by this class and not to be overridden: Kafka's KRaft
     * authorizer, no access without an ACL, and {@code User:ANONYMOUS} (every client of the plaintext and
     * controller listeners: the broker itself, the controller, the test harness) as the only super user.
     */
    static final Set<String> SECURED_PROPERTIES = Set.of(
        "authorizer.class.name", "allow.everyone.if.no.acl.found", "super.users");

    static final String AUTHORIZER_CLASS = "org.apache.kafka.metadata.authorizer.StandardAuthorizer";
    static final String SUPER_USER = "User:ANONYMOUS";

    /** What {@link #proxiedPort()} and {@link #proxiedAdvertisedPort()} return without a proxied listener. */
    public static final int NO_PORT = -1;

    private final Path logDir;
    private final boolean temporaryLogDir;
    private final int port;
    private final String bootstrapServers;
    private final int proxiedPort;
    private final int proxiedAdvertisedPort;
    private final String clusterId;
    private final Map<String, String> brokerProperties;
    private final BrokerSecurity security;
    private final TlsMaterial tls;
    private final PreboundSocketFactory sockets;
    private final BrokerServer broker;
    private final ControllerServer controller;

    /** Guarded by {@code this}. */
    private boolean closed;

    private EmbeddedKafkaBroker(
        final Path logDir,
        final boolean temporaryLogDir,
        final int port,
        final int proxiedPort,
        final int proxiedAdvertisedPort,
        final String clusterId,
        final Map<String, String> brokerProperties,
        final TlsMaterial tls,
        final int securedPort,
        final PreboundSocketFactory sockets,
        final BrokerServer broker,
        final ControllerServer controller
    ) {
        this.logDir = logDir;
        this.temporaryLogDir = temporaryLogDir;
        this.port = port;
        this.bootstrapServers = LOOPBACK_HOST + ":" + port;
        this.proxiedPort = proxiedPort;
        this.proxiedAdvertisedPort = proxiedAdvertisedPort;
        this.clusterId = clusterId;
        this.brokerProperties = hideSecrets(brokerProperties);
        this.tls = tls;
        this.security = tls == null
            ? null
            : new BrokerSecurity(LOOPBACK_HOST + ":" + securedPort, bootstrapServers, tls.truststore(),
                broker.credentialProvider());
        this.sockets = sockets;
        this.broker = broker;
        this.controller = controller;
    }

    /**
     * Starts a broker with all defaults: free ports, a temporary log directory.
     *
     * @return the running broker; close it when done
     * @throws IllegalStateException if the broker cannot start; everything started so far is cleaned up
     */
    public static EmbeddedKafkaBroker start() {
        return builder().start();
    }

    /**
     * Returns a builder for a broker with a given port, log directory or property overrides.
     *
     * @return a new builder, never null
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public Kind kind() {
        return Kind.EMBEDDED;
    }

    /**
     * Returns the client listener's port.
     *
     * @return the bound port, 1 to 65535
     */
    public int port() {
        return port;
    }

    /**
     * Returns the port the proxied listener ({@link Builder#proxiedListener(int, int)}) is bound to: where a proxy
     * in front of it forwards to.
     *
     * @return the bound port, 1 to 65535, or {@link #NO_PORT} if the broker has no proxied listener
     */
    public int proxiedPort() {
        return proxiedPort;
    }

    /**
     * Returns the port the proxied listener advertises on 127.0.0.1: the proxy's.
     *
     * @return the advertised port, 1 to 65535, or {@link #NO_PORT} if the broker has no proxied listener
     */
    public int proxiedAdvertisedPort() {
        return proxiedAdvertisedPort;
    }

    /**
     * Returns the {@code bootstrap.servers} address of clients that are to reach the broker through the proxy:
     * the proxied listener's advertised address.
     *
     * @return {@code 127.0.0.1:ADVERTISED_PORT}, never null
     * @throws IllegalStateException if the broker has no proxied listener
     */
    public String proxiedBootstrapServers() {
        if (proxiedPort == NO_PORT) {
            throw new IllegalStateException("This broker has no proxied listener; see Builder.proxiedListener");
        }
        return LOOPBACK_HOST + ":" + proxiedAdvertisedPort;
    }

    /**
     * Tells whether the broker has the secured listener of {@link Builder#secured()}.
     *
     * @return true if {@link #security()} may be called
     */
    public boolean isSecured() {
        return security != null;
    }

    /**
     * Returns the secured listener ({@link Builder#secured()}): its address, the client truststore, SCRAM users
     * and ACLs.
     *
     * @return the secured listener, never null
     * @throws IllegalStateException if the broker was started without {@link Builder#secured()}
     */
    public BrokerSecurity security() {
        if (security == null) {
            throw new IllegalStateException("This broker has no secured listener; see Builder.secured");
        }
        return security;
    }

    /** The TLS files of the secured listener, or null; for tests in this package. */
    TlsMaterial tlsMaterial() {
        return tls;
    }

    /**
     * Returns the broker's data directory (log segments and the KRaft metadata log).
     *
     * @return the directory; deleted by {@link #close()} if {@link #isTemporaryLogDir()}
     */
    public Path logDir() {
        return logDir;
    }

    /**
     * Tells whether the log directory was created by this broker and is deleted on close.
     *
     * @return true for a temporary directory, false for one given to {@link Builder#logDir(Path)}
     */
    public boolean isTemporaryLogDir() {
        return temporaryLogDir;
    }

    /**
     * Returns the KRaft cluster id stored in the log directory.
     *
     * @return the base64 cluster id, never null
     */
    public String clusterId() {
        return clusterId;
    }

    /**
     * Returns the broker configuration this broker was started with: defaults, overrides and the node's own
     * listener and storage settings. Secrets (every {@code *.password} and {@code *.sasl.jaas.config} value,
     * such as the secured listener's keystore password) read {@code [hidden]}, as in Kafka's own log.
     *
     * @return an unmodifiable sorted map, never null
     */
    public Map<String, String> brokerProperties() {
        return brokerProperties;
    }

    /**
     * Stops the broker and controller, waits for their threads, releases its ports and deletes the temporary
     * log directory. Idempotent; later calls return at once. Failures are logged at WARN, never thrown. Safe to
     * call from an interrupted thread: the shutdown completes and the interrupt flag is kept.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        final long startNs = System.nanoTime();
        // Kafka's shutdown waits on futures and cuts its controlled shutdown short if the caller is interrupted
        // (a Ctrl-C'd launcher, a timed-out test): stop cleanly first, then restore the flag.
        final boolean interrupted = Thread.interrupted();
        try {
            // Broker first, as KafkaRaftServer does: its controlled shutdown needs the controller.
            shutdownQuietly(broker, controller);
            sockets.closeUnused();
            if (temporaryLogDir) {
                deleteQuietly(logDir);
            }
            deleteQuietly(tls);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        log.info("Embedded Kafka broker stopped. bootstrap=[{}] elapsedMs=[{}]", bootstrapServers, elapsedMs(startNs));
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[bootstrap=" + bootstrapServers + ", logDir=" + logDir + "]";
    }

    /**
     * Computes the complete broker configuration of a broker without a proxied listener; see
     * {@link #brokerProperties(Map, Path, int, int, int, int)}.
     */
    static Map<String, String> brokerProperties(
        final Map<String, String> overrides,
        final Path logDir,
        final int clientPort,
        final int controllerPort
    ) {
        return brokerProperties(overrides, logDir, clientPort, controllerPort, NO_PORT, NO_PORT);
    }

    /**
     * Computes the complete broker configuration: {@link #SINGLE_NODE_DEFAULTS}, then the overrides, then the
     * node's identity, loopback listeners, static single-voter quorum and storage, which cannot be overridden.
     * With a proxied port (not {@link #NO_PORT}) a {@code PROXIED} listener binds that port and advertises
     * {@code proxiedAdvertisedPort}; brokers and the controller keep talking over the normal listener.
     */
    static Map<String, String> brokerProperties(
        final Map<String, String> overrides,
        final Path logDir,
        final int clientPort,
        final int controllerPort,
        final int proxiedPort,
        final int proxiedAdvertisedPort
    ) {
        return brokerProperties(overrides, logDir, clientPort, controllerPort, proxiedPort, proxiedAdvertisedPort,
            NO_PORT, null);
    }

    /**
     * Computes the complete broker configuration: {@link #SINGLE_NODE_DEFAULTS}, then the overrides, then the
     * node's identity, loopback listeners, static single-voter quorum and storage, which cannot be overridden.
     * With a proxied port (not {@link #NO_PORT}) a {@code PROXIED} listener binds that port and advertises
     * {@code proxiedAdvertisedPort}; brokers and the controller keep talking over the normal listener. With a
     * secured port (not {@link #NO_PORT}) and a keystore, a {@code SECURED} SASL_SSL listener serves SCRAM-SHA-512
     * with that keystore, and the {@link #SECURED_PROPERTIES} turn on the standard authorizer; the normal,
     * proxied and controller listeners stay plaintext, their clients the super user {@code User:ANONYMOUS}.
     */
    static Map<String, String> brokerProperties(
        final Map<String, String> overrides,
        final Path logDir,
        final int clientPort,
        final int controllerPort,
        final int proxiedPort,
        final int proxiedAdvertisedPort,
        final int securedPort,
        final TlsMaterial.Store keystore
    ) {
        final boolean secured = securedPort != NO_PORT;
        if (secured != (keystore != null)) {
            throw new IllegalArgumentException("A secured listener needs both a port and a keystore");
        }
        for (final String key : overrides.keySet()) {
            requireNotReserved(key);
            if (secured && SECURED_PROPERTIES.contains(key)) {
                throw new IllegalArgumentException("Broker property " + key
                    + " is set by the secured embedded broker and may not be overridden");
            }
        }
        final String clientEndpoint = CLIENT_LISTENER + "://" + LOOPBACK_HOST + ":" + clientPort;
        final String controllerEndpoint = CONTROLLER_LISTENER + "://" + LOOPBACK_HOST + ":" + controllerPort;
        final boolean proxied = proxiedPort != NO_PORT;
        final String proxiedEndpoint = PROXIED_LISTENER + "://" + LOOPBACK_HOST + ":";
        final Map<String, String> props = new TreeMap<>(SINGLE_NODE_DEFAULTS);
        props.putAll(overrides);
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(NODE_ID));
        final String securedEndpoint =
            secured ? "," + SECURED_LISTENER + "://" + LOOPBACK_HOST + ":" + securedPort : "";
        props.put("listeners", clientEndpoint + "," + controllerEndpoint
            + (proxied ? "," + proxiedEndpoint + proxiedPort : "") + securedEndpoint);
        props.put("advertised.listeners", clientEndpoint
            + (proxied ? "," + proxiedEndpoint + proxiedAdvertisedPort : "") + securedEndpoint);
        props.put("listener.security.protocol.map", CLIENT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT"
            + (proxied ? "," + PROXIED_LISTENER + ":PLAINTEXT" : "")
            + (secured ? "," + SECURED_LISTENER + ":SASL_SSL" : ""));
        props.put("inter.broker.listener.name", CLIENT_LISTENER);
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        // A static voter set (kraft.version 0) keeps no controller address on disk, so a kept log directory can
        // be restarted with a different controller port.
        props.put("controller.quorum.voters", NODE_ID + "@" + LOOPBACK_HOST + ":" + controllerPort);
        props.put("log.dirs", logDir.toString());
        props.put("metadata.log.dir", logDir.toString());
        if (secured) {
            putSecuredListener(props, keystore);
        }
        return Collections.unmodifiableMap(props);
    }

    /**
     * The secured listener's settings and the authorizer. Why each:
     * <ul>
     *   <li>SCRAM only, configured for that listener ({@code listener.name.secured.}): the server side of SCRAM
     *       needs a JAAS entry but no secret in it; credentials live in the metadata log
     *       ({@link BrokerSecurity#addUser(String, String)});</li>
     *   <li>keystore for that listener only, so nothing else speaks TLS; no client certificates
     *       ({@code ssl.client.auth=none}): the client is who SCRAM says it is;</li>
     *   <li>{@code StandardAuthorizer}, KRaft's own, with {@code allow.everyone.if.no.acl.found=false}: a SCRAM
     *       user may do only what an ACL grants;</li>
     *   <li>{@code super.users=User:ANONYMOUS}: with an authorizer, the controller authorizes the broker's
     *       registration and heartbeats ({@code CLUSTER_ACTION}), and the broker authorizes the controller's and
     *       its own inter-broker requests; over plaintext all of them are {@code ANONYMOUS}, so without this the
     *       broker never registers and start hangs. It also makes the harness's plaintext clients super users.
     *       The controller listener starts early ({@code early.start.listeners} defaults to it), before the
     *       ACLs are loaded, which a super user does not need; the client listeners start once the broker's
     *       authorizer has loaded the ACLs from the metadata log, before {@code start()} returns.</li>
     * </ul>
     */
    private static void putSecuredListener(final Map<String, String> props, final TlsMaterial.Store keystore) {
        final String prefix = "listener.name." + SECURED_LISTENER.toLowerCase(Locale.ROOT) + ".";
        props.put(prefix + "sasl.enabled.mechanisms", BrokerSecurity.SASL_MECHANISM);
        props.put(prefix + BrokerSecurity.SASL_MECHANISM.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        props.put(prefix + "ssl.keystore.location", keystore.location().toString());
        props.put(prefix + "ssl.keystore.type", keystore.type());
        props.put(prefix + "ssl.keystore.password", keystore.password());
        props.put(prefix + "ssl.key.password", keystore.password());
        props.put(prefix + "ssl.client.auth", "none");
        props.put("authorizer.class.name", AUTHORIZER_CLASS);
        props.put("allow.everyone.if.no.acl.found", "false");
        props.put("super.users", SUPER_USER);
    }

    /** The configuration with every secret value replaced by {@code [hidden]}, for {@link #brokerProperties()}. */
    static Map<String, String> hideSecrets(final Map<String, String> props) {
        final Map<String, String> shown = new TreeMap<>(props);
        shown.replaceAll((key, value) -> key.endsWith(".password") || key.endsWith("sasl.jaas.config")
            || key.equals("password") ? "[hidden]" : value);
        return Collections.unmodifiableMap(shown);
    }

    static void requireNotReserved(final String key) {
        if (RESERVED_PROPERTIES.contains(key)) {
            throw new IllegalArgumentException("Broker property " + key
                + " is set by the embedded broker; use Builder.port(int) or Builder.logDir(Path) instead");
        }
    }

    private static Map<String, String> singleNodeDefaults() {
        final Map<String, String> defaults = new TreeMap<>();
        defaults.put("offsets.topic.replication.factor", "1");
        defaults.put("offsets.topic.num.partitions", "4");
        defaults.put("transaction.state.log.replication.factor", "1");
        defaults.put("transaction.state.log.min.isr", "1");
        defaults.put("transaction.state.log.num.partitions", "4");
        defaults.put("share.coordinator.state.topic.replication.factor", "1");
        defaults.put("share.coordinator.state.topic.min.isr", "1");
        defaults.put("group.initial.rebalance.delay.ms", "0");
        defaults.put("message.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
        defaults.put("replica.fetch.max.bytes", Integer.toString(MAX_MESSAGE_BYTES));
        defaults.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        return Collections.unmodifiableMap(defaults);
    }

    private static EmbeddedKafkaBroker start(final Builder builder) {
        final long startNs = System.nanoTime();
        final boolean temporary = builder.logDir == null;
        final Path dir = createLogDir(builder.logDir);
        final PreboundSocketFactory sockets = new PreboundSocketFactory();
        final Servers servers = new Servers();
        TlsMaterial tls = null;
        try {
            final int clientPort = sockets.bind(CLIENT_LISTENER, builder.port);
            final int controllerPort = sockets.bind(CONTROLLER_LISTENER, 0);
            final int proxiedPort = builder.proxiedAdvertisedPort == NO_PORT
                ? NO_PORT
                : sockets.bind(PROXIED_LISTENER, builder.proxiedPort);
            final int securedPort = builder.secured ? sockets.bind(SECURED_LISTENER, 0) : NO_PORT;
            if (builder.secured) {
                tls = TlsMaterial.create();
            }
            final Map<String, String> props = brokerProperties(builder.brokerProperties, dir, clientPort,
                controllerPort, proxiedPort, builder.proxiedAdvertisedPort, securedPort,
                tls == null ? null : tls.keystore());
            final KafkaConfig config = new KafkaConfig(props, false);
            formatIfNeeded(dir);
            final Tuple2<MetaPropertiesEnsemble, BootstrapMetadata> storage =
                KafkaRaftServer.initializeLogDirs(config, log, "[EmbeddedKafkaBroker] ");
            servers.metrics = new Metrics();
            // What KafkaRaftServer does, except for the fault handlers and the pre-bound sockets. The voter map is
            // controller.quorum.voters, parsed.
            final Map<Integer, InetSocketAddress> voters =
                Map.of(NODE_ID, new InetSocketAddress(LOOPBACK_HOST, controllerPort));
            final SharedServer shared = new SharedServer(
                config,
                storage._1(),
                Time.SYSTEM,
                servers.metrics,
                CompletableFuture.completedFuture(voters),
                List.of(),
                new NonTerminatingFaultHandlerFactory(),
                sockets);
            servers.controller = new ControllerServer(shared, KafkaRaftServer.configSchema(), storage._2());
            servers.broker = new BrokerServer(shared);
            servers.controller.startup();
            // Returns once the broker has caught up with the metadata log and the controller has unfenced it.
            servers.broker.startup();
            final String clusterId = storage._1().clusterId().orElseThrow();
            final EmbeddedKafkaBroker started = new EmbeddedKafkaBroker(dir, temporary, clientPort, proxiedPort,
                builder.proxiedAdvertisedPort, clusterId, props, tls, securedPort, sockets, servers.broker,
                servers.controller);
            log.info("Embedded Kafka broker started. bootstrap=[{}] logDir=[{}] clusterId=[{}] elapsedMs=[{}]",
                started.bootstrapServers, dir, clusterId, elapsedMs(startNs));
            if (proxiedPort != NO_PORT) {
                log.info("Proxied listener. port=[{}] advertised=[{}]", proxiedPort,
                    started.proxiedBootstrapServers());
            }
            if (started.security != null) {
                log.info("Secured listener. bootstrap=[{}] protocol=[{}] mechanism=[{}] truststore=[{}]",
                    started.security.bootstrapServers(), BrokerSecurity.SECURITY_PROTOCOL,
                    BrokerSecurity.SASL_MECHANISM, started.security.truststore());
            }
            return started;
        } catch (final Exception | LinkageError e) {
            shutdownQuietly(servers.broker, servers.controller);
            if (servers.metrics != null) {
                Utils.closeQuietly(servers.metrics, "metrics");
            }
            sockets.closeUnused();
            if (temporary) {
                deleteQuietly(dir);
            }
            deleteQuietly(tls);
            throw new IllegalStateException("Could not start the embedded Kafka broker in " + dir + ": " + e, e);
        }
    }

    /** What has been created so far during start, for cleanup if a later step fails. Start thread only. */
    private static final class Servers {
        private Metrics metrics;
        private ControllerServer controller;
        private BrokerServer broker;
    }

    private static Path createLogDir(final Path given) {
        try {
            return given == null
                ? Files.createTempDirectory("orderbook-kafka-")
                : Files.createDirectories(given.toAbsolutePath());
        } catch (final IOException e) {
            throw new UncheckedIOException("Could not create the Kafka log directory " + given, e);
        }
    }

    /** Formats the directory as {@code kafka-storage.sh format} does, unless it already holds a broker. */
    private static void formatIfNeeded(final Path dir) throws Exception {
        if (Files.exists(dir.resolve(MetaPropertiesEnsemble.META_PROPERTIES_NAME))) {
            log.info("Reusing formatted Kafka log directory. logDir=[{}]", dir);
            return;
        }
        // The formatter reports to a PrintStream (System.out by default): keep it off the console.
        final ByteArrayOutputStream report = new ByteArrayOutputStream();
        try (PrintStream reportStream = new PrintStream(report, true, StandardCharsets.UTF_8)) {
            new Formatter()
                .setPrintStream(reportStream)
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .addDirectory(dir.toString())
                .setMetadataLogDirectory(dir.toString())
                .setControllerListenerName(CONTROLLER_LISTENER)
                .run();
        }
        log.debug("Formatted Kafka log directory. logDir=[{}] report=[{}]",
            dir, report.toString(StandardCharsets.UTF_8).trim());
    }

    private static void shutdownQuietly(final BrokerServer broker, final ControllerServer controller) {
        if (broker != null) {
            try {
                broker.shutdown();
                broker.awaitShutdown();
            } catch (final RuntimeException e) {
                log.warn("Error while stopping the embedded Kafka broker", e);
            }
        }
        if (controller != null) {
            try {
                controller.shutdown();
                controller.awaitShutdown();
            } catch (final RuntimeException e) {
                log.warn("Error while stopping the embedded Kafka controller", e);
            }
        }
    }

    private static void deleteQuietly(final Path dir) {
        try {
            Utils.delete(dir.toFile());
        } catch (final IOException e) {
            log.warn("Could not delete the temporary Kafka log directory. logDir=[{}]", dir, e);
        }
    }

    private static void deleteQuietly(final TlsMaterial tls) {
        if (tls != null && !tls.delete()) {
            log.warn("Could not delete the embedded broker's TLS stores. dir=[{}]", tls.directory());
        }
    }

    private static long elapsedMs(final long startNs) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
    }

    /**
     * Builds an {@link EmbeddedKafkaBroker}. Not thread-safe; use from one thread, then call {@link #start()}.
     */
    public static final class Builder {
        private int port;
        private int proxiedPort = NO_PORT;
        private int proxiedAdvertisedPort = NO_PORT;
        private Path logDir;
        private boolean secured;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Sets the client listener's port on 127.0.0.1.
         *
         * @param port 1 to 65535, or 0 (the default) for a free port chosen by the OS
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder port(final int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be 0 to 65535, was " + port);
            }
            this.port = port;
            return this;
        }

        /**
         * Adds a second client listener, for clients that reach the broker through a proxy (fault-injection
         * tests): it binds {@code port} on 127.0.0.1 and advertises {@code 127.0.0.1:advertisedPort}, where the
         * proxy listens and forwards to {@code port}. Clients that bootstrap from the advertised address keep
         * connecting through the proxy; clients of the normal listener never do. Both listeners serve the same
         * broker; replication and the controller stay on the normal one. Without this call the broker has one
         * client listener.
         *
         * @param port the port to bind, 1 to 65535, or 0 for a free port chosen by the OS (see
         *     {@link EmbeddedKafkaBroker#proxiedPort()}); give the same port again to restart behind the same proxy
         * @param advertisedPort the proxy's port, 1 to 65535; nothing needs to listen on it while the broker starts
         * @return this builder
         * @throws IllegalArgumentException if a port is out of range
         */
        public Builder proxiedListener(final int port, final int advertisedPort) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("proxied port must be 0 to 65535, was " + port);
            }
            if (advertisedPort < 1 || advertisedPort > 65535) {
                throw new IllegalArgumentException("advertised port must be 1 to 65535, was " + advertisedPort);
            }
            this.proxiedPort = port;
            this.proxiedAdvertisedPort = advertisedPort;
            return this;
        }

        /**
         * Adds a third client listener, {@code SECURED}: SASL_SSL with SCRAM-SHA-512 on 127.0.0.1 and a free port,
         * with TLS certificates made at start by a CA of the broker's own, and turns on Kafka's standard
         * authorizer with no access without an ACL. The plaintext listener stays, as the operator's: its clients
         * (and the controller's) are {@code User:ANONYMOUS}, the only super user. Use
         * {@link EmbeddedKafkaBroker#security()} to add SCRAM users and ACLs and to configure clients.
         *
         * <p>Needs BouncyCastle ({@code org.bouncycastle:bcpkix-jdk18on}) on the class path, an optional
         * dependency of this module; see {@link TlsMaterial} for why. The authorizer properties
         * ({@link #SECURED_PROPERTIES}) may not be overridden.
         *
         * @return this builder
         * @throws IllegalStateException if BouncyCastle is not on the class path
         */
        public Builder secured() {
            try {
                Class.forName("org.bouncycastle.cert.X509v3CertificateBuilder", false,
                    EmbeddedKafkaBroker.class.getClassLoader());
            } catch (final ClassNotFoundException e) {
                throw new IllegalStateException("A secured embedded broker makes its TLS certificates with "
                    + "BouncyCastle: add org.bouncycastle:bcpkix-jdk18on to the class path (test scope)", e);
            }
            this.secured = true;
            return this;
        }

        /**
         * Uses a given data directory, created if missing and kept on close. A directory that already holds a
         * broker's data is reused as is, topics and all.
         *
         * @param logDir the directory; may not be null
         * @return this builder
         */
        public Builder logDir(final Path logDir) {
            this.logDir = Objects.requireNonNull(logDir, "logDir");
            return this;
        }

        /**
         * Overrides one broker property (a {@code server.properties} key), including
         * {@link #SINGLE_NODE_DEFAULTS}.
         *
         * @param key the property name; may not be null nor one of the listener, quorum or storage keys
         * @param value the value; may not be null
         * @return this builder
         * @throws IllegalArgumentException if the key is reserved to the embedded broker
         */
        public Builder brokerProperty(final String key, final String value) {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
            requireNotReserved(key);
            brokerProperties.put(key, value);
            return this;
        }

        /**
         * Overrides several broker properties, as {@link #brokerProperty(String, String)} does for each.
         *
         * @param properties the overrides; may not be null
         * @return this builder
         */
        public Builder brokerProperties(final Map<String, String> properties) {
            properties.forEach(this::brokerProperty);
            return this;
        }

        /**
         * Starts the broker and waits until it accepts clients.
         *
         * @return the running broker; close it when done
         * @throws IllegalStateException if it cannot start (the port is taken, the directory belongs to another
         *     node, ...); everything started so far is cleaned up
         */
        public EmbeddedKafkaBroker start() {
            return EmbeddedKafkaBroker.start(this);
        }
    }

    /**
     * Hands Kafka's socket server the listener sockets bound before the configuration was written, so the
     * ports in the configuration are the ones Kafka serves on. Thread-safe.
     */
    private static final class PreboundSocketFactory implements ServerSocketFactory {
        private final Map<String, ServerSocketChannel> unused = new HashMap<>();

        synchronized int bind(final String listener, final int port) throws IOException {
            final InetSocketAddress address = new InetSocketAddress(LOOPBACK_HOST, port);
            final ServerSocketChannel channel = ServerSocketChannel.open();
            try {
                channel.bind(address);
            } catch (final BindException e) {
                channel.close();
                throw new BindException("Port " + port + " on " + LOOPBACK_HOST + " is in use: " + e.getMessage());
            } catch (final IOException e) {
                channel.close();
                throw e;
            }
            unused.put(listener, channel);
            return ((InetSocketAddress) channel.getLocalAddress()).getPort();
        }

        @Override
        public synchronized ServerSocketChannel openServerSocket(
            final String listenerName,
            final InetSocketAddress socketAddress,
            final int listenBacklogSize,
            final int recvBufferSize
        ) throws IOException {
            final ServerSocketChannel prebound = unused.remove(listenerName);
            if (prebound != null) {
                // From here on Kafka's socket server owns and closes the channel.
                prebound.configureBlocking(false);
                if (recvBufferSize != -1) {
                    prebound.socket().setReceiveBufferSize(recvBufferSize);
                }
                return prebound;
            }
            return ServerSocketFactory.INSTANCE.openServerSocket(
                listenerName, socketAddress, listenBacklogSize, recvBufferSize);
        }

        synchronized void closeUnused() {
            unused.values().forEach(channel -> Utils.closeQuietly(channel, "unused listener socket"));
            unused.clear();
        }
    }

    /**
     * Kafka's {@code StandardFaultHandlerFactory} halts the process on a fatal fault; inside a test runner or the
     * launcher we log instead and leave stopping to the owner.
     */
    private static final class NonTerminatingFaultHandlerFactory implements FaultHandlerFactory {
        @Override
        public FaultHandler build(final String name, final boolean fatal, final Runnable action) {
            if (!fatal) {
                return new LoggingFaultHandler(name, action);
            }
            return (failureMessage, cause) -> {
                log.error("Fatal fault in the embedded Kafka broker; not halting the JVM. handler=[{}] message=[{}]",
                    name, failureMessage, cause);
                try {
                    action.run();
                } catch (final RuntimeException e) {
                    log.warn("Fault action failed. handler=[{}]", name, e);
                }
                return new FaultHandlerException(failureMessage, cause);
            };
        }
    }
}
