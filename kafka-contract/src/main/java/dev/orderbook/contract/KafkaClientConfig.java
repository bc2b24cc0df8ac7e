package dev.orderbook.contract;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * How a service reaches its Kafka cluster: the bootstrap servers and the operator's Kafka client properties (TLS,
 * SASL, timeouts, tuning), as read from a standard Kafka client properties file ({@code --kafka-config}, the file
 * Kafka's own tools take with {@code --command-config}). Every client a command creates gets its properties from
 * here: {@link #admin()}, {@link #producer()}, {@link #consumer()}, {@link #streams()}.
 *
 * <p>Each plain client gets the file's properties it knows (Kafka would warn about the others) and those behind
 * its Kafka Streams prefix ({@code producer.}, {@code consumer.}, {@code admin.}), the prefix removed; Kafka Streams
 * gets them all and hands them to its internal clients itself. Kafka's config providers work:
 * {@code config.providers=file} with {@code config.providers.file.class=}
 * {@code org.apache.kafka.common.config.provider.FileConfigProvider} lets a value read
 * {@code ${file:/etc/kafka/secret.properties:password}}, so that secrets stay in mounted files; every client
 * resolves them when it is created.
 *
 * <p>Properties the product's guarantees depend on are refused ({@link ProtectedKafkaProperties}). Values are
 * never shown: {@link #toString()} lists the keys only, and errors name keys, never values.
 */
public final class KafkaClientConfig {
    private static final String PROVIDERS = "config.providers";

    private final String bootstrapServers;
    private final Map<String, String> properties;
    private final String source;

    private KafkaClientConfig(final String bootstrapServers, final Map<String, String> properties,
                              final String source) {
        this.bootstrapServers = bootstrapServers;
        this.properties = properties;
        this.source = source;
    }

    /** A cluster reached with the bootstrap servers alone (plaintext, no authentication). */
    public static KafkaClientConfig of(final String bootstrapServers) {
        return of(bootstrapServers, Map.of());
    }

    /**
     * A cluster reached with these client properties.
     *
     * @param bootstrapServers {@code host:port[,...]}; null to take {@code bootstrap.servers} from the properties
     * @throws IllegalArgumentException naming the key, for a protected property or no bootstrap servers at all
     */
    public static KafkaClientConfig of(final String bootstrapServers, final Map<String, String> properties) {
        return create(bootstrapServers, properties, "Kafka client properties");
    }

    /**
     * Reads a Kafka client properties file.
     *
     * @param bootstrapServers the {@code --bootstrap} value, which wins over the file's {@code bootstrap.servers};
     *                         null to take the file's
     * @param file             the properties file; null for none
     * @throws IllegalArgumentException for an unreadable file, a protected property, or no bootstrap servers
     */
    public static KafkaClientConfig load(final String bootstrapServers, final Path file) {
        if (file == null) {
            return create(bootstrapServers, Map.of(), "the options");
        }
        final Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (final IOException e) {
            throw new IllegalArgumentException("cannot read the Kafka config file " + file + ": "
                    + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage()));
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("the Kafka config file " + file + " is not a properties file: "
                    + "malformed \\uXXXX escape");
        }
        final Map<String, String> properties = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> properties.put(k.trim(), p.getProperty(k).trim()));
        return create(bootstrapServers, properties, "the Kafka config file " + file);
    }

    private static KafkaClientConfig create(final String bootstrapServers, final Map<String, String> properties,
                                            final String source) {
        for (final String key : properties.keySet()) {
            ProtectedKafkaProperties.reasonFor(key).ifPresent(reason -> {
                throw new IllegalArgumentException(source + " sets " + key + ", which this product sets itself: "
                        + reason + "; remove it");
            });
        }
        final Map<String, String> props = new TreeMap<>(properties);
        final String fromFile = props.remove(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        final String bootstrap = bootstrapServers != null && !bootstrapServers.isBlank() ? bootstrapServers.trim()
                : fromFile;
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new IllegalArgumentException("no Kafka bootstrap servers: give --bootstrap (or ORDERBOOK_BOOTSTRAP, "
                    + "or bootstrap.servers in --kafka-config)");
        }
        return new KafkaClientConfig(bootstrap, Map.copyOf(props), source);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The operator's properties as given (values may be secrets: never log them). */
    public Map<String, String> properties() {
        return properties;
    }

    /** Whether the operator gave any client property (security, tuning). */
    public boolean hasProperties() {
        return !properties.isEmpty();
    }

    /** Properties for an admin client: the bootstrap servers and the file's admin properties. */
    public Map<String, Object> admin() {
        return forClient(AdminClientConfig.configNames(), "admin.");
    }

    /** Properties for a producer; the caller adds its own (serializers, idempotence...) on top. */
    public Map<String, Object> producer() {
        return forClient(ProducerConfig.configNames(), "producer.");
    }

    /** Properties for a consumer; the caller adds its own (group, isolation, deserializers) on top. */
    public Map<String, Object> consumer() {
        return forClient(ConsumerConfig.configNames(), "consumer.");
    }

    /**
     * Properties for Kafka Streams: every property of the file (Streams passes each internal client its own,
     * prefixes included) and the bootstrap servers.
     */
    public Map<String, Object> streams() {
        final Map<String, Object> p = new HashMap<>(properties);
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    private Map<String, Object> forClient(final Set<String> known, final String prefix) {
        final Map<String, Object> p = new HashMap<>();
        properties.forEach((key, value) -> {
            if (known.contains(key) || key.equals(PROVIDERS) || key.startsWith(PROVIDERS + ".")) {
                p.put(key, value);
            }
        });
        // Prefixed values win over plain ones, as in Kafka Streams.
        properties.forEach((key, value) -> {
            if (key.startsWith(prefix) && known.contains(key.substring(prefix.length()))) {
                p.put(key.substring(prefix.length()), value);
            }
        });
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        return p;
    }

    /** The bootstrap servers and the keys of the properties (never their values). */
    @Override
    public String toString() {
        return "KafkaClientConfig[bootstrap=" + bootstrapServers + ", properties=" + properties.keySet()
                + " from " + source + "]";
    }
}
