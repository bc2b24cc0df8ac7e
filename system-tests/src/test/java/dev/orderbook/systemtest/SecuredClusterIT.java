package dev.orderbook.systemtest;

import dev.orderbook.book.engine.AlertThresholds;
import dev.orderbook.book.replay.Replay;
import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.io.NdjsonReader;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.contract.ServiceAcls;
import dev.orderbook.contract.Topics;
import dev.orderbook.ingestor.service.ControlOptions;
import dev.orderbook.book.BookProcessorConfig;
import dev.orderbook.kafka.embedded.BrokerSecurity;
import dev.orderbook.kafka.embedded.EmbeddedKafkaBroker;
import dev.orderbook.simulator.market.FeedFileGenerator;
import dev.orderbook.simulator.market.FeedFileOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The product on a secured Kafka cluster, as operators run it: a broker with a SASL_SSL listener (SCRAM-SHA-512, TLS
 * from a CA made by the test) and the standard authorizer denying everything not granted
 * ({@code allow.everyone.if.no.acl.found=false}); each service a JVM of its own with a principal of its own, exactly
 * the ACLs of {@link ServiceAcls} (docs/security.md), and its credentials in a Kafka client properties file given with
 * {@code --kafka-config} whose password and truststore password are read through Kafka's {@code FileConfigProvider}
 * from a separate secret file, never on a command line.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(180)
class SecuredClusterIT {
    private static final String TEST = "SecuredClusterIT";
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD");
    private static final Pattern READY = Pattern.compile("ready at http://127\\.0\\.0\\.1:(\\d+)/ready");

    private final Map<String, String> passwords = new LinkedHashMap<>();
    private Path dir;
    private EmbeddedKafkaBroker broker;
    private BrokerSecurity security;
    private ChildJvm processor;
    private ChildJvm simulator;
    private ChildJvm ingestor;

    @BeforeAll
    void startASecuredBrokerWithOnePrincipalPerService() throws IOException {
        dir = ChildJvm.outputDirectory(TEST);
        Utils.delete(dir.toFile());
        Files.createDirectories(dir);
        broker = EmbeddedKafkaBroker.builder().secured().start();
        security = broker.security();
        grant("ingestor", ServiceAcls.ingestor(Topics.RAW_DEFAULT, Topics.DLQ_DEFAULT, Topics.CONTROL_DEFAULT,
                ControlOptions.GROUP_ID_DEFAULT));
        grant("processor", ServiceAcls.processor(Topics.RAW_DEFAULT, Topics.SUMMARIES_DEFAULT, Topics.ALERTS_DEFAULT,
                Topics.DLQ_DEFAULT, Topics.CONTROL_DEFAULT, BookProcessorConfig.APPLICATION_ID_DEFAULT));
        grant("publish", ServiceAcls.publish(Topics.RAW_DEFAULT, Topics.DLQ_DEFAULT));
        // Principals missing one grant each: the processor's output topics, its transactional ids, the ingestors' group
        final List<ServiceAcls.Grant> processor = ServiceAcls.processor(Topics.RAW_DEFAULT, Topics.SUMMARIES_DEFAULT,
                Topics.ALERTS_DEFAULT, Topics.DLQ_DEFAULT, Topics.CONTROL_DEFAULT, "denied-app");
        grant("readonly", processor.subList(0, 1));
        grant("notx", processor.stream().filter(g -> g.type() != ResourceType.TRANSACTIONAL_ID).toList());
        grant("nogroup", ServiceAcls.ingestor(Topics.RAW_DEFAULT, Topics.DLQ_DEFAULT, Topics.CONTROL_DEFAULT,
                ControlOptions.GROUP_ID_DEFAULT).stream().filter(g -> g.type() != ResourceType.GROUP).toList());
    }

    @AfterAll
    void stopEverything() {
        for (final AutoCloseable c : new AutoCloseable[] {ingestor, simulator, processor, broker}) {
            if (c != null) {
                try {
                    c.close();
                } catch (final Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    @Test
    @Order(1)
    void shouldPublishAndProcessWithExactlyTheDocumentedAclsAndCommitTheReplaysSummaries() throws Exception {
        // Given a recorded feed, published by its own principal
        final Path feed = dir.resolve("feed.ndjson");
        FeedFileGenerator.generate(feed, FeedFileOptions.defaults().withProductIds(PRODUCTS).withLimits(20_000, 0)
                .withLevelsPerSide(200).withSeed(11));
        try (ChildJvm publish = ChildJvm.builder(TEST, "publish").args("publish", "--input", feed.toString(),
                "--products", String.join(",", PRODUCTS), "--kafka-config", clientConfig("publish").toString())
                .start()) {
            assertThat(publish.awaitExit(Duration.ofSeconds(90))).as(output(publish)).isZero();
        }
        final Map<String, List<String>> expected = byProduct(replay(feed));

        // When the processor runs with its own principal
        processor = ChildJvm.builder(TEST, "processor").args("process", "--kafka-config",
                clientConfig("processor").toString(), "--products", String.join(",", PRODUCTS), "--state-dir",
                dir.resolve("processor-state").toString(), "--http-host", "127.0.0.1", "--http-port", "0",
                // A published file has no ingestor behind it writing liveness records.
                "--stale-after", "1h").start();
        processor.awaitErrorOutput(READY, Duration.ofSeconds(90));

        // Then it commits exactly the replay's summaries, per product in order, as on a plain broker
        final int count = expected.values().stream().mapToInt(List::size).sum();
        assertThat(byProduct(readCommitted(Topics.SUMMARIES_DEFAULT, count, Duration.ofSeconds(90))))
                .isEqualTo(expected);
    }

    @Test
    @Order(2)
    void shouldIngestALiveFeedWithExactlyTheDocumentedAclsAndKeepEveryBookLive() throws Exception {
        // Given the exchange simulator and an ingestor with its own principal
        final int port = LoopbackPorts.free();
        simulator = ChildJvm.builder(TEST, "simulator").args("simulate", "--port", Integer.toString(port),
                "--admin-port", "0", "--products", String.join(",", PRODUCTS), "--rate", "100", "--seed", "5")
                .start();
        simulator.awaitOutput(Pattern.compile("Simulator admin at http"), Duration.ofSeconds(60));
        final long since = System.currentTimeMillis();
        ingestor = ChildJvm.builder(TEST, "ingestor").args("ingest", "--url", "ws://127.0.0.1:" + port + "/",
                "--products", String.join(",", PRODUCTS), "--http-host", "127.0.0.1", "--http-port", "0",
                "--session-timeout", "6s").env("ORDERBOOK_KAFKA_CONFIG", clientConfig("ingestor").toString())
                .start();

        // Then it is elected (the group), publishes (the raw topic), and the processor's books are live
        try (SummaryLog summaries = new SummaryLog(broker.bootstrapServers(), Topics.SUMMARIES_DEFAULT,
                PRODUCTS.size())) {
            summaries.awaitAll(PRODUCTS, s -> s.isLive() && s.readAtMs() >= since, Duration.ofSeconds(90),
                    "every book live from the secured ingestor's feed");
        }
        assertThat(ingestor.isAlive()).isTrue();
    }

    @Test
    @Order(3)
    void shouldStopWithOneClearLineWhenThePasswordIsWrong() throws Exception {
        final Path config = clientConfig("ingestor", "not-" + passwords.get("ingestor"));
        try (ChildJvm wrong = ChildJvm.builder(TEST, "ingestor-wrong-password").args("ingest", "--kafka-config",
                config.toString(), "--products", String.join(",", PRODUCTS), "--http-port", "-1",
                "--url", "ws://127.0.0.1:1/").start()) {
            assertThat(wrong.awaitExit(Duration.ofSeconds(60))).isEqualTo(1);
            assertThat(ourLines(wrong)).singleElement().asString()
                    .startsWith("orderbook ingest: Kafka at " + security.bootstrapServers()
                            + " refused to authenticate this service")
                    .contains("SCRAM-SHA-512").contains("--kafka-config");
        }
    }

    @Test
    @Order(4)
    void shouldNameTheDeniedOperationWhenAnAclIsMissing() throws Exception {
        // A principal that may read the raw topic but was not granted the processor's output topics
        try (ChildJvm denied = ChildJvm.builder(TEST, "processor-missing-acl").args("process", "--kafka-config",
                clientConfig("readonly").toString(), "--products", String.join(",", PRODUCTS), "--state-dir",
                dir.resolve("denied-state").toString(), "--http-port", "0").start()) {
            assertThat(denied.awaitExit(Duration.ofSeconds(60))).isEqualTo(1);
            assertThat(ourLines(denied)).singleElement().asString()
                    .startsWith("orderbook process: Kafka at " + security.bootstrapServers()
                            + " does not authorize this service to create topic " + Topics.SUMMARIES_DEFAULT)
                    .contains("docs/security.md");
        }
    }

    @Test
    @Order(5)
    void shouldNameTheTransactionalIdsWhenTheirAclIsMissing() throws Exception {
        try (ChildJvm denied = ChildJvm.builder(TEST, "processor-missing-transactional-acl").args("process",
                "--kafka-config", clientConfig("notx").toString(), "--application-id", "denied-app",
                "--products", String.join(",", PRODUCTS), "--state-dir", dir.resolve("notx-state").toString(),
                "--http-port", "0", "--stale-after", "1h").start()) {
            assertThat(denied.awaitExit(Duration.ofSeconds(90))).isEqualTo(1);
            assertThat(ourLines(denied)).last().asString()
                    .startsWith("orderbook process: Kafka does not authorize this service to use its transactional "
                            + "ids").contains("docs/security.md");
        }
    }

    @Test
    @Order(6)
    void shouldNameTheGroupWhenTheIngestorMayNotJoinIt() throws Exception {
        try (ChildJvm denied = ChildJvm.builder(TEST, "ingestor-missing-group-acl").args("ingest", "--kafka-config",
                clientConfig("nogroup").toString(), "--products", String.join(",", PRODUCTS), "--http-port", "-1",
                "--url", "ws://127.0.0.1:1/").start()) {
            assertThat(denied.awaitExit(Duration.ofSeconds(60))).isEqualTo(70);
            assertThat(ourLines(denied)).last().asString()
                    .startsWith("orderbook ingest: Kafka does not authorize this service to use its consumer group "
                            + ControlOptions.GROUP_ID_DEFAULT).contains("docs/security.md");
        }
    }

    @Test
    @Order(7)
    void shouldNeverWriteAPasswordToAnyLogLine() throws IOException {
        final List<String> secrets = new ArrayList<>(passwords.values());
        secrets.add(security.truststorePassword());
        try (Stream<Path> files = Files.list(dir)) {
            final List<Path> logs = files.filter(f -> f.toString().endsWith(".out") || f.toString().endsWith(".err"))
                    .toList();
            assertThat(logs).hasSizeGreaterThanOrEqualTo(8);
            for (final Path log : logs) {
                final String text = Files.readString(log, StandardCharsets.UTF_8);
                for (final String secret : secrets) {
                    assertThat(text).as(log.toString()).doesNotContain(secret);
                }
            }
        }
    }

    private void grant(final String user, final List<ServiceAcls.Grant> grants) {
        final byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        final String password = HexFormat.of().formatHex(random);
        passwords.put(user, password);
        security.addUser(user, password);
        security.createAcls(ServiceAcls.bindings(grants, "User:" + user));
    }

    private Path clientConfig(final String user) throws IOException {
        return clientConfig(user, passwords.get(user));
    }

    /**
     * The service's Kafka config file: everything but the secrets, which a second file holds (in Kubernetes, a
     * mounted Secret) and Kafka's {@code FileConfigProvider} reads.
     */
    private Path clientConfig(final String user, final String password) throws IOException {
        final Path secret = dir.resolve(user + "-" + Integer.toHexString(password.hashCode()) + "-secret.properties");
        Files.writeString(secret, "password=" + password + "\ntruststore.password=" + security.truststorePassword()
                + "\n", StandardCharsets.UTF_8);
        final Path file = dir.resolve(user + "-" + Integer.toHexString(password.hashCode()) + ".properties");
        Files.writeString(file, String.join("\n",
                "bootstrap.servers=" + security.bootstrapServers(),
                "security.protocol=" + BrokerSecurity.SECURITY_PROTOCOL,
                "sasl.mechanism=" + BrokerSecurity.SASL_MECHANISM,
                "ssl.truststore.location=" + security.truststore(),
                "ssl.truststore.type=" + security.truststoreType(),
                "config.providers=file",
                "config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider",
                "ssl.truststore.password=${file:" + secret + ":truststore.password}",
                "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                        + user + "\" password=\"${file:" + secret + ":password}\";",
                ""), StandardCharsets.UTF_8);
        return file;
    }

    /** The lines the command itself wrote to stderr ({@code orderbook <command>: ...}), not the logs'. */
    private static List<String> ourLines(final ChildJvm child) throws IOException {
        return Files.readAllLines(child.stderrFile(), StandardCharsets.UTF_8).stream()
                .filter(l -> l.startsWith("orderbook ")).toList();
    }

    private static String output(final ChildJvm child) throws IOException {
        return Files.readString(child.stderrFile(), StandardCharsets.UTF_8);
    }

    /** Committed records of a topic, read as the super user over the broker's plaintext listener. */
    private List<String> readCommitted(final String topic, final int count, final Duration timeout) {
        final List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName(),
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName()))) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(new String(r.value(), StandardCharsets.UTF_8));
                }
            }
        }
        return out;
    }

    private static List<String> replay(final Path file) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (NdjsonReader reader = NdjsonReader.open(file, CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES)) {
            Replay.run(reader, out, null, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new Replay.Options(AlertThresholds.defaults(), ProductRegistry.open(),
                            CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES, 0, false));
        }
        return List.of(out.toString(StandardCharsets.UTF_8).split("\n"));
    }

    private static Map<String, List<String>> byProduct(final List<String> summaries) {
        final Map<String, List<String>> out = new TreeMap<>();
        for (final String line : summaries) {
            if (!line.isBlank()) {
                final int at = line.indexOf("\"product_id\":\"") + 14;
                out.computeIfAbsent(line.substring(at, line.indexOf('"', at)), k -> new ArrayList<>()).add(line);
            }
        }
        return out;
    }
}
