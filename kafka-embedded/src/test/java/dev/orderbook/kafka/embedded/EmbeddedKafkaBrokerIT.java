package dev.orderbook.kafka.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A real broker: transactions, large records, cleanup on close, a given port and directory.
 */
class EmbeddedKafkaBrokerIT {

    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(30);

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedKafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @Test
    void shouldDeliverOnlyCommittedRecordsToReadCommittedConsumer() throws Exception {
        // Given
        final String topic = createTopic(broker, "tx");
        final Map<String, Object> producerConfig = Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
            ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID(),
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);

        // When
        try (KafkaProducer<String, String> producer =
                 new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "BTC-USD", "committed-1"));
            producer.send(new ProducerRecord<>(topic, "BTC-USD", "committed-2"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "BTC-USD", "aborted-1"));
            producer.flush();
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "ETH-USD", "committed-3"));
            producer.commitTransaction();
        }

        // Then
        final List<String> values = consumeValues(broker, topic, 3, Function.identity(), new StringDeserializer());
        assertThat(values).containsExactly("committed-1", "committed-2", "committed-3");
    }

    @Test
    void shouldCarryFiveMegabyteRecord() throws Exception {
        final String topic = createTopic(broker, "large");
        final byte[] snapshot = new byte[5 * 1024 * 1024];
        Arrays.fill(snapshot, (byte) 'x');
        final Map<String, Object> producerConfig = Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
            ProducerConfig.MAX_REQUEST_SIZE_CONFIG, EmbeddedKafkaBroker.MAX_MESSAGE_BYTES);

        try (KafkaProducer<byte[], byte[]> producer =
                 new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, snapshot)).get(30, TimeUnit.SECONDS);
        }

        final List<Integer> sizes = consumeValues(broker, topic, 1, value -> value.length, new ByteArrayDeserializer());
        assertThat(sizes).containsExactly(snapshot.length);
    }

    @Test
    void shouldDeleteTemporaryLogDirAndReleasePortAndThreadsOnClose() throws Exception {
        final Set<Thread> threadsBefore = liveNonDaemonThreads();
        final EmbeddedKafkaBroker temporary = EmbeddedKafkaBroker.start();
        final Path logDir = temporary.logDir();
        final int port = temporary.port();
        assertThat(temporary.isTemporaryLogDir()).isTrue();
        assertThat(logDir).isDirectory();

        temporary.close();
        temporary.close();

        assertThat(logDir).doesNotExist();
        assertThat(canBind(port)).as("port %d released", port).isTrue();
        assertThat(liveNonDaemonThreads()).as("non-daemon threads left behind").isSubsetOf(threadsBefore);
    }

    @Test
    void shouldServeOnGivenPortAndKeepGivenLogDirAcrossRestarts(@TempDir final Path tempDir) throws Exception {
        final Path logDir = tempDir.resolve("kafka-data");
        final int port = freePort();
        final String topic;
        final String clusterId;
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.builder().port(port).logDir(logDir).start()) {
            assertThat(first.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
            assertThat(first.isTemporaryLogDir()).isFalse();
            topic = createTopic(first, "kept");
            clusterId = first.clusterId();
        }
        assertThat(logDir.resolve("meta.properties")).isRegularFile();
        assertThat(canBind(port)).isTrue();

        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder().port(port).logDir(logDir).start();
             Admin admin = admin(second)) {
            assertThat(second.clusterId()).isEqualTo(clusterId);
            assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains(topic);
        }
        assertThat(logDir).isDirectory();
    }

    @Test
    void shouldAdvertiseProxyPortOnProxiedListenerAndOwnPortOnNormalOne() throws Exception {
        // Given a broker whose proxied listener advertises a port nothing listens on (where a proxy would be)
        final int proxyPort = freePort();
        try (EmbeddedKafkaBroker proxied = EmbeddedKafkaBroker.builder().proxiedListener(0, proxyPort).start()) {
            final String topic = createTopic(proxied, "proxied");

            // When clients bootstrap from each listener directly
            final int leaderPortViaProxied = leaderPort("127.0.0.1:" + proxied.proxiedPort(), topic);
            final int leaderPortViaNormal = leaderPort(proxied.bootstrapServers(), topic);

            // Then each listener advertises its own address: the proxy's for the proxied one
            assertThat(proxied.proxiedPort()).isPositive().isNotEqualTo(proxied.port()).isNotEqualTo(proxyPort);
            assertThat(proxied.proxiedAdvertisedPort()).isEqualTo(proxyPort);
            assertThat(proxied.proxiedBootstrapServers()).isEqualTo("127.0.0.1:" + proxyPort);
            assertThat(leaderPortViaProxied).isEqualTo(proxyPort);
            assertThat(leaderPortViaNormal).isEqualTo(proxied.port());
        }
    }

    @Test
    void shouldHaveNoProxiedListenerUnlessAsked() {
        assertThat(broker.proxiedPort()).isEqualTo(EmbeddedKafkaBroker.NO_PORT);
        assertThat(broker.proxiedAdvertisedPort()).isEqualTo(EmbeddedKafkaBroker.NO_PORT);
        assertThatThrownBy(broker::proxiedBootstrapServers).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldFailFastWhenGivenPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(EmbeddedKafkaBroker.LOOPBACK_HOST, 0));
            final int port = taken.getLocalPort();

            assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().port(port).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Port " + port);
        }
    }

    static String createTopic(final EmbeddedKafkaBroker target, final String prefix) throws Exception {
        final String topic = prefix + "-" + UUID.randomUUID();
        try (Admin admin = admin(target)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        return topic;
    }

    /**
     * The port of the topic's leader as the listener at {@code bootstrap} advertises it. The client learns it from
     * its first metadata answer, sent to the bootstrap address, so it need not reach the advertised port.
     */
    private static int leaderPort(final String bootstrap, final String topic) {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                 Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                 new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            return consumer.partitionsFor(topic, POLL_TIMEOUT).get(0).leader().port();
        }
    }

    private static Admin admin(final KafkaCluster target) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrapServers()));
    }

    private static <V, R> List<R> consumeValues(
        final KafkaCluster target,
        final String topic,
        final int expected,
        final Function<V, R> mapper,
        final Deserializer<V> valueDeserializer
    ) {
        final Map<String, Object> consumerConfig = Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrapServers(),
            ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID(),
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
            ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
            ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, EmbeddedKafkaBroker.MAX_MESSAGE_BYTES);
        final List<R> values = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer =
                 new KafkaConsumer<>(consumerConfig, new StringDeserializer(), valueDeserializer)) {
            consumer.subscribe(List.of(topic));
            final long deadlineNs = System.nanoTime() + POLL_TIMEOUT.toNanos();
            while (values.size() < expected && System.nanoTime() < deadlineNs) {
                for (final ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(mapper.apply(record.value()));
                }
            }
            // One more poll: anything beyond the expected records (an aborted one) would show up here.
            consumer.poll(Duration.ofMillis(300)).forEach(record -> values.add(mapper.apply(record.value())));
        }
        return values;
    }

    private static Set<Thread> liveNonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(thread -> thread.isAlive() && !thread.isDaemon())
            .collect(Collectors.toSet());
    }

    private static boolean canBind(final int port) throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(EmbeddedKafkaBroker.LOOPBACK_HOST, port));
            return true;
        } catch (final BindException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(EmbeddedKafkaBroker.LOOPBACK_HOST, 0));
            return socket.getLocalPort();
        }
    }
}
