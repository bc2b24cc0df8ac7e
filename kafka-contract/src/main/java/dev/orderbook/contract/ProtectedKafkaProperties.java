package dev.orderbook.contract;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Kafka client properties the product's guarantees depend on: each is set by the code (or by an option of its
 * own), and an operator's value for it is refused wherever it comes from (the Kafka config file, any client prefix),
 * with the reason. One place for the list; {@link KafkaClientConfig} applies it.
 */
public final class ProtectedKafkaProperties {
    /** Client prefixes Kafka Streams understands; a protected key is refused behind any of them too. */
    static final List<String> CLIENT_PREFIXES = List.of("main.consumer.", "restore.consumer.", "global.consumer.",
            "consumer.", "producer.", "admin.");

    private static final Map<String, String> REASONS = reasons();

    private ProtectedKafkaProperties() {
    }

    private static Map<String, String> reasons() {
        final Map<String, String> r = new LinkedHashMap<>();
        r.put("enable.idempotence", "the raw topic is written without duplicates or reordering only with it");
        r.put("acks", "a record counts as published only when every in-sync replica has it (acks=all)");
        r.put("max.in.flight.requests.per.connection", "idempotence keeps order with at most 5, which is set");
        r.put("partitioner.class", "each product's partition follows from --products (the product partitioner)");
        r.put(ProductPartitioner.PRODUCTS_CONFIG, "it is --products");
        r.put("processing.guarantee", "it is --guarantee");
        r.put("application.id", "it is --application-id (it names the consumer group and the internal topics)");
        r.put("application.server", "it is --advertised-host with the HTTP port");
        r.put("transactional.id", "Kafka Streams sets it for exactly-once (from the application id)");
        r.put("auto.offset.reset", "a new processor reads the raw topic from its start (the books need the "
                + "snapshots); the ingestor's control consumer starts at the end (old requests are moot)");
        r.put("isolation.level", "the services read only committed records (read_committed)");
        r.put("group.id", "it is --group-id for the ingestor and --application-id for the processor");
        r.put("enable.auto.commit", "the services commit their offsets themselves (the ingestor's lease)");
        for (final String k : List.of("key.serializer", "value.serializer", "key.deserializer", "value.deserializer",
                "default.key.serde", "default.value.serde")) {
            r.put(k, "records are bytes in the formats of docs/design; the services encode them");
        }
        return Map.copyOf(r);
    }

    /** The protected keys, unprefixed. */
    public static List<String> keys() {
        return REASONS.keySet().stream().sorted().toList();
    }

    /**
     * Why {@code key} may not be set by an operator, if it is protected (also behind a client prefix such as
     * {@code producer.} or {@code main.consumer.}).
     */
    public static Optional<String> reasonFor(final String key) {
        return Optional.ofNullable(REASONS.get(unprefixed(key)));
    }

    /**
     * Refuses the properties a service sets itself for one of its clients (an option of its own, or a value its
     * design depends on), so that an operator's value is never silently overridden.
     *
     * @param given the operator's properties as that client gets them
     * @param fixed the keys the service sets for that client, each with why (for example "it is --threads")
     * @param who   the client, for the message (for example "the ingestor's producer")
     * @throws IllegalArgumentException naming the first such key given
     */
    public static void refuseFixed(final Collection<String> given, final Map<String, String> fixed, final String who) {
        for (final String key : given) {
            final String why = fixed.get(key);
            if (why != null) {
                throw new IllegalArgumentException("the Kafka config file sets " + key + " for " + who
                        + ", which sets it itself: " + why + "; remove it");
            }
        }
    }

    /** The key without a Kafka Streams client prefix ({@code producer.linger.ms} -> {@code linger.ms}). */
    public static String unprefixed(final String key) {
        for (final String prefix : CLIENT_PREFIXES) {
            if (key.startsWith(prefix)) {
                return key.substring(prefix.length());
            }
        }
        return key;
    }
}
