package dev.orderbook.kafka.embedded;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.read.ListAppender;
import ch.qos.logback.core.spi.FilterReply;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLHandshakeException;
import java.security.cert.CertPathBuilderException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A secured broker ({@link EmbeddedKafkaBroker.Builder#secured()}): SCRAM over TLS, ACLs, the client's certificate
 * check, and no secret in the logs. Client timeouts are bounded so that a failure fails fast instead of retrying.
 */
class SecuredEmbeddedKafkaBrokerIT {

    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(30);
    /**
     * The clients' own timeouts. A client that cannot authenticate fails on the broker's answer (in well under a
     * second), with the authentication error rather than a timeout, so before this: that, not a tight bound a busy
     * machine could miss, is what "fails fast, without retries" is checked against.
     */
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);

    /** Kafka's loggers as logback-test.xml sets them, raised to INFO here to capture the config dumps. */
    private static final List<String> KAFKA_LOGGERS = List.of("kafka", "state.change.logger", "org.apache");

    private static final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private static final Map<String, Level> savedLevels = new HashMap<>();
    private static final KafkaInfoOffConsole consoleAsBefore = new KafkaInfoOffConsole();
    private static EmbeddedKafkaBroker broker;
    private static BrokerSecurity security;

    @BeforeAll
    static void startSecuredBroker() {
        captureKafkaInfoLogs();
        broker = EmbeddedKafkaBroker.builder().secured().start();
        security = broker.security();
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
        restoreLogging();
    }

    @Test
    void shouldProduceAndConsumeOverSaslSslWithGrantedAcls() throws Exception {
        // Given a user with a password, a topic, and ACLs to write to it and read it in one group
        final String user = "alice-" + UUID.randomUUID();
        final String password = UUID.randomUUID().toString();
        final String topic = createTopic("granted");
        final String group = "group-" + UUID.randomUUID();
        security.addUser(user, password);
        security.createAcls(List.of(
            allow(user, ResourceType.TOPIC, topic, AclOperation.WRITE),
            allow(user, ResourceType.TOPIC, topic, AclOperation.DESCRIBE),
            allow(user, ResourceType.TOPIC, topic, AclOperation.READ),
            allow(user, ResourceType.GROUP, group, AclOperation.READ)));

        // When the user produces and consumes over the secured listener
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                 producerConfig(security.clientProperties(user, password)),
                 new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "BTC-USD", "over-tls-1")).get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(topic, "BTC-USD", "over-tls-2")).get(30, TimeUnit.SECONDS);
        }
        final List<String> values = consume(security.clientProperties(user, password), topic, group, 2);

        // Then the records arrive
        assertThat(values).containsExactly("over-tls-1", "over-tls-2");
    }

    @Test
    void shouldFailFastWithSaslAuthenticationExceptionOnWrongPassword() {
        // Given a user
        final String user = "bob-" + UUID.randomUUID();
        security.addUser(user, "right-" + UUID.randomUUID());

        // When a client gives another password, Then the broker rejects it at once, without retries
        final long startNs = System.nanoTime();
        assertThatThrownBy(() -> describeCluster(security.clientProperties(user, "wrong-" + UUID.randomUUID())))
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(SaslAuthenticationException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - startNs)).as("failed before the client's own timeout")
            .isLessThan(CLIENT_TIMEOUT);
    }

    @Test
    void shouldRejectProducerOfUserWithoutAclsWithTopicAuthorizationException() throws Exception {
        // Given an authenticated user without any ACL, and an existing topic
        final String user = "carol-" + UUID.randomUUID();
        final String password = UUID.randomUUID().toString();
        security.addUser(user, password);
        final String topic = createTopic("denied");

        // When the user produces to it, Then the broker denies it
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                 producerConfig(security.clientProperties(user, password)),
                 new StringSerializer(), new StringSerializer())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(topic, "k", "v")).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void shouldFailTlsHandshakeWhenClientTrustsAnotherCa() {
        // Given a client of a valid user that trusts another CA than the broker's
        final String user = "dave-" + UUID.randomUUID();
        final String password = UUID.randomUUID().toString();
        security.addUser(user, password);
        final TlsMaterial otherCa = TlsMaterial.create();
        try {
            final Map<String, String> config = new HashMap<>(security.clientProperties(user, password));
            config.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, otherCa.truststore().location().toString());
            config.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, otherCa.truststore().password());

            // When it connects, Then the handshake fails on the certificate chain, before SASL
            assertFailsCertificateCheck(config);
        } finally {
            otherCa.delete();
        }
    }

    @Test
    void shouldFailTlsHandshakeWhenClientTrustsOnlyTheJdkDefaultCas() {
        final String user = "dan-" + UUID.randomUUID();
        final String password = UUID.randomUUID().toString();
        security.addUser(user, password);
        final Map<String, String> config = new HashMap<>(security.clientProperties(user, password));
        config.remove(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG);
        config.remove(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG);
        config.remove(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG);

        assertFailsCertificateCheck(config);
    }

    private static void assertFailsCertificateCheck(final Map<String, String> config) {
        final long startNs = System.nanoTime();
        assertThatThrownBy(() -> describeCluster(config))
            .isInstanceOf(ExecutionException.class)
            .hasCauseInstanceOf(SslAuthenticationException.class)
            .hasRootCauseInstanceOf(CertPathBuilderException.class)
            .satisfies(e -> assertThat(causes(e)).anyMatch(SSLHandshakeException.class::isInstance));
        assertThat(Duration.ofNanos(System.nanoTime() - startNs)).as("failed before the client's own timeout")
            .isLessThan(CLIENT_TIMEOUT);
    }

    @Test
    void shouldConnectWithClientPropertiesAloneAndKeepHostnameVerificationOn() throws Exception {
        final String user = "erin-" + UUID.randomUUID();
        final String password = UUID.randomUUID().toString();
        security.addUser(user, password);

        final Map<String, String> config = security.clientProperties(user, password);

        assertThat(config)
            .containsEntry("bootstrap.servers", security.bootstrapServers())
            .containsEntry("security.protocol", "SASL_SSL")
            .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
            .containsEntry("ssl.endpoint.identification.algorithm", "https")
            .containsEntry("ssl.truststore.location", security.truststore().toString())
            .containsEntry("ssl.truststore.type", "PKCS12");
        assertThat(security.bootstrapServers()).startsWith("127.0.0.1:").isNotEqualTo(broker.bootstrapServers());
        assertThat(describeCluster(config)).isEqualTo(broker.clusterId());
    }

    @Test
    void shouldAcceptOnlyTheNewPasswordOfAUserAddedAgain() throws Exception {
        final String user = "frank-" + UUID.randomUUID();
        final String oldPassword = "old-" + UUID.randomUUID();
        final String newPassword = "new \"quoted\" \\ " + UUID.randomUUID();
        security.addUser(user, oldPassword);

        security.addUser(user, newPassword);

        assertThat(describeCluster(security.clientProperties(user, newPassword))).isEqualTo(broker.clusterId());
        assertThatThrownBy(() -> describeCluster(security.clientProperties(user, oldPassword)))
            .hasCauseInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void shouldHideSecretsFromBrokerPropertiesAndToString() {
        final String keystorePassword = broker.tlsMaterial().keystore().password();

        assertThat(broker.brokerProperties())
            .containsEntry("listener.name.secured.ssl.keystore.password", "[hidden]")
            .containsEntry("listener.name.secured.ssl.key.password", "[hidden]")
            .containsEntry("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
            .containsEntry("allow.everyone.if.no.acl.found", "false")
            .containsEntry("super.users", "User:ANONYMOUS");
        assertThat(broker.brokerProperties().values()).doesNotContain(keystorePassword);
        assertThat(security.toString()).doesNotContain(security.truststorePassword());
        assertThat(broker.tlsMaterial().keystore().toString()).doesNotContain(keystorePassword);
    }

    @Test
    void shouldLogNoPasswordOfKeystoreTruststoreOrUser() throws Exception {
        // Given a user whose client logs its configuration, on a broker that logged its own at start
        final String user = "grace-" + UUID.randomUUID();
        final String password = "secret-" + UUID.randomUUID();
        security.addUser(user, password);
        describeCluster(security.clientProperties(user, password));
        final List<String> secrets = List.of(
            broker.tlsMaterial().keystore().password(), security.truststorePassword(), password);

        // When reading every captured line, including Kafka's INFO and exception stack traces
        final List<String> lines = capturedLines();

        // Then the config dumps were captured, and show secrets as [hidden] only
        assertThat(lines).anyMatch(line -> line.contains("ssl.truststore.password = [hidden]"));
        assertThat(lines).anyMatch(line -> line.contains("sasl.jaas.config = [hidden]"));
        for (final String secret : secrets) {
            assertThat(lines).noneMatch(line -> line.contains(secret));
        }
    }

    @Test
    void shouldHaveNoSecuredListenerUnlessAsked() {
        try (EmbeddedKafkaBroker plain = EmbeddedKafkaBroker.start()) {
            assertThat(plain.isSecured()).isFalse();
            assertThatThrownBy(plain::security).isInstanceOf(IllegalStateException.class);
            assertThat(plain.brokerProperties()).doesNotContainKey("authorizer.class.name");
        }
    }

    private static AclBinding allow(final String user, final ResourceType type, final String name,
                                    final AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
            new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }

    /** Creates a topic as the operator, over the plaintext listener. */
    private static String createTopic(final String prefix) throws Exception {
        final String topic = prefix + "-" + UUID.randomUUID();
        final Map<String, Object> operator = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        try (Admin admin = Admin.create(operator)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
        }
        return topic;
    }

    /** The cluster id as the secured listener tells it to a client with this configuration. */
    private static String describeCluster(final Map<String, String> clientProperties) throws Exception {
        final Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CLIENT_TIMEOUT.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CLIENT_TIMEOUT.toMillis());
        try (Admin admin = Admin.create(config)) {
            return admin.describeCluster().clusterId().get(CLIENT_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        }
    }

    private static Map<String, Object> producerConfig(final Map<String, String> clientProperties) {
        final Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) CLIENT_TIMEOUT.toMillis());
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) CLIENT_TIMEOUT.toMillis());
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) CLIENT_TIMEOUT.toMillis() / 2);
        return config;
    }

    private static List<String> consume(final Map<String, String> clientProperties, final String topic,
                                        final String group, final int expected) {
        final Map<String, Object> config = new HashMap<>(clientProperties);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) CLIENT_TIMEOUT.toMillis());
        final List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                 new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            final long deadlineNs = System.nanoTime() + POLL_TIMEOUT.toNanos();
            while (values.size() < expected && System.nanoTime() < deadlineNs) {
                for (final ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
        }
        return values;
    }

    private static List<Throwable> causes(final Throwable throwable) {
        final List<Throwable> chain = new ArrayList<>();
        for (Throwable t = throwable; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    /**
     * Raises Kafka's loggers to INFO and captures every event at the root, while the console keeps showing only
     * their warnings, as logback-test.xml has it.
     */
    private static void captureKafkaInfoLogs() {
        final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (final String name : KAFKA_LOGGERS) {
            final Logger logger = context.getLogger(name);
            savedLevels.put(name, logger.getLevel());
            logger.setLevel(Level.INFO);
        }
        for (final Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            it.next().addFilter(consoleAsBefore);
        }
        captured.setContext(context);
        captured.start();
        root.addAppender(captured);
    }

    private static void restoreLogging() {
        final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        final Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.detachAppender(captured);
        captured.stop();
        consoleAsBefore.active = false;
        savedLevels.forEach((name, level) -> context.getLogger(name).setLevel(level));
    }

    private static List<String> capturedLines() {
        final List<String> lines = new ArrayList<>();
        synchronized (captured) {
            for (final ILoggingEvent event : List.copyOf(captured.list)) {
                lines.add(event.getLoggerName() + " " + event.getFormattedMessage());
                if (event.getThrowableProxy() != null) {
                    lines.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
                }
            }
        }
        return lines;
    }

    /**
     * Keeps Kafka's INFO (raised for capture) off the console while active. Logback cannot detach a filter, so
     * after the class it stays attached, inactive.
     */
    private static final class KafkaInfoOffConsole extends Filter<ILoggingEvent> {
        private volatile boolean active = true;

        @Override
        public FilterReply decide(final ILoggingEvent event) {
            if (!active || event.getLevel().isGreaterOrEqual(Level.WARN)) {
                return FilterReply.NEUTRAL;
            }
            final String name = event.getLoggerName();
            final boolean kafka = KAFKA_LOGGERS.stream().anyMatch(prefix -> name.equals(prefix)
                || name.startsWith(prefix + "."));
            return kafka ? FilterReply.DENY : FilterReply.NEUTRAL;
        }
    }
}
