package dev.orderbook.kafka.embedded;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedKafkaBrokerPropertiesTest {

    private static final Path LOG_DIR = Path.of("/tmp/kafka-test");

    @Test
    void shouldListenOnLoopbackOnlyWithStaticSingleVoterQuorum() {
        final Map<String, String> props = EmbeddedKafkaBroker.brokerProperties(Map.of(), LOG_DIR, 9092, 9093);

        assertThat(props)
            .containsEntry("process.roles", "broker,controller")
            .containsEntry("node.id", "1")
            .containsEntry("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093")
            .containsEntry("advertised.listeners", "PLAINTEXT://127.0.0.1:9092")
            .containsEntry("controller.quorum.voters", "1@127.0.0.1:9093")
            .containsEntry("log.dirs", LOG_DIR.toString())
            .containsEntry("metadata.log.dir", LOG_DIR.toString());
    }

    @Test
    void shouldAddProxiedListenerThatBindsOnePortAndAdvertisesAnother() {
        final Map<String, String> props =
            EmbeddedKafkaBroker.brokerProperties(Map.of(), LOG_DIR, 9092, 9093, 9094, 19094);

        assertThat(props)
            .containsEntry("listeners",
                "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093,PROXIED://127.0.0.1:9094")
            .containsEntry("advertised.listeners", "PLAINTEXT://127.0.0.1:9092,PROXIED://127.0.0.1:19094")
            .containsEntry("listener.security.protocol.map",
                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,PROXIED:PLAINTEXT")
            .containsEntry("inter.broker.listener.name", "PLAINTEXT");
    }

    @Test
    void shouldConfigureNoProxiedListenerUnlessAsked() {
        final Map<String, String> props = EmbeddedKafkaBroker.brokerProperties(Map.of(), LOG_DIR, 9092, 9093);

        assertThat(props.get("listener.security.protocol.map")).doesNotContain("PROXIED");
    }

    @Test
    void shouldRejectProxiedListenerPortsOutOfRange() {
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().proxiedListener(-1, 19094))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().proxiedListener(9094, 0))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("advertised");
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().proxiedListener(9094, 65536))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldAddSecuredSaslSslListenerWithStandardAuthorizerAndAnonymousSuperUser() {
        final TlsMaterial.Store keystore = new TlsMaterial.Store(Path.of("/tmp/tls/broker.p12"), "PKCS12", "s3cret");

        final Map<String, String> props =
            EmbeddedKafkaBroker.brokerProperties(Map.of(), LOG_DIR, 9092, 9093, -1, -1, 9095, keystore);

        assertThat(props)
            .containsEntry("listeners",
                "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093,SECURED://127.0.0.1:9095")
            .containsEntry("advertised.listeners", "PLAINTEXT://127.0.0.1:9092,SECURED://127.0.0.1:9095")
            .containsEntry("listener.security.protocol.map",
                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SECURED:SASL_SSL")
            .containsEntry("inter.broker.listener.name", "PLAINTEXT")
            .containsEntry("listener.name.secured.sasl.enabled.mechanisms", "SCRAM-SHA-512")
            .containsEntry("listener.name.secured.scram-sha-512.sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required;")
            .containsEntry("listener.name.secured.ssl.keystore.location", "/tmp/tls/broker.p12")
            .containsEntry("listener.name.secured.ssl.keystore.type", "PKCS12")
            .containsEntry("listener.name.secured.ssl.keystore.password", "s3cret")
            .containsEntry("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
            .containsEntry("allow.everyone.if.no.acl.found", "false")
            .containsEntry("super.users", "User:ANONYMOUS");
    }

    @Test
    void shouldConfigureNoAuthorizerUnlessSecured() {
        final Map<String, String> props = EmbeddedKafkaBroker.brokerProperties(Map.of(), LOG_DIR, 9092, 9093);

        assertThat(props).doesNotContainKeys("authorizer.class.name", "super.users");
        assertThat(props.get("listener.security.protocol.map")).doesNotContain("SASL_SSL");
    }

    @Test
    void shouldRejectOverridesOfAuthorizerSettingsOfSecuredBroker() {
        final TlsMaterial.Store keystore = new TlsMaterial.Store(Path.of("/tmp/tls/broker.p12"), "PKCS12", "s3cret");

        assertThatThrownBy(() -> EmbeddedKafkaBroker.brokerProperties(
            Map.of("super.users", "User:alice"), LOG_DIR, 9092, 9093, -1, -1, 9095, keystore))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("super.users");
    }

    @Test
    void shouldShowPasswordsAndJaasConfigsAsHidden() {
        final Map<String, String> shown = EmbeddedKafkaBroker.hideSecrets(Map.of(
            "listener.name.secured.ssl.keystore.password", "s3cret",
            "listener.name.secured.scram-sha-512.sasl.jaas.config", "x required;",
            "ssl.truststore.location", "/tmp/tls/trust.p12"));

        assertThat(shown)
            .containsEntry("listener.name.secured.ssl.keystore.password", "[hidden]")
            .containsEntry("listener.name.secured.scram-sha-512.sasl.jaas.config", "[hidden]")
            .containsEntry("ssl.truststore.location", "/tmp/tls/trust.p12");
    }

    @Test
    void shouldApplySingleNodeDefaults() {
        final Map<String, String> props = EmbeddedKafkaBroker.brokerProperties(Map.of(), LOG_DIR, 9092, 9093);

        assertThat(props)
            .containsEntry("offsets.topic.replication.factor", "1")
            .containsEntry("transaction.state.log.replication.factor", "1")
            .containsEntry("transaction.state.log.min.isr", "1")
            .containsEntry("group.initial.rebalance.delay.ms", "0")
            .containsEntry("message.max.bytes", "16842752")
            .containsEntry("replica.fetch.max.bytes", "16842752");
    }

    @Test
    void shouldAllowFiveMegabyteSnapshotWithRoomToSpare() {
        assertThat(EmbeddedKafkaBroker.MAX_MESSAGE_BYTES).isGreaterThan(16 * 1024 * 1024);
    }

    @Test
    void shouldLetOverridesReplaceDefaults() {
        final Map<String, String> props = EmbeddedKafkaBroker.brokerProperties(
            Map.of("group.initial.rebalance.delay.ms", "500", "auto.create.topics.enable", "false"),
            LOG_DIR, 9092, 9093);

        assertThat(props)
            .containsEntry("group.initial.rebalance.delay.ms", "500")
            .containsEntry("auto.create.topics.enable", "false");
    }

    @Test
    void shouldRejectOverridesOfListenersQuorumAndStorage() {
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().brokerProperty("listeners", "PLAINTEXT://0.0.0.0:9092"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("listeners");
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().brokerProperty("log.dirs", "/data"))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EmbeddedKafkaBroker.brokerProperties(
            Map.of("controller.quorum.voters", "1@10.0.0.1:9093"), LOG_DIR, 9092, 9093))
            .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRejectPortOutOfRange() {
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().port(65536))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EmbeddedKafkaBroker.builder().port(-1))
            .isInstanceOf(IllegalArgumentException.class);
    }
}
