package dev.orderbook.contract;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaClientConfigTest {
    private static final String JAAS = "org.apache.kafka.common.security.scram.ScramLoginModule required "
            + "username=\"ingestor\" password=\"s3cret-Pa55\";";

    @TempDir
    Path dir;

    @Test
    void shouldGiveEachClientTheFilePropertiesItKnows() throws IOException {
        final Path file = write("client.properties", """
                security.protocol=SASL_SSL
                sasl.mechanism=SCRAM-SHA-512
                linger.ms=20
                session.timeout.ms=9000
                producer.batch.size=65536
                num.stream.threads=2
                """);
        final KafkaClientConfig config = KafkaClientConfig.load("broker:9093", file);

        assertThat(config.admin()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("bootstrap.servers", "broker:9093")
                .doesNotContainKeys("linger.ms", "session.timeout.ms", "num.stream.threads");
        assertThat(config.producer()).containsEntry("linger.ms", "20").containsEntry("batch.size", "65536")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512").doesNotContainKeys("session.timeout.ms");
        assertThat(config.consumer()).containsEntry("session.timeout.ms", "9000").doesNotContainKeys("linger.ms");
        assertThat(config.streams()).containsEntry("num.stream.threads", "2")
                .containsEntry("producer.batch.size", "65536").containsEntry("bootstrap.servers", "broker:9093");
    }

    @Test
    void shouldLetTheBootstrapOptionWinOverTheFile() throws IOException {
        final Path file = write("c.properties", "bootstrap.servers=from-file:9092\n");
        assertThat(KafkaClientConfig.load("from-flag:9092", file).bootstrapServers()).isEqualTo("from-flag:9092");
        assertThat(KafkaClientConfig.load(null, file).bootstrapServers()).isEqualTo("from-file:9092");
        assertThat(KafkaClientConfig.load(null, file).properties()).doesNotContainKey("bootstrap.servers");
    }

    @Test
    void shouldRefuseAConfigurationWithoutBootstrapServers() {
        assertThatThrownBy(() -> KafkaClientConfig.load(null, null))
                .hasMessageContaining("--bootstrap").hasMessageContaining("bootstrap.servers in --kafka-config");
    }

    @Test
    void shouldRefuseEveryPropertyTheGuaranteesDependOnBehindAnyPrefix() throws IOException {
        for (final String key : new String[] {"enable.idempotence", "acks", "producer.acks", "partitioner.class",
                "processing.guarantee", "application.id", "main.consumer.isolation.level", "transactional.id",
                "value.serializer"}) {
            final Path file = write("bad.properties", key + "=whatever-secret-value\n");
            assertThatThrownBy(() -> KafkaClientConfig.load("b:9092", file))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(key).hasMessageContaining(file.toString())
                    .hasMessageNotContaining("whatever-secret-value");
        }
    }

    @Test
    void shouldSayWhichFileCannotBeRead() {
        final Path missing = dir.resolve("nope.properties");
        assertThatThrownBy(() -> KafkaClientConfig.load("b:9092", missing))
                .hasMessageStartingWith("cannot read the Kafka config file " + missing);
    }

    @Test
    void shouldResolveSecretsThroughKafkasFileAndEnvConfigProviders() throws IOException {
        final Path secret = write("secret.properties", "jaas=" + JAAS.replace("\"", "\\\"") + "\n");
        final Path file = write("client.properties", """
                config.providers=file,env
                config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider
                config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
                sasl.jaas.config=${file:%s:jaas}
                """.formatted(secret));
        final KafkaClientConfig config = KafkaClientConfig.load("b:9092", file);

        final Map<String, Object> producer = new HashMap<>(config.producer());
        producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        assertThat(new ProducerConfig(producer).getPassword(SaslConfigs.SASL_JAAS_CONFIG).value()).isEqualTo(JAAS);
        assertThat(new AdminClientConfig(config.admin()).getPassword(SaslConfigs.SASL_JAAS_CONFIG).value())
                .isEqualTo(JAAS);
        final Map<String, Object> consumer = new HashMap<>(config.consumer());
        consumer.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        consumer.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        assertThat(new ConsumerConfig(consumer).getPassword(SaslConfigs.SASL_JAAS_CONFIG).value()).isEqualTo(JAAS);
    }

    @Test
    void shouldResolveEnvironmentReferences() throws IOException {
        final String name = System.getenv().containsKey("HOME") ? "HOME" : "PATH";
        final Path file = write("client.properties", """
                config.providers=env
                config.providers.env.class=org.apache.kafka.common.config.provider.EnvVarConfigProvider
                ssl.truststore.location=${env:%s}
                """.formatted(name));
        final AdminClientConfig admin = new AdminClientConfig(KafkaClientConfig.load("b:9092", file).admin());
        assertThat(admin.getString("ssl.truststore.location")).isEqualTo(System.getenv(name));
    }

    @Test
    void shouldNeverShowValuesInItsDescription() throws IOException {
        final Path file = write("client.properties", "sasl.jaas.config=" + JAAS.replace("\"", "\\\"") + "\n");
        assertThat(KafkaClientConfig.load("b:9092", file).toString())
                .contains("sasl.jaas.config").doesNotContain("s3cret-Pa55");
    }

    private Path write(final String name, final String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }
}
