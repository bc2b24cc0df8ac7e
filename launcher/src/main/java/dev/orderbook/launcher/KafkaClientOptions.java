package dev.orderbook.launcher;

import dev.orderbook.contract.KafkaClientConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** How a command reaches Kafka: {@code --bootstrap} and {@code --kafka-config}, for every command that talks to it. */
final class KafkaClientOptions {
    @Option(names = "--bootstrap", paramLabel = "HOST:PORT",
            description = "Kafka bootstrap servers, comma-separated (or bootstrap.servers in --kafka-config).")
    String bootstrap;

    @Option(names = "--kafka-config", paramLabel = "FILE",
            description = "A Kafka client properties file, as Kafka's tools take with --command-config: TLS, SASL, "
                    + "timeouts, tuning, applied to every Kafka client of the command (admin, producer, consumer, "
                    + "Kafka Streams). Config providers work ($${file:PATH:KEY}, $${env:NAME}), so secrets can stay in "
                    + "mounted files. Properties the guarantees depend on (idempotence, acks, partitioner, "
                    + "processing guarantee, application id...) are refused. Values are never logged.")
    Path kafkaConfig;

    /** Whether the command was pointed at a cluster at all (run and bench start an embedded broker otherwise). */
    boolean given() {
        return (bootstrap != null && !bootstrap.isBlank()) || kafkaConfig != null;
    }

    /** The client configuration; {@link IllegalArgumentException} with a one-line message for a bad file. */
    KafkaClientConfig load() {
        return KafkaClientConfig.load(bootstrap, kafkaConfig);
    }
}
