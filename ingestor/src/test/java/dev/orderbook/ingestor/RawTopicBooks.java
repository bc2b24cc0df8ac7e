package dev.orderbook.ingestor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orderbook.contract.Header;
import dev.orderbook.simulator.server.BookSnapshot;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Test side of the raw-topic contract: reads a topic whole, and rebuilds each product's book from its records with
 * an independent Jackson/BigDecimal reference (not the production codec), so that "no lost, duplicated or reordered
 * message" can be checked against the simulator's market.
 */
public final class RawTopicBooks {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One record as read. */
    public record Raw(int partition, long offset, String key, byte[] value, JsonNode json, Map<String, byte[]> headers) {
        public boolean isGap() {
            return "x-orderbook-gap".equals(json.path("type").asText());
        }

        /** A gap marker an ingestor writes when it starts (or takes over), before it connects. */
        public boolean isStartupMarker() {
            return isGap() && "startup".equals(json.path("reason").asText());
        }

        /** A liveness record: the ingestor's word that the product's feed is healthy. */
        public boolean isLiveness() {
            return "x-orderbook-liveness".equals(json.path("type").asText());
        }

        /** The record's number among its product's records in its session. */
        public long productSeq() {
            return Header.longHeader(headers.get(Header.PRODUCT_SEQ.key()));
        }

        public boolean isSnapshot() {
            if ("snapshot".equals(json.path("type").asText())) {
                return true;
            }
            for (final JsonNode event : json.path("events")) {
                if ("snapshot".equals(event.path("type").asText())) {
                    return true;
                }
            }
            return false;
        }

        public String sessionId() {
            final byte[] id = headers.get(Header.SESSION_ID.key());
            return id == null ? null : new String(id, StandardCharsets.UTF_8);
        }

        /** The leadership epoch of the ingestor that wrote it. */
        public long leaderEpoch() {
            return Header.longHeader(headers.get(Header.LEADER_EPOCH.key()));
        }

        public long sessionSeq() {
            return Header.longHeader(headers.get(Header.SESSION_SEQ.key()));
        }

        public String describe() {
            return isGap() ? "gap:" + json.path("reason").asText() : isSnapshot() ? "snapshot" : "update";
        }
    }

    /** One product's book, rebuilt. */
    public static final class Book {
        public final NavigableMap<BigDecimal, BigDecimal> bids = new TreeMap<>();
        public final NavigableMap<BigDecimal, BigDecimal> asks = new TreeMap<>();
        public boolean stale = true;

        public void apply(final Raw raw) {
            final JsonNode m = raw.json();
            if (raw.isGap()) {
                stale = true;
            } else if ("snapshot".equals(m.path("type").asText())) {
                bids.clear();
                asks.clear();
                m.get("bids").forEach(level -> set(bids, level.get(0).asText(), level.get(1).asText()));
                m.get("asks").forEach(level -> set(asks, level.get(0).asText(), level.get(1).asText()));
                stale = false;
            } else if ("l2update".equals(m.path("type").asText())) {
                m.get("changes").forEach(c -> set("buy".equals(c.get(0).asText()) ? bids : asks,
                        c.get(1).asText(), c.get(2).asText()));
            } else if ("l2_data".equals(m.path("channel").asText())) {
                for (final JsonNode event : m.get("events")) {
                    if ("snapshot".equals(event.get("type").asText())) {
                        bids.clear();
                        asks.clear();
                        stale = false;
                    }
                    event.get("updates").forEach(u -> set("bid".equals(u.get("side").asText()) ? bids : asks,
                            u.get("price_level").asText(), u.get("new_quantity").asText()));
                }
            } else {
                throw new AssertionError("not a raw-topic book message: " + m);
            }
        }

        private static void set(final NavigableMap<BigDecimal, BigDecimal> side, final String price,
                                final String size) {
            final BigDecimal s = new BigDecimal(size);
            if (s.signum() == 0) {
                side.remove(new BigDecimal(price));
            } else {
                side.put(new BigDecimal(price), s);
            }
        }
    }

    private RawTopicBooks() {
    }

    /** Every record of each product (startup markers and liveness records included), in offset order. */
    public static Map<String, List<Raw>> allByProduct(final List<Raw> records) {
        final Map<String, List<Raw>> out = new TreeMap<>();
        for (final Raw r : records) {
            out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
        }
        for (final List<Raw> list : out.values()) {
            list.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                    : Long.compare(a.offset(), b.offset()));
        }
        return out;
    }

    /** Every record of the topic now, in offset order per partition. */
    public static List<Raw> readAll(final String bootstrap, final String topic) {
        final Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 17 * 1024 * 1024);
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 64 * 1024 * 1024);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            final List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            final Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            final List<Raw> out = new ArrayList<>();
            final long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end " + end);
                }
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    final Map<String, byte[]> headers = new LinkedHashMap<>();
                    for (final org.apache.kafka.common.header.Header h : r.headers()) {
                        headers.put(h.key(), h.value());
                    }
                    out.add(new Raw(r.partition(), r.offset(),
                            r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8), r.value(),
                            parse(r.value()), headers));
                }
            }
            return out;
        }
    }

    /** The topic's records per product (key), each product's in offset order. */
    public static Map<String, List<Raw>> byProduct(final List<Raw> records) {
        final Map<String, List<Raw>> out = new TreeMap<>();
        for (final Raw r : records) {
            // The feed's own story: the ingestor's startup markers and liveness records are checked apart.
            if (!r.isStartupMarker() && !r.isLiveness()) {
                out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r);
            }
        }
        for (final List<Raw> list : out.values()) {
            list.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                    : Long.compare(a.offset(), b.offset()));
        }
        return out;
    }

    /** Rebuilds a product's book from its records. */
    public static Book book(final List<Raw> records) {
        final Book book = new Book();
        records.forEach(book::apply);
        return book;
    }

    /**
     * Asserts that the book rebuilt from a product's records is live and equal to the simulator's market, decimals
     * compared by value (the feed spells 0.3 and 0.30000000 alike).
     */
    public static void assertLiveAndEqual(final String product, final List<Raw> records, final BookSnapshot market) {
        final Book book = book(records);
        assertThat(book.stale).as("%s live", product).isFalse();
        assertThat(normalized(book.bids)).as("%s bids", product).isEqualTo(normalized(market.bids()));
        assertThat(normalized(book.asks)).as("%s asks", product).isEqualTo(normalized(market.asks()));
    }

    private static Map<BigDecimal, BigDecimal> normalized(final Map<BigDecimal, BigDecimal> side) {
        final Map<BigDecimal, BigDecimal> out = new TreeMap<>();
        side.forEach((price, size) -> out.put(price.stripTrailingZeros(), size.stripTrailingZeros()));
        return out;
    }

    private static JsonNode parse(final byte[] value) {
        try {
            return MAPPER.readTree(value);
        } catch (final IOException e) {
            // Dead letters may hold anything; raw-topic tests fail on them through describe()/apply().
            try {
                return MAPPER.readTree("{\"unparseable\":true}");
            } catch (final IOException impossible) {
                throw new UncheckedIOException(impossible);
            }
        }
    }
}
