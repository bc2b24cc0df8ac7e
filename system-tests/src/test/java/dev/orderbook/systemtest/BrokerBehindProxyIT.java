package dev.orderbook.systemtest;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fault suite's pieces together over real processes: a broker JVM with a proxied listener, a {@link TcpProxy}
 * in front of it, Kafka clients in this JVM through the proxy and directly; a cut, a restore, a kill -9 and a
 * restart on the same ports and log directory.
 */
class BrokerBehindProxyIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String TOPIC = "smoke";
    private static final TopicPartition PARTITION = new TopicPartition(TOPIC, 0);

    @TempDir
    Path tmp;

    @Test
    void shouldCutProxiedClientsOffWhileDirectClientsKeepWorkingAndLetThemBackOnRestore(final TestInfo test)
        throws Exception {
        // Given a broker JVM behind a proxy, a retention check interval overridden, and a producer through the proxy
        final int proxiedPort = LoopbackPorts.free();
        try (TcpProxy proxy = TcpProxy.start(TcpProxy.LOOPBACK_HOST, proxiedPort);
             BrokerJvm broker = BrokerJvm.builder(TestNames.of(test), tmp.resolve("kafka"))
                 .proxiedListener(proxiedPort, proxy.port())
                 .brokerProperty("log.retention.check.interval.ms", "1000")
                 .start();
             KafkaProducer<String, String> proxied = producer(broker.proxiedBootstrapServers());
             KafkaProducer<String, String> direct = producer(broker.bootstrapServers())) {
            createTopic(broker);
            assertThat(brokerConfig(broker, "log.retention.check.interval.ms")).isEqualTo("1000");
            send(proxied, "before-cut").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(consume(broker.proxiedBootstrapServers(), 1)).containsExactly("before-cut");
            assertThat(proxy.acceptedConnections()).isPositive();

            // When the proxy cuts its clients off
            proxy.cut();

            // Then a delivery through the proxy times out, while the direct listener serves as before
            final Future<?> cutOff = send(proxied, "during-cut");
            assertThatThrownBy(() -> cutOff.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TimeoutException.class);
            send(direct, "direct-during-cut").get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(consume(broker.bootstrapServers(), 2)).containsExactly("before-cut", "direct-during-cut");

            // When the proxy forwards again, the same producer delivers again
            proxy.restore();
            sendUntilDelivered(proxied, "after-restore");

            // Then nothing sent across the cut arrived, and a clean stop on SIGTERM
            assertThat(consume(broker.proxiedBootstrapServers(), 3))
                .containsExactly("before-cut", "direct-during-cut", "after-restore");
            assertThat(broker.terminate()).isEqualTo(ChildJvm.EXIT_SIGTERM);
            assertThat(broker.process().awaitOutput(
                Pattern.compile("^" + SystemTestBrokerMain.STOPPED_LINE + "$"), TIMEOUT).group())
                .isNotEmpty();
        }
    }

    @Test
    void shouldServeEarlierRecordsAfterKill9AndRestartOnSamePortsAndLogDir(final TestInfo test) throws Exception {
        // Given records written through the proxy
        final int proxiedPort = LoopbackPorts.free();
        try (TcpProxy proxy = TcpProxy.start(TcpProxy.LOOPBACK_HOST, proxiedPort);
             BrokerJvm broker = BrokerJvm.builder(TestNames.of(test), tmp.resolve("kafka"))
                 .proxiedListener(proxiedPort, proxy.port())
                 .start();
             KafkaProducer<String, String> proxied = producer(broker.proxiedBootstrapServers())) {
            createTopic(broker);
            for (final String value : List.of("one", "two", "three")) {
                send(proxied, value).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
            final String bootstrap = broker.bootstrapServers();
            final String clusterId = broker.clusterId();
            final long firstPid = broker.process().pid();

            // When the broker is killed -9 and started again
            assertThat(broker.kill9()).isEqualTo(ChildJvm.EXIT_SIGKILL);
            broker.restart();

            // Then it is the same broker, on the same ports, with the records, through the proxy and directly
            assertThat(broker.process().pid()).isNotEqualTo(firstPid);
            assertThat(broker.process().name()).isEqualTo("broker-2");
            assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
            assertThat(broker.proxiedPort()).isEqualTo(proxiedPort);
            assertThat(broker.clusterId()).isEqualTo(clusterId);
            assertThat(consume(broker.proxiedBootstrapServers(), 3)).containsExactly("one", "two", "three");
            assertThat(consume(broker.bootstrapServers(), 3)).containsExactly("one", "two", "three");
            // And the producer that lived through the restart delivers again
            sendUntilDelivered(proxied, "four");
            assertThat(consume(broker.bootstrapServers(), 4)).containsExactly("one", "two", "three", "four");
        }
    }

    /**
     * A producer that gives up on a record soon (3 s) so that a cut shows quickly, and retries connections often
     * so that it heals quickly.
     */
    private static KafkaProducer<String, String> producer(final String bootstrap) {
        return new KafkaProducer<>(Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ProducerConfig.ACKS_CONFIG, "all",
            ProducerConfig.LINGER_MS_CONFIG, 0,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 3_000,
            ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) TIMEOUT.toMillis(),
            ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500,
            ProducerConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, 1_000,
            ProducerConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, 2_000),
            new StringSerializer(), new StringSerializer());
    }

    private static Future<?> send(final KafkaProducer<String, String> producer, final String value) {
        return producer.send(new ProducerRecord<>(TOPIC, 0, "key", value));
    }

    /** Sends until one attempt is acknowledged: a client that has just been let back in may need a few. */
    private static void sendUntilDelivered(final KafkaProducer<String, String> producer, final String value)
        throws InterruptedException, java.util.concurrent.TimeoutException {
        final long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
        while (true) {
            try {
                send(producer, value).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                return;
            } catch (final ExecutionException e) {
                // A timed-out attempt never reached the broker: a record is either acknowledged or lost, so no
                // duplicate can come of the retry.
                assertThat(e.getCause()).isInstanceOf(TimeoutException.class);
                assertThat(System.nanoTime()).as("delivered within %s", TIMEOUT).isLessThan(deadlineNs);
            }
        }
    }

    private static List<String> consume(final String bootstrap, final int expected) {
        final List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                 ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                 ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
                 new StringDeserializer(), new StringDeserializer())) {
            consumer.assign(List.of(PARTITION));
            consumer.seekToBeginning(List.of(PARTITION));
            final long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
            while (values.size() < expected && System.nanoTime() < deadlineNs) {
                for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            // One more poll: a record beyond the expected ones would show here.
            consumer.poll(Duration.ofMillis(300)).forEach(record -> values.add(record.value()));
        }
        return values;
    }

    private static void createTopic(final BrokerJvm broker) throws Exception {
        try (Admin admin = admin(broker)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all()
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private static String brokerConfig(final BrokerJvm broker, final String key) throws Exception {
        final ConfigResource node = new ConfigResource(ConfigResource.Type.BROKER, "1");
        try (Admin admin = admin(broker)) {
            final Config config = admin.describeConfigs(List.of(node)).all()
                .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(node);
            return config.get(key).value();
        }
    }

    private static Admin admin(final BrokerJvm broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }
}
