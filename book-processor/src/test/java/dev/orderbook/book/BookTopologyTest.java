package dev.orderbook.book;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import dev.orderbook.book.engine.AlertThresholds;
import dev.orderbook.book.engine.CrossedPolicy;
import dev.orderbook.book.processor.LevelKeys;
import dev.orderbook.book.processor.LocalBooks;
import dev.orderbook.book.processor.ProcessorMetrics;
import dev.orderbook.codec.model.Side;
import dev.orderbook.contract.Header;
import dev.orderbook.simulator.market.FeedFileGenerator;
import dev.orderbook.simulator.market.FeedFileOptions;
import dev.orderbook.simulator.market.Protocol;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** The topology on {@link TopologyTestDriver}: same summaries as the replay, states, dead letters, the store. */
class BookTopologyTest {
    private static final String SNAPSHOT = "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\","
            + "\"bids\":[[\"100\",\"1\"],[\"99\",\"2\"]],\"asks\":[[\"101\",\"3\"],[\"102\",\"4\"]]}";

    @TempDir
    Path tmp;

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> raw;
    private TestOutputTopic<byte[], byte[]> summaries;
    private TestOutputTopic<byte[], byte[]> alerts;
    private TestOutputTopic<byte[], byte[]> dlq;
    private SimpleMeterRegistry registry;
    private final Map<String, Long> productSeq = new HashMap<>();

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    private BookProcessorConfig.Builder config() {
        final BookProcessorConfig.Builder b = BookProcessorConfig.builder();
        b.bootstrapServers = "unused:9092";
        b.stateDir = tmp.resolve("state");
        b.applicationId = "topology-test";
        return b;
    }

    private void start(final BookProcessorConfig config) {
        registry = new SimpleMeterRegistry();
        final Properties props = config.toStreamsProperties("localhost:1");
        driver = new TopologyTestDriver(BookTopology.build(config, new ProcessorMetrics(registry), new LocalBooks(),
                new FreshRawHistory()), props);
        raw = driver.createInputTopic(config.rawTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        summaries = driver.createOutputTopic(config.summariesTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        alerts = driver.createOutputTopic(config.alertsTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(config.dlqTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private void pipe(final List<RawFeed.Raw> records) {
        for (final RawFeed.Raw r : records) {
            raw.pipeInput(new TestRecord<>(r.key(), r.value(), r.headers()));
        }
    }

    /** One record as the ingestor writes it: session and product sequence headers, numbered per key. */
    private void pipe(final String key, final String value) {
        final Headers headers = new RecordHeaders();
        headers.add(Header.SESSION_ID.key(), "test-session".getBytes(StandardCharsets.UTF_8));
        headers.add(Header.PRODUCT_SEQ.key(), Header.longHeader(productSeq.merge(String.valueOf(key), 1L, Long::sum)));
        raw.pipeInput(new TestRecord<>(key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), headers));
    }

    private static List<String> values(final TestOutputTopic<byte[], byte[]> topic) {
        final List<String> out = new ArrayList<>();
        for (final byte[] v : topic.readValuesToList()) {
            out.add(new String(v, StandardCharsets.UTF_8));
        }
        return out;
    }

    private static List<byte[]> feed(final Path dir, final Protocol protocol, final long badLinePeriod)
            throws IOException {
        final Path file = dir.resolve("feed-" + protocol + ".ndjson");
        FeedFileGenerator.generate(file, FeedFileOptions.defaults().withProtocol(protocol).withMaxChanges(20_000)
                .withLevelsPerSide(200).withSeed(7).withBadLinePeriod(badLinePeriod));
        return RawFeed.lines(file);
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void shouldEmitTheSameSummariesAndAlertsAsTheReplay(final Protocol protocol) throws IOException {
        // Given a generated feed with malformed lines, through one partition (as one replayed file is)
        final List<byte[]> lines = feed(tmp, protocol, 97);
        start(config().build());

        // When it goes through the topology
        pipe(RawFeed.records(lines));

        // Then the summaries and alerts are byte for byte the replay's
        final List<String> expected = RawFeed.replaySummaries(lines);
        assertThat(expected).hasSizeGreaterThan(20);
        assertThat(values(summaries)).containsExactlyElementsOf(expected);
        assertThat(values(alerts)).containsExactlyElementsOf(RawFeed.replayAlerts(lines));
        assertThat(dlq.getQueueSize()).isPositive();
    }

    @Test
    void shouldKeepExactlyTheBookLevelsInTheStoreBidsBestFirst() {
        // Given a level layout, a snapshot and updates that add, change and remove levels
        final BookProcessorConfig.Builder levelLayout = config();
        levelLayout.storeLayout = BookProcessorConfig.StoreLayout.HASH;
        start(levelLayout.build());
        pipe("BTC-USD", SNAPSHOT);
        pipe("BTC-USD", "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"time\":\"t1\",\"changes\":"
                + "[[\"buy\",\"99.5\",\"7\"],[\"buy\",\"99\",\"0\"],[\"sell\",\"102\",\"0.5\"]]}");

        // When the store is scanned per side
        final KeyValueStore<Bytes, byte[]> store = driver.getKeyValueStore("books");
        final byte[] prefix = LevelKeys.prefix("BTC-USD");

        // Then bids come best first, asks best first, with the sizes of the book
        assertThat(levels(store, prefix, Side.BID_CODE)).containsExactly("100=1", "99.5=7");
        assertThat(levels(store, prefix, Side.ASK_CODE)).containsExactly("101=3", "102=0.5");
    }

    private static List<String> levels(final KeyValueStore<Bytes, byte[]> store, final byte[] prefix,
                                       final byte side) {
        final List<String> out = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = store.range(LevelKeys.sideFrom(prefix, side),
                LevelKeys.sideTo(prefix, side))) {
            while (it.hasNext()) {
                final KeyValue<Bytes, byte[]> kv = it.next();
                out.add(dev.orderbook.codec.decimal.Decimals.toString(LevelKeys.priceOf(kv.key.get()), 10) + "="
                        + dev.orderbook.codec.decimal.Decimals.toString(LevelKeys.sizeOf(kv.value), 10));
            }
        }
        return out;
    }

    @Test
    void shouldMarkBookStaleOnGapMarkerUntilTheNextSnapshot() {
        // Given a live book
        start(config().build());
        pipe("BTC-USD", SNAPSHOT);

        // When a gap marker arrives, then updates, then a snapshot
        pipe("BTC-USD", "{\"type\":\"x-orderbook-gap\",\"product_id\":\"BTC-USD\",\"reason\":\"disconnect\"}");
        pipe("BTC-USD", "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"time\":\"t1\",\"changes\":"
                + "[[\"buy\",\"100.5\",\"1\"]]}");
        pipe("BTC-USD", SNAPSHOT);

        // Then one stale summary, none for the skipped update, and live again after the snapshot
        assertThat(values(summaries)).extracting(BookTopologyTest::state).containsExactly("live", "stale", "live");
        assertThat(registry.get("orderbook.books.stale.transitions").counter().count()).isEqualTo(1.0);
    }

    @Test
    void shouldFlagACrossedBookAndWaitForASnapshot() {
        start(config().build());
        pipe("BTC-USD", SNAPSHOT);

        pipe("BTC-USD", "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"time\":\"t1\",\"changes\":"
                + "[[\"buy\",\"101.5\",\"1\"]]}");
        pipe("BTC-USD", "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"time\":\"t2\",\"changes\":"
                + "[[\"sell\",\"103\",\"1\"]]}");

        assertThat(values(summaries)).extracting(BookTopologyTest::state).containsExactly("live", "crossed");
        assertThat(registry.get("orderbook.books.crossed.transitions").counter().count()).isEqualTo(1.0);
        assertThat(registry.get("orderbook.books").tag("state", "crossed").gauge().value()).isEqualTo(1.0);
    }

    @Test
    void shouldTrimTheCrossedLevelsWhenTheTrimPolicyIsConfigured() {
        // Given the trim policy and a live book with asks 101 and 102
        final BookProcessorConfig.Builder b = config();
        b.crossedPolicy = CrossedPolicy.TRIM;
        b.storeLayout = BookProcessorConfig.StoreLayout.HASH;
        start(b.build());
        pipe("BTC-USD", SNAPSHOT);

        // When a bid at 101.5 crosses the ask at 101
        pipe("BTC-USD", "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"time\":\"t1\",\"changes\":"
                + "[[\"buy\",\"101.5\",\"1\"]]}");

        // Then the ask at 101 is removed (in the store too) and the book stays live
        final List<String> out = values(summaries);
        assertThat(out).extracting(BookTopologyTest::state).containsExactly("live", "live");
        assertThat(out.get(1)).contains("\"bid_price\":\"101.5\"").contains("\"ask_price\":\"102\"");
        assertThat(levels(driver.getKeyValueStore("books"), LevelKeys.prefix("BTC-USD"), Side.ASK_CODE))
                .containsExactly("102=4");
        assertThat(registry.get("orderbook.books.trimmed.levels").counter().count()).isEqualTo(1.0);
    }

    @Test
    void shouldAlertOnWideSpreadsWithPerProductThresholds() {
        // Given 10 bps by default and 200 bps for ETH-USD; both books have a spread of ~99 bps
        final BookProcessorConfig.Builder b = config();
        b.alertThresholds = AlertThresholds.of("10", Map.of("ETH-USD", "200"));
        start(b.build());

        pipe("BTC-USD", SNAPSHOT);
        pipe("ETH-USD", SNAPSHOT.replace("BTC-USD", "ETH-USD"));

        assertThat(values(summaries)).hasSize(2);
        assertThat(values(alerts)).singleElement().asString().contains("\"product_id\":\"BTC-USD\"");
    }

    @Test
    void shouldSendEveryKindOfBadRecordToTheDlqWithItsReasonAndGoOn() {
        // Given a live book
        start(config().build());
        pipe("BTC-USD", SNAPSHOT);

        // When bad records of every kind arrive
        pipe("BTC-USD", "{not json");
        pipe("BTC-USD", "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"1e5\",\"1\"]]}");
        pipe("BTC-USD", "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"100\",\"-1\"]]}");
        pipe("BTC-USD", "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"hold\",\"100\",\"1\"]]}");
        pipe("BTC-USD", "{\"type\":\"l2update\"}");
        pipe("BTC-USD", null);
        pipe(null, SNAPSHOT);
        pipe("btc usd", SNAPSHOT);
        pipe("ETH-USD", SNAPSHOT);
        pipe("BTC-USD", "{\"type\":\"l2update_v2\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"1\",\"1\"]]}");
        pipe("BTC-USD", "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[[\"1\",\"1\"]],\"asks\":[]}"
                + " ".repeat(17 * 1024 * 1024));
        // and a good snapshot after them
        pipe("BTC-USD", SNAPSHOT);

        // Then each is a dead letter with its reason and its bytes, and the book is live again at the end
        final List<TestRecord<byte[], byte[]>> dead = dlq.readRecordsToList();
        assertThat(dead).extracting(r -> header(r, Header.DLQ_REASON.key())).containsExactly(
                "INVALID_JSON", "BAD_PRICE", "BAD_SIZE", "UNKNOWN_SIDE", "MISSING_FIELD", "NULL_VALUE", "NULL_KEY",
                "BAD_KEY", "KEY_MISMATCH", "UNKNOWN_BOOK_TYPE", "OVERSIZED");
        assertThat(dead).allSatisfy(r -> assertThat(header(r, Header.DLQ_DETAIL.key())).isNotBlank());
        assertThat(new String(dead.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
        final List<String> out = values(summaries);
        assertThat(out.get(0)).contains("\"state\":\"live\"");
        assertThat(out.get(out.size() - 1)).contains("\"state\":\"live\"").contains("\"product_id\":\"BTC-USD\"");
        assertThat(out).anySatisfy(s -> assertThat(s).contains("\"state\":\"stale\""));
        assertThat(registry.get("orderbook.dlq").tag("reason", "KEY_MISMATCH").counter().count()).isEqualTo(1.0);
    }

    @Test
    void shouldMarkTheMessagesOwnBookStaleWhenItArrivesUnderAnotherProductsKey() {
        // Given two live books in this task
        start(config().build());
        pipe("BTC-USD", SNAPSHOT);
        pipe("ETH-USD", SNAPSHOT.replace("BTC-USD", "ETH-USD"));
        summaries.readValuesToList();
        // When an ETH-USD update arrives keyed BTC-USD
        pipe("BTC-USD", "{\"type\":\"l2update\",\"product_id\":\"ETH-USD\",\"changes\":[[\"buy\",\"100.5\",\"1\"]]}");
        // Then both books are stale: neither stays live and wrong
        assertThat(values(summaries)).extracting(BookTopologyTest::state).containsExactly("stale", "stale");
    }

    @Test
    void shouldNotCreateAPhantomBookForAProductNamedByAStrayRecordOfAnotherPartition() {
        // Given a live BTC-USD book in this task
        start(config().build());
        pipe("BTC-USD", SNAPSHOT);
        summaries.readValuesToList();
        // When a malformed SOL-USD update (whose book lives elsewhere) arrives keyed BTC-USD
        pipe("BTC-USD", "{\"type\":\"l2update\",\"product_id\":\"SOL-USD\",\"changes\":[[\"buy\",\"1\",\"-1\"]]}");
        // Then it is a dead letter, and no SOL-USD book or summary appears here
        assertThat(dlq.readRecordsToList()).hasSize(1);
        assertThat(values(summaries)).noneMatch(s -> s.contains("SOL-USD"));
    }

    private static String header(final TestRecord<byte[], byte[]> r, final String name) {
        final org.apache.kafka.common.header.Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldWriteSummariesThatValidateAgainstTheSchema() throws IOException {
        start(config().build());
        pipe(RawFeed.records(feed(tmp, Protocol.EXCHANGE, 53)));

        final JsonSchema schema;
        try (InputStream in = getClass().getResourceAsStream("/schema/orderbook-summary-v1.schema.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
        final ObjectMapper mapper = new ObjectMapper();
        final List<String> out = values(summaries);
        assertThat(out).isNotEmpty();
        for (final String s : out) {
            final JsonNode node = mapper.readTree(s);
            assertThat(schema.validate(node)).as(s).isEmpty();
        }
        assertThat(registry.get("orderbook.changes.applied").counter().count()).isPositive();
    }

    private static String state(final String summary) {
        final int at = summary.indexOf("\"state\":\"") + 9;
        return summary.substring(at, summary.indexOf('"', at));
    }
}
