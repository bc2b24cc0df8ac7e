package dev.orderbook.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.orderbook.book.BookProcessorConfig;
import dev.orderbook.book.engine.AlertThresholds;
import dev.orderbook.book.replay.Replay;
import dev.orderbook.book.service.BookProcessorService;
import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.io.NdjsonReader;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.ingestor.file.FilePublisher;
import dev.orderbook.ingestor.file.Pacing;
import dev.orderbook.ingestor.publish.PublisherConfig;
import dev.orderbook.contract.TopicSpec;
import dev.orderbook.kafka.embedded.KafkaCluster;
import dev.orderbook.kafka.embedded.junit.KafkaClusterExtension;
import dev.orderbook.simulator.market.FeedFileGenerator;
import dev.orderbook.simulator.market.FeedFileOptions;
import dev.orderbook.simulator.market.Protocol;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole contract end to end on a real broker: a feed file published through the ingestor's own path
 * ({@code publish}: keys, split, headers, dead letters, gap markers), turned into books by the Kafka Streams
 * processor (exactly-once), gives per product the same committed summaries as {@code ./orderbook replay} of the
 * file. With malformed lines, the only difference allowed is the {@code time} of a {@code stale} summary: replay
 * marks the book stale at the bad line itself (no time), the pipeline at the ingestor's gap marker (its time).
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(180)
class PublishProcessReplayIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD", "SOL-USD");

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"EXCHANGE, 0", "ADVANCED, 0", "EXCHANGE, 157", "ADVANCED, 157"})
    void shouldCommitTheReplaysSummariesForAFilePublishedAsTheIngestorWould(final Protocol protocol,
                                                                            final long badLineEvery,
                                                                            final KafkaCluster kafka)
            throws Exception {
        // Given a generated feed, published as the live ingestor publishes
        final Path file = dir.resolve("feed.ndjson");
        FeedFileGenerator.generate(file, FeedFileOptions.defaults().withProtocol(protocol).withProductIds(PRODUCTS)
                .withLimits(30_000, 0).withLevelsPerSide(300).withBadLinePeriod(badLineEvery));
        final String raw = KafkaClusterExtension.uniqueTopicName("raw");
        final FilePublisher.Stats published = FilePublisher.publish(file, PublisherConfig.of(kafka.bootstrapServers(),
                PRODUCTS).withTopics(raw, KafkaClusterExtension.uniqueTopicName("ingest-dlq")), Pacing.parse("max"),
                0, TopicSpec.RAW.retention(), Duration.ofSeconds(30));
        assertThat(published.publishFailures()).isZero();
        final Map<String, List<String>> expected = normalized(replay(file), badLineEvery > 0);

        // When the processor turns the raw topic into books
        final BookProcessorConfig.Builder b = BookProcessorConfig.builder();
        b.bootstrapServers = kafka.bootstrapServers();
        b.applicationId = KafkaClusterExtension.uniqueTopicName("app");
        b.stateDir = dir.resolve("state");
        b.httpHost = "127.0.0.1";
        b.httpPort = 0;
        b.rawTopic = raw;
        b.summariesTopic = KafkaClusterExtension.uniqueTopicName("summaries");
        b.alertsTopic = KafkaClusterExtension.uniqueTopicName("alerts");
        b.dlqTopic = KafkaClusterExtension.uniqueTopicName("dlq");
        b.controlTopic = KafkaClusterExtension.uniqueTopicName("control");
        b.products = PRODUCTS;
        // A published file has no ingestor behind it writing liveness records once it ends.
        b.staleAfterMs = 3_600_000;
        final BookProcessorConfig config = b.build();
        final int expectedCount = expected.values().stream().mapToInt(List::size).sum();
        try (BookProcessorService service = BookProcessorService.start(config)) {
            // Then each product's committed summaries are the replay's
            final List<String> committed = readCommitted(kafka, config.summariesTopic(), expectedCount);
            assertThat(normalized(committed, badLineEvery > 0)).isEqualTo(expected);
        }
    }

    private static List<String> replay(final Path file) throws Exception {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (NdjsonReader reader = NdjsonReader.open(file, CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES)) {
            // No sequence check: on the raw topic, the ingestor's gap markers stand for sequence gaps.
            Replay.run(reader, out, null, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new Replay.Options(AlertThresholds.defaults(), ProductRegistry.open(),
                            CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES, 0, false));
        }
        return List.of(out.toString(StandardCharsets.UTF_8).split("\n"));
    }

    /** Per product, in order; with bad lines, a stale summary's time is left out. */
    private static Map<String, List<String>> normalized(final List<String> summaries, final boolean dropStaleTime)
            throws Exception {
        final Map<String, List<String>> out = new TreeMap<>();
        for (final String line : summaries) {
            if (line.isBlank()) {
                continue;
            }
            final ObjectNode summary = (ObjectNode) MAPPER.readTree(line);
            String text = line;
            if (dropStaleTime && "stale".equals(summary.get("state").asText())) {
                summary.set("time", NullNode.getInstance());
                text = MAPPER.writeValueAsString(summary);
            }
            out.computeIfAbsent(summary.get("product_id").asText(), k -> new ArrayList<>()).add(text);
        }
        return out;
    }

    private static List<String> readCommitted(final KafkaCluster kafka, final String topic, final int count) {
        final Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        final List<String> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(topic));
            final long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            long quietSince = System.nanoTime();
            // Until the expected count, then a little longer to catch any extra (duplicate) summary.
            while (System.nanoTime() < deadline
                    && (out.size() < count || System.nanoTime() - quietSince < Duration.ofSeconds(2).toNanos())) {
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(new String(r.value(), StandardCharsets.UTF_8));
                    quietSince = System.nanoTime();
                }
            }
        }
        return out;
    }
}
