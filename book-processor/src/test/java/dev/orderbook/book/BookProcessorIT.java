package dev.orderbook.book;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.orderbook.book.service.BookProcessorService;
import dev.orderbook.book.service.ProcessorTopics;
import dev.orderbook.contract.KafkaClientConfig;
import dev.orderbook.contract.Limits;
import dev.orderbook.contract.TopicSetup;
import dev.orderbook.contract.Header;
import dev.orderbook.kafka.embedded.KafkaCluster;
import dev.orderbook.kafka.embedded.junit.KafkaClusterExtension;
import dev.orderbook.simulator.market.FeedFileGenerator;
import dev.orderbook.simulator.market.FeedFileOptions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The processor on a real broker: same summaries as the replay (read_committed), topics, HTTP endpoints. */
@ExtendWith(KafkaClusterExtension.class)
class BookProcessorIT {
    static final List<String> PRODUCTS = FeedFileOptions.PRODUCT_IDS_DEFAULT;

    @TempDir
    Path tmp;

    static BookProcessorConfig.Builder config(final KafkaCluster cluster, final Path stateDir, final String raw) {
        final BookProcessorConfig.Builder b = BookProcessorConfig.builder();
        b.applicationId = KafkaClusterExtension.uniqueTopicName("app");
        b.stateDir = stateDir;
        b.httpHost = "127.0.0.1";
        b.httpPort = 0;
        b.rawTopic = raw;
        b.summariesTopic = KafkaClusterExtension.uniqueTopicName("summaries");
        b.alertsTopic = KafkaClusterExtension.uniqueTopicName("alerts");
        b.dlqTopic = KafkaClusterExtension.uniqueTopicName("dlq");
        b.controlTopic = KafkaClusterExtension.uniqueTopicName("control");
        b.products = PRODUCTS;
        // Recorded input without an ingestor: no liveness records. The watchdog has tests of its own.
        b.staleAfterMs = NO_WATCHDOG_MS;
        b.kafka = KafkaClientConfig.of(cluster.bootstrapServers(), fastRestart());
        return b;
    }

    /** A stale-after longer than any test: recorded input carries no liveness records. */
    static final long NO_WATCHDOG_MS = 3_600_000;

    /** Small timeouts so that a killed instance's group membership and transaction clear quickly. */
    static Map<String, String> fastRestart() {
        return Map.of("consumer.session.timeout.ms", "6000", "consumer.heartbeat.interval.ms", "1000",
                "producer.transaction.timeout.ms", "5000");
    }

    static List<byte[]> feed(final Path dir, final long seed, final long changes) throws IOException {
        final Path file = dir.resolve("feed-" + seed + ".ndjson");
        FeedFileGenerator.generate(file, FeedFileOptions.defaults().withMaxChanges(changes).withLevelsPerSide(300)
                .withSeed(seed));
        return RawFeed.lines(file);
    }

    static String get(final int port, final String path) throws IOException, InterruptedException {
        final HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    @Test
    void shouldPublishTheReplaySummariesReadCommittedAndServeHttp(final KafkaCluster cluster) throws Exception {
        // Given a backlog of a generated feed on a raw topic of 4 partitions, one product per partition
        final String raw = KafkaClusterExtension.createTopic(cluster, "raw", 4);
        final List<byte[]> lines = feed(tmp, 3, 40_000);
        KafkaIo.produce(cluster.bootstrapServers(), raw, PRODUCTS, RawFeed.records(lines));
        final List<String> expected = RawFeed.replaySummaries(lines);
        final BookProcessorConfig config = config(cluster, tmp.resolve("state"), raw).build();

        // When the processor runs (exactly-once, the default)
        try (BookProcessorService service = BookProcessorService.start(config)) {
            final List<ConsumerRecord<byte[], byte[]>> summaries = KafkaIo.readCommitted(cluster.bootstrapServers(),
                    config.summariesTopic(), expected.size(), Duration.ofSeconds(90));

            // Then each product's committed summaries are the replay's, on that product's partition
            assertThat(KafkaIo.byProduct(summaries)).isEqualTo(KafkaIo.byProductId(expected));
            for (final ConsumerRecord<byte[], byte[]> r : summaries) {
                final String product = new String(r.key(), StandardCharsets.UTF_8);
                assertThat(r.partition()).as(product).isEqualTo(PRODUCTS.indexOf(product));
                assertThat(r.headers().lastHeader(Header.RECEIVE_TIME_NS.key())).isNotNull();
            }
            assertSchemaValid(summaries);
            assertThat(service.awaitReady(Duration.ofSeconds(30))).isTrue();
            assertThat(get(service.httpPort(), "/health")).startsWith("200 ");
            assertThat(get(service.httpPort(), "/ready")).startsWith("200 ");
            final String book = get(service.httpPort(), "/books/BTC-USD?depth=3");
            assertThat(book).startsWith("200 ").contains("\"state\":\"live\"");
            final String last = KafkaIo.byProductId(expected).get("BTC-USD").get(KafkaIo.byProductId(expected)
                    .get("BTC-USD").size() - 1);
            assertThat(book).contains("\"bids\":[[" + field(last, "bid_price") + "," + field(last, "bid_size"));
            assertThat(get(service.httpPort(), "/books/NOPE-USD")).startsWith("404 ");
            final String metrics = get(service.httpPort(), "/metrics");
            assertThat(metrics).contains("orderbook_changes_applied_total").contains("orderbook_summaries_total")
                    .contains("orderbook_book_levels{product=\"BTC-USD\",side=\"bid\"}")
                    .contains("orderbook_e2e_latency_seconds").contains("kafka_stream_");
        }

        // And the output topics were created with the raw topic's partitions and the documented configs
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers()))) {
            final TopicDescription dlq = admin.describeTopics(List.of(config.dlqTopic())).allTopicNames()
                    .get(30, TimeUnit.SECONDS).get(config.dlqTopic());
            assertThat(dlq.partitions()).hasSize(4);
            final ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, config.dlqTopic());
            final Config c = admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res);
            assertThat(c.get("max.message.bytes").value()).isEqualTo(Integer.toString(Limits.DEAD_LETTER_MAX_RECORD_BYTES));
            assertThat(c.get("cleanup.policy").value()).isEqualTo("delete");
        }
    }

    private static String field(final String summary, final String name) {
        final int at = summary.indexOf("\"" + name + "\":") + name.length() + 3;
        return summary.substring(at, summary.indexOf(',', at));
    }

    private static void assertSchemaValid(final List<ConsumerRecord<byte[], byte[]>> records) throws IOException {
        final JsonSchema schema;
        try (InputStream in = BookProcessorIT.class.getResourceAsStream("/schema/orderbook-summary-v1.schema.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
        final ObjectMapper mapper = new ObjectMapper();
        for (final ConsumerRecord<byte[], byte[]> r : records) {
            final JsonNode node = mapper.readTree(r.value());
            assertThat(schema.validate(node)).as(node.toString()).isEmpty();
        }
    }

    @Test
    void shouldDeadLetterEveryBadRecordWithItsReasonAndGoOn(final KafkaCluster cluster) throws Exception {
        // Given a feed salted with malformed lines of every kind, on one partition (so that a line that puts every
        // book in doubt does so for the same books as in the replay)
        final String raw = KafkaClusterExtension.createTopic(cluster, "raw", 1);
        final Path file = tmp.resolve("faulty.ndjson");
        FeedFileGenerator.generate(file, FeedFileOptions.defaults().withMaxChanges(20_000).withLevelsPerSide(200)
                .withSeed(17).withBadLinePeriod(37));
        final List<byte[]> lines = RawFeed.lines(file);
        KafkaIo.produce(cluster.bootstrapServers(), raw, PRODUCTS, RawFeed.records(lines));
        final List<String> expected = RawFeed.replaySummaries(lines);
        final long badLines = RawFeed.replayBadLines(lines);
        final BookProcessorConfig config = config(cluster, tmp.resolve("state"), raw).build();

        // When the processor runs
        try (BookProcessorService service = BookProcessorService.start(config)) {
            final List<ConsumerRecord<byte[], byte[]>> summaries = KafkaIo.readCommitted(cluster.bootstrapServers(),
                    config.summariesTopic(), expected.size(), Duration.ofSeconds(60));
            final List<ConsumerRecord<byte[], byte[]>> dead = KafkaIo.readCommitted(cluster.bootstrapServers(),
                    config.dlqTopic(), (int) badLines, Duration.ofSeconds(30));

            // Then every bad line is a dead letter with its bytes and reason, and the summaries are the replay's
            assertThat(badLines).isGreaterThan(10);
            assertThat(dead).hasSize((int) badLines).allSatisfy(r -> {
                assertThat(r.headers().lastHeader(Header.DLQ_REASON.key())).isNotNull();
                assertThat(r.headers().lastHeader(Header.DLQ_DETAIL.key())).isNotNull();
                assertThat(r.headers().lastHeader(Header.SESSION_ID.key())).isNotNull();
            });
            assertThat(dead).extracting(r -> new String(r.headers().lastHeader(Header.DLQ_REASON.key()).value(),
                    StandardCharsets.UTF_8)).contains("INVALID_JSON", "UNKNOWN_SIDE", "BAD_SIZE", "BAD_PRICE");
            assertThat(summaries.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList())
                    .containsExactlyElementsOf(expected);
            assertThat(get(service.httpPort(), "/metrics")).contains("orderbook_dlq_total{reason=\"INVALID_JSON\"}");
        }
    }

    @Test
    void shouldFailWithAClearMessageWhenTheRawTopicIsMissing(final KafkaCluster cluster) {
        final BookProcessorConfig config = config(cluster, tmp.resolve("state"),
                KafkaClusterExtension.uniqueTopicName("missing")).build();

        assertThatThrownBy(() -> ProcessorTopics.ensure(config)).isInstanceOf(TopicSetup.SetupException.class)
                .hasMessageContaining("raw topic '" + config.rawTopic() + "' does not exist");
    }

    @Test
    void shouldReadARawTopicWhateverItsWritersMessageSizeLimit(final KafkaCluster cluster) {
        // A raw topic another producer set up with a smaller limit than the ingestor's: its business, not ours
        final String raw = KafkaClusterExtension.createTopic(cluster, "raw", 2,
                Map.of("max.message.bytes", Integer.toString(16 * 1024 * 1024)));
        final BookProcessorConfig config = config(cluster, tmp.resolve("state"), raw).build();

        assertThat(ProcessorTopics.ensure(config)).isEqualTo(2);
    }

    @Test
    void shouldRefuseATopicItWritesWhenItsMessageSizeLimitIsTooSmallSayingHowToRaiseIt(final KafkaCluster cluster) {
        final String raw = KafkaClusterExtension.createTopic(cluster, "raw", 1);
        final BookProcessorConfig.Builder b = config(cluster, tmp.resolve("state"), raw);
        b.dlqTopic = KafkaClusterExtension.createTopic(cluster, "dlq", 1, Map.of("max.message.bytes", "1048576"));
        final BookProcessorConfig config = b.build();

        assertThatThrownBy(() -> ProcessorTopics.ensure(config)).isInstanceOf(TopicSetup.SetupException.class)
                .hasMessageContaining("max.message.bytes=1048576")
                .hasMessageContaining("kafka-configs.sh --bootstrap-server " + cluster.bootstrapServers()
                        + " --command-config admin.properties --alter --entity-type topics --entity-name "
                        + b.dlqTopic);
    }

    @Test
    void shouldFailWithAClearMessageWhenTheBrokerIsUnreachable(final KafkaCluster cluster) {
        final BookProcessorConfig.Builder b = config(cluster, tmp.resolve("state"), "raw");
        b.kafka = KafkaClientConfig.of("127.0.0.1:1");
        b.adminTimeoutMs = 2_000;
        final BookProcessorConfig config = b.build();

        assertThatThrownBy(() -> ProcessorTopics.ensure(config)).isInstanceOf(TopicSetup.SetupException.class)
                .hasMessageContaining("cannot reach Kafka at 127.0.0.1:1");
    }
}
