package dev.orderbook.book;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orderbook.book.processor.LocalBooks;
import dev.orderbook.book.processor.ProcessorMetrics;
import dev.orderbook.codec.RawMarkers;
import dev.orderbook.contract.ControlRequest;
import dev.orderbook.contract.Header;
import dev.orderbook.contract.summary.BookState;
import dev.orderbook.contract.summary.StateReason;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A book is live only while that is proven: the watchdog, the product chain checks, self-healing requests and the
 * in-memory queries, on {@link TopologyTestDriver} with its wall clock moved by hand.
 */
class BookLivenessTopologyTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final long STALE_AFTER_MS = 5_000;
    private static final long RETRY_MS = 10_000;
    private static final String SNAPSHOT = "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\","
            + "\"bids\":[[\"100\",\"1\"],[\"99\",\"2\"]],\"asks\":[[\"101\",\"3\"],[\"102\",\"4\"]]}";

    @TempDir
    Path tmp;

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> raw;
    private TestOutputTopic<byte[], byte[]> summaries;
    private TestOutputTopic<byte[], byte[]> control;
    private TestOutputTopic<byte[], byte[]> dlq;
    private final LocalBooks books = new LocalBooks();
    private long seq;

    @BeforeEach
    void start() {
        final BookProcessorConfig.Builder b = BookProcessorConfig.builder();
        b.bootstrapServers = "unused:9092";
        b.stateDir = tmp.resolve("state");
        b.applicationId = "liveness-test";
        b.staleAfterMs = STALE_AFTER_MS;
        b.resnapshotRetryMs = RETRY_MS;
        final BookProcessorConfig config = b.build();
        driver = new TopologyTestDriver(BookTopology.build(config, new ProcessorMetrics(new SimpleMeterRegistry()),
                books, new FreshRawHistory()), config.toStreamsProperties("localhost:1"), Instant.parse("2026-12-03T13:00:00Z"));
        raw = driver.createInputTopic(config.rawTopic(), new ByteArraySerializer(), new ByteArraySerializer());
        summaries = driver.createOutputTopic(config.summariesTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        control = driver.createOutputTopic(config.controlTopic(), new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        dlq = driver.createOutputTopic(config.dlqTopic(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @AfterEach
    void close() {
        driver.close();
    }

    private void pipe(final String session, final long productSeq, final String json) {
        pipe(1, session, productSeq, json);
    }

    /** A record as an ingestor elected at {@code epoch} writes it. */
    private void pipe(final long epoch, final String session, final long productSeq, final String json) {
        final Headers headers = new RecordHeaders();
        headers.add(Header.SESSION_ID.key(), session.getBytes(StandardCharsets.UTF_8));
        headers.add(Header.PRODUCT_SEQ.key(), Header.longHeader(productSeq));
        headers.add(Header.LEADER_EPOCH.key(), Header.longHeader(epoch));
        raw.pipeInput(new TestRecord<>("BTC-USD".getBytes(StandardCharsets.UTF_8),
                json.getBytes(StandardCharsets.UTF_8), headers));
    }

    /** The next record of the product in session "s1". */
    private void next(final String json) {
        pipe("s1", ++seq, json);
    }

    private static String update(final String side, final String price, final String size) {
        return "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"" + side + "\",\"" + price + "\",\""
                + size + "\"]],\"time\":\"2026-12-03T13:00:00Z\"}";
    }

    private static String liveness() {
        return new String(RawMarkers.liveness("BTC-USD", "2026-12-03T13:00:00Z"), StandardCharsets.UTF_8);
    }

    private List<JsonNode> summaries() throws IOException {
        final List<JsonNode> out = new ArrayList<>();
        for (final byte[] v : summaries.readValuesToList()) {
            out.add(MAPPER.readTree(v));
        }
        return out;
    }

    private static List<String> states(final List<JsonNode> summaries) {
        final List<String> out = new ArrayList<>();
        for (final JsonNode s : summaries) {
            out.add(s.get("state").asText() + (s.get("state_reason").isNull() ? "" : "/" + s.get("state_reason")
                    .asText()));
        }
        return out;
    }

    private List<ControlRequest> requests() {
        final List<ControlRequest> out = new ArrayList<>();
        for (final byte[] v : control.readValuesToList()) {
            out.add(ControlRequest.fromJson(v));
        }
        return out;
    }

    @Test
    void shouldMarkBookStaleOnceWhenItsProductFallsSilent() throws IOException {
        // Given a live book
        next(SNAPSHOT);
        // When nothing of its product arrives for longer than stale-after
        driver.advanceWallClockTime(Duration.ofMillis(STALE_AFTER_MS + 1_500));
        driver.advanceWallClockTime(Duration.ofMillis(STALE_AFTER_MS));
        // Then exactly one stale summary says why, with the last known levels
        final List<JsonNode> out = summaries();
        assertThat(states(out)).containsExactly("live", "stale/feed-silent");
        assertThat(out.get(1).get("bid_price").asText()).isEqualTo("100");
        // and a silence is nothing a snapshot request could mend
        assertThat(requests()).isEmpty();
    }

    @Test
    void shouldKeepAQuietBookLiveWhileLivenessRecordsArrive() throws IOException {
        next(SNAPSHOT);
        for (int i = 0; i < 20; i++) {
            driver.advanceWallClockTime(Duration.ofSeconds(1));
            next(liveness());
        }
        assertThat(states(summaries())).containsExactly("live");
    }

    @Test
    void shouldBecomeLiveAgainWhenTheNextRecordProvesNothingWasLost() throws IOException {
        // Given a book stale for silence (a long pause of the ingestor or the broker)
        next(SNAPSHOT);
        driver.advanceWallClockTime(Duration.ofMillis(STALE_AFTER_MS + 1_500));
        // When the next record of the same session continues the product's sequence
        next(update("buy", "100", "5"));
        // Then the book is live again by itself, and the update is applied
        final List<JsonNode> out = summaries();
        assertThat(states(out)).containsExactly("live", "stale/feed-silent", "live", "live");
        // The resumption shows the book as it stood (no message's time); the update's own summary follows.
        assertThat(out.get(2).get("time").isNull()).isTrue();
        assertThat(out.get(2).get("bid_size").asText()).isEqualTo("1");
        assertThat(out.get(3).get("bid_size").asText()).isEqualTo("5");
    }

    @Test
    void shouldStayStaleAfterASilenceWhenTheNextRecordJumpsAndAskForASnapshot() throws IOException {
        next(SNAPSHOT);
        driver.advanceWallClockTime(Duration.ofMillis(STALE_AFTER_MS + 1_500));
        // When records were lost meanwhile
        seq += 3;
        next(update("buy", "100", "5"));
        // Then the book waits for a snapshot, which it asks the ingestor for at once
        assertThat(states(summaries())).containsExactly("live", "stale/feed-silent", "stale/product-sequence-jump");
        final List<ControlRequest> asked = requests();
        assertThat(asked).extracting(ControlRequest::productId, ControlRequest::reason)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("BTC-USD", "product-sequence-jump"));
        // and a snapshot heals it
        next(SNAPSHOT.replace("\"1\"]", "\"7\"]"));
        assertThat(states(summaries())).containsExactly("live");
    }

    @Test
    void shouldMarkStaleWhenARecordComesFromAnotherSessionThanTheBooksSnapshot() throws IOException {
        next(SNAPSHOT);
        pipe("s2", 1, update("buy", "100", "5"));
        final List<JsonNode> out = summaries();
        assertThat(states(out)).containsExactly("live", "stale/session-changed");
        // The other session's update is not applied to a book built on another one.
        assertThat(out.get(1).get("bid_size").asText()).isEqualTo("1");
    }

    @Test
    void shouldMarkStaleWithTheMarkersReasonAndAskForASnapshotOnlyIfTheIngestorsDoesNotCome() throws IOException {
        next(SNAPSHOT);
        next(new String(RawMarkers.gap("BTC-USD", "startup", null), StandardCharsets.UTF_8));
        assertThat(states(summaries())).containsExactly("live", "stale/gap:startup");
        // The ingestor knows of its own gap: no request at once
        assertThat(requests()).isEmpty();
        // but if no snapshot comes within the retry interval, the book asks, and again later
        driver.advanceWallClockTime(Duration.ofMillis(RETRY_MS + 1_000));
        assertThat(requests()).extracting(ControlRequest::reason).containsExactly("gap:startup");
        driver.advanceWallClockTime(Duration.ofMillis(RETRY_MS + 1_000));
        assertThat(requests()).hasSize(1);
    }

    @Test
    void shouldAskForASnapshotAtOnceWhenTheBookIsCrossed() throws IOException {
        next(SNAPSHOT);
        next(update("buy", "101.5", "1"));
        assertThat(states(summaries())).containsExactly("live", "crossed/crossed");
        assertThat(requests()).extracting(ControlRequest::reason).containsExactly("crossed");
    }

    @Test
    void shouldNotResumeASilentBookOnARecordItCannotRead() throws IOException {
        next(SNAPSHOT);
        driver.advanceWallClockTime(Duration.ofMillis(STALE_AFTER_MS + 1_500));
        // When the next record continues the chain but cannot be read
        next("{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"abc\",\"1\"]]}");
        // Then the book goes from silent to bad input, never live in between
        assertThat(states(summaries())).containsExactly("live", "stale/feed-silent", "stale/bad-input");
        assertThat(dlq.readValuesToList()).hasSize(1);
    }

    @Test
    void shouldRefuseADeposedIngestorsRecordsWhileItsSuccessorsChainIsAlive() throws IOException {
        // Given ingestor A (epoch 1) and then its successor B (epoch 2): startup marker and snapshot
        pipe(1, "a", 1, SNAPSHOT);
        pipe(2, "b", 1, new String(RawMarkers.gap("BTC-USD", "startup", null), StandardCharsets.UTF_8));
        pipe(2, "b", 2, SNAPSHOT.replace("\"1\"]", "\"7\"]"));
        assertThat(states(summaries())).containsExactly("live", "stale/gap:startup", "live");
        // When A's records, held up in a network partition, land after B's
        pipe(1, "a", 2, update("buy", "100", "5"));
        pipe(1, "a", 3, SNAPSHOT);
        pipe(1, "a", 4, liveness());
        // Then none is applied: no summary, B's book stands, each is a dead letter saying why
        assertThat(summaries.isEmpty()).isTrue();
        final LocalBooks.BookView view = books.view("BTC-USD", 1);
        assertThat(view.bidSizes()[0]).isEqualTo(7 * (long) Math.pow(10, view.sizeScale()));
        final List<TestRecord<byte[], byte[]>> refused = dlq.readRecordsToList();
        assertThat(refused).hasSize(3).allSatisfy(r -> assertThat(new String(r.headers()
                .lastHeader(Header.DLQ_REASON.key()).value(), StandardCharsets.UTF_8)).isEqualTo("FENCED"));
        // and B's chain goes on
        pipe(2, "b", 3, update("buy", "100", "6"));
        assertThat(states(summaries())).containsExactly("live");
    }

    @Test
    void shouldAcceptAnOlderEpochOnceTheChainHasFallenSilent() throws IOException {
        // Given a book of an ingestor elected at epoch 5, silent since (every ingestor gone; the group recreated)
        pipe(5, "old", 1, SNAPSHOT);
        driver.advanceWallClockTime(Duration.ofMillis(STALE_AFTER_MS + 1_500));
        // When a new ingestor, elected at epoch 1 of the new group, starts
        pipe(1, "new", 1, new String(RawMarkers.gap("BTC-USD", "startup", null), StandardCharsets.UTF_8));
        pipe(1, "new", 2, SNAPSHOT);
        // Then its records make the book live again
        assertThat(states(summaries())).containsExactly("live", "stale/feed-silent", "stale/gap:startup", "live");
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void shouldApplyRecordsWithoutContinuityHeadersButNeverResumeOnThemAfterASilence() throws IOException {
        // Given a producer other than the ingestor: no session or sequence headers
        raw.pipeInput("BTC-USD".getBytes(StandardCharsets.UTF_8), SNAPSHOT.getBytes(StandardCharsets.UTF_8));
        raw.pipeInput("BTC-USD".getBytes(StandardCharsets.UTF_8),
                update("buy", "100", "5").getBytes(StandardCharsets.UTF_8));
        // Then its records are applied
        assertThat(states(summaries())).containsExactly("live", "live");
        assertThat(dlq.isEmpty()).isTrue();
        // But after a silence nothing proves that nothing was lost: the book waits for a snapshot
        driver.advanceWallClockTime(Duration.ofMillis(STALE_AFTER_MS + 1_500));
        raw.pipeInput("BTC-USD".getBytes(StandardCharsets.UTF_8),
                update("buy", "100", "6").getBytes(StandardCharsets.UTF_8));
        assertThat(states(summaries())).containsExactly("stale/feed-silent");
        raw.pipeInput("BTC-USD".getBytes(StandardCharsets.UTF_8), SNAPSHOT.getBytes(StandardCharsets.UTF_8));
        assertThat(states(summaries())).containsExactly("live");
    }

    @Test
    void shouldServeAConsistentCopyOfTheInMemoryBook() {
        next(SNAPSHOT);
        next(update("sell", "101", "0"));
        final LocalBooks.BookView view = books.view("BTC-USD", 1);
        assertThat(view.state()).isEqualTo(BookState.LIVE);
        assertThat(view.reason()).isNull();
        assertThat(view.bidCount()).isEqualTo(1);
        assertThat(view.askPrices()[0]).isEqualTo(102L * 10_000_000_000L);
        assertThat(view.askLevels()).isEqualTo(1);
        driver.advanceWallClockTime(Duration.ofMillis(STALE_AFTER_MS + 1_500));
        assertThat(books.view("BTC-USD", 5).reason()).isSameAs(StateReason.FEED_SILENT);
        assertThat(books.view("ETH-USD", 5)).isNull();
    }
}
