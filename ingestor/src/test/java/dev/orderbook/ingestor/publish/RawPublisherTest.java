package dev.orderbook.ingestor.publish;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.contract.GapReason;
import dev.orderbook.contract.Header;
import dev.orderbook.ingestor.frame.DecodedFrame;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link RawPublisher}'s own logic (what becomes which record, the buffer budget, gap bookkeeping) with Kafka's
 * {@link MockProducer} standing in for the client, so that acknowledgements and failures happen exactly when a test
 * says. Kafka's behaviour itself (delivery, ordering, limits, outages) is covered by the integration tests on a real
 * broker.
 */
class RawPublisherTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD");
    private static final String SESSION = "session-1";
    private static final long EPOCH = 7;
    private static final long RECEIVED = 1_764_000_000_123_456_789L;
    private static final String EXCHANGE_SNAPSHOT =
            "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[[\"100.00\",\"1\"]],\"asks\":[[\"101.00\",\"2\"]]}";
    private static final String EXCHANGE_UPDATE = "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":"
            + "[[\"buy\",\"100.50\",\"0.5\"]],\"time\":\"2026-11-23T19:00:00.123456Z\"}";
    private static final String ADVANCED_TWO_PRODUCTS = "{\"channel\":\"l2_data\",\"timestamp\":\"2026-11-23T19:00:00Z\","
            + "\"sequence_num\":3,\"events\":["
            + "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"updates\":[{\"side\":\"bid\",\"event_time\":\"t\","
            + "\"price_level\":\"100\",\"new_quantity\":\"1\"}]},"
            + "{\"type\":\"update\",\"product_id\":\"ETH-USD\",\"updates\":[{\"side\":\"offer\",\"event_time\":\"t\","
            + "\"price_level\":\"10\",\"new_quantity\":\"0\"}]}]}";

    private final MockProducer<byte[], byte[]> producer = new MockProducer<>(false, null,
            new ByteArraySerializer(), new ByteArraySerializer());
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<String> controlCalls = new ArrayList<>();
    private final DecodedFrame frame = new DecodedFrame();
    private RawPublisher publisher;
    private CoinbaseDecoder decoder;

    /** Publishes a frame decoded as a feed would, and records what the publisher asked of the feed. */
    private RawPublisher.Outcome publishFrame(final RawPublisher p, final String session, final long seq,
                                              final long received, final byte[] bytes) {
        final RawPublisher.Outcome outcome = p.publishFrame(frame.decode(decoder, session, seq, received, bytes));
        drainRequests(p);
        return outcome;
    }

    private void drainRequests(final RawPublisher p) {
        p.requests().drainTo(request -> {
            if (request instanceof FeedRequests.Resnapshot r) {
                controlCalls.add("resnapshot " + r.productId() + " " + r.reason().wireName());
            } else if (request instanceof FeedRequests.Reconnect r) {
                controlCalls.add("drop " + r.reason().wireName() + " " + r.delayAtLeast().toMillis());
            }
        });
    }

    @AfterEach
    void tearDown() {
        if (publisher != null) {
            producer.completeNext();
            publisher.close();
        }
    }

    private RawPublisher publisher(final long budget, final RawPublisher.Source source) {
        final PublisherConfig config = PublisherConfig.of("unused:9092", PRODUCTS).withTopics("raw", "dlq")
                .withBufferBudgetBytes(budget);
        decoder = config.newDecoder();
        publisher = new RawPublisher(config, producer, new IngestMetrics(registry), source, EPOCH);
        return publisher;
    }

    private static byte[] utf8(final String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String key(final ProducerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    }

    private static JsonNode json(final ProducerRecord<byte[], byte[]> r) throws Exception {
        return MAPPER.readTree(r.value());
    }

    private static String header(final ProducerRecord<byte[], byte[]> r, final String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static long epochOf(final ProducerRecord<byte[], byte[]> r) {
        return Header.longHeader(r.headers().lastHeader(Header.LEADER_EPOCH.key()).value());
    }

    @Test
    void shouldPublishExchangeFramesVerbatimKeyedByProductWithSessionAndEpochHeaders() {
        // Given
        final RawPublisher p = publisher(PublisherConfig.BUFFER_BUDGET_DEFAULT, RawPublisher.Source.LIVE);
        // When
        assertThat(publishFrame(p, SESSION, 1, RECEIVED, utf8(EXCHANGE_SNAPSHOT))).isEqualTo(RawPublisher.Outcome.PUBLISHED);
        assertThat(publishFrame(p, SESSION, 2, RECEIVED + 5, utf8(EXCHANGE_UPDATE))).isEqualTo(RawPublisher.Outcome.PUBLISHED);
        // Then
        final List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertThat(sent).extracting(ProducerRecord::topic).containsExactly("raw", "raw");
        assertThat(sent).extracting(RawPublisherTest::key).containsExactly("BTC-USD", "BTC-USD");
        assertThat(sent.get(0).value()).isEqualTo(utf8(EXCHANGE_SNAPSHOT));
        assertThat(sent.get(1).value()).isEqualTo(utf8(EXCHANGE_UPDATE));
        assertThat(header(sent.get(1), Header.SESSION_ID.key())).isEqualTo(SESSION);
        assertThat(Header.longHeader(sent.get(1).headers().lastHeader(Header.SESSION_SEQ.key()).value()))
                .isEqualTo(2);
        assertThat(Header.longHeader(sent.get(1).headers().lastHeader(Header.RECEIVE_TIME_NS.key()).value()))
                .isEqualTo(RECEIVED + 5);
        assertThat(sent).extracting(RawPublisherTest::epochOf).containsOnly(EPOCH);
        assertThat(p.isLive("BTC-USD")).isTrue();
        assertThat(p.isLive("ETH-USD")).isFalse();
    }

    @Test
    void shouldSplitAnAdvancedTradeMessageIntoOneRecordPerProductWithTheEnvelopeKept() throws Exception {
        // Given
        final RawPublisher p = publisher(PublisherConfig.BUFFER_BUDGET_DEFAULT, RawPublisher.Source.LIVE);
        // When
        publishFrame(p, SESSION, 7, RECEIVED, utf8(ADVANCED_TWO_PRODUCTS));
        // Then
        final List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertThat(sent).extracting(RawPublisherTest::key).containsExactly("BTC-USD", "ETH-USD");
        for (final ProducerRecord<byte[], byte[]> r : sent) {
            final JsonNode m = json(r);
            assertThat(m.get("sequence_num").asLong()).isEqualTo(3);
            assertThat(m.get("events")).hasSize(1);
            assertThat(m.get("events").get(0).get("product_id").asText()).isEqualTo(key(r));
            assertThat(Header.longHeader(r.headers().lastHeader(Header.SESSION_SEQ.key()).value()))
                    .isEqualTo(7);
        }
        assertThat(p.isLive("BTC-USD")).as("its event was a snapshot").isTrue();
        assertThat(p.isLive("ETH-USD")).as("an update alone does not make a book live").isFalse();
    }

    @Test
    void shouldNotPublishHeartbeatsConfirmationsOrUnknownTypes() {
        // Given
        final RawPublisher p = publisher(PublisherConfig.BUFFER_BUDGET_DEFAULT, RawPublisher.Source.LIVE);
        // When / Then
        assertThat(publishFrame(p, SESSION, 1, RECEIVED, utf8("{\"type\":\"heartbeat\",\"sequence\":90,"
                + "\"last_trade_id\":20,\"product_id\":\"BTC-USD\",\"time\":\"2026-11-23T19:00:00Z\"}")))
                .isEqualTo(RawPublisher.Outcome.NOT_BOOK_DATA);
        assertThat(publishFrame(p, SESSION, 2, RECEIVED, utf8("{\"type\":\"brand_new_type\",\"x\":1}")))
                .isEqualTo(RawPublisher.Outcome.NOT_BOOK_DATA);
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void shouldDeadLetterAnUnparseableUpdateAndMarkOnlyItsProduct() throws Exception {
        // Given
        final RawPublisher p = publisher(PublisherConfig.BUFFER_BUDGET_DEFAULT, RawPublisher.Source.LIVE);
        publishFrame(p, SESSION, 1, RECEIVED, utf8(EXCHANGE_SNAPSHOT));
        final String negativeSize = "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":"
                + "[[\"buy\",\"100.50\",\"-1\"]],\"time\":\"2026-11-23T19:00:00.123456Z\"}";
        // When
        final RawPublisher.Outcome outcome = publishFrame(p, SESSION, 2, RECEIVED, utf8(negativeSize));
        // Then
        assertThat(outcome).isEqualTo(RawPublisher.Outcome.DEAD_LETTERED);
        final List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertThat(sent).hasSize(3);
        final ProducerRecord<byte[], byte[]> dead = sent.get(1);
        assertThat(dead.topic()).isEqualTo("dlq");
        assertThat(key(dead)).isEqualTo("BTC-USD");
        assertThat(dead.value()).isEqualTo(utf8(negativeSize));
        assertThat(header(dead, Header.DLQ_REASON.key())).isEqualTo("BAD_SIZE");
        assertThat(header(dead, Header.DLQ_SOURCE.key())).isEqualTo("ingestor");
        final ProducerRecord<byte[], byte[]> marker = sent.get(2);
        assertThat(marker.topic()).isEqualTo("raw");
        assertThat(key(marker)).isEqualTo("BTC-USD");
        assertThat(json(marker).get("type").asText()).isEqualTo("x-orderbook-gap");
        assertThat(json(marker).get("reason").asText()).isEqualTo(GapReason.INVALID.wireName());
        assertThat(p.isLive("BTC-USD")).isFalse();
        assertThat(controlCalls).containsExactly("resnapshot BTC-USD invalid");
    }

    @Test
    void shouldDeadLetterAnUnattributableFrameUnkeyedAndMarkEveryProduct() throws Exception {
        // Given
        final RawPublisher p = publisher(PublisherConfig.BUFFER_BUDGET_DEFAULT, RawPublisher.Source.LIVE);
        // When
        publishFrame(p, SESSION, 1, RECEIVED, utf8("{\"type\":\"l2upd"));
        // Then
        final List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertThat(sent.get(0).topic()).isEqualTo("dlq");
        assertThat(sent.get(0).key()).isNull();
        assertThat(header(sent.get(0), Header.DLQ_REASON.key())).isEqualTo("INVALID_JSON");
        assertThat(sent.subList(1, sent.size())).extracting(RawPublisherTest::key)
                .containsExactlyInAnyOrderElementsOf(PRODUCTS);
        assertThat(controlCalls).containsExactly("drop invalid " + Backpressure.RECONNECT_DELAY.toMillis());
    }

    @Test
    void shouldWriteOneMarkerPerProductUntilItsNextSnapshot() throws Exception {
        // Given
        final RawPublisher p = publisher(PublisherConfig.BUFFER_BUDGET_DEFAULT, RawPublisher.Source.LIVE);
        publishFrame(p, SESSION, 1, RECEIVED, utf8(EXCHANGE_SNAPSHOT));
        // When
        p.publishGap("BTC-USD", GapReason.DISCONNECT, SESSION);
        p.publishGap("BTC-USD", GapReason.SILENCE, SESSION);
        publishFrame(p, "session-2", 1, RECEIVED, utf8(EXCHANGE_SNAPSHOT));
        p.publishGap("BTC-USD", GapReason.SEQUENCE, "session-2");
        // Then
        final List<String> shape = new ArrayList<>();
        for (final ProducerRecord<byte[], byte[]> r : producer.history()) {
            final JsonNode m = json(r);
            shape.add(m.has("reason") ? "gap:" + m.get("reason").asText() : m.get("type").asText());
        }
        assertThat(shape).containsExactly("snapshot", "gap:disconnect", "snapshot", "gap:sequence");
        assertThat(registry.get("orderbook.ingest.gaps.coalesced").counter().count()).isEqualTo(1.0);
    }

    @Test
    void shouldDiscardMarkAndDropTheConnectionWhenTheBufferBudgetIsExhaustedThenResumeBelowHalf()
            throws Exception {
        // Given a budget of two snapshots' worth, nothing acknowledged
        final long budget = 2L * EXCHANGE_SNAPSHOT.length() + EXCHANGE_SNAPSHOT.length() / 2;
        final RawPublisher p = publisher(Math.max(budget, PublisherConfig.MIN_BUFFER_BUDGET),
                RawPublisher.Source.LIVE);
        final byte[] big = utf8(EXCHANGE_UPDATE.replace("\"time\"", "\"pad\":\"" + "x".repeat(30_000) + "\",\"time\""));
        publishFrame(p, SESSION, 1, RECEIVED, utf8(EXCHANGE_SNAPSHOT));
        // When: frames pile up unacknowledged past 64 KiB
        final List<RawPublisher.Outcome> outcomes = new ArrayList<>();
        for (int i = 2; i < 6; i++) {
            outcomes.add(publishFrame(p, SESSION, i, RECEIVED, big));
        }
        // Then
        assertThat(outcomes).containsExactly(RawPublisher.Outcome.PUBLISHED, RawPublisher.Outcome.PUBLISHED,
                RawPublisher.Outcome.DISCARDED, RawPublisher.Outcome.DISCARDED);
        assertThat(p.isOverloaded()).isTrue();
        assertThat(p.bufferedBytes()).isLessThanOrEqualTo(PublisherConfig.MIN_BUFFER_BUDGET + 1024);
        assertThat(controlCalls).containsExactly("drop backpressure "
                + Backpressure.RECONNECT_DELAY.toMillis());
        final List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertThat(json(sent.get(sent.size() - 1)).get("reason").asText()).isEqualTo(GapReason.BACKPRESSURE.wireName());
        assertThat(p.isLive("BTC-USD")).isFalse();

        // When Kafka acknowledges everything, a new session publishes again
        while (producer.completeNext()) {
            // acknowledge all
        }
        assertThat(publishFrame(p, "session-2", 1, RECEIVED, utf8(EXCHANGE_SNAPSHOT)))
                .isEqualTo(RawPublisher.Outcome.PUBLISHED);
        assertThat(p.isOverloaded()).isFalse();
        assertThat(p.isLive("BTC-USD")).isTrue();
    }

    @Test
    void shouldMarkAProductWhoseRecordKafkaFailedBeforeItsNextRecord() throws Exception {
        // Given
        final RawPublisher p = publisher(PublisherConfig.BUFFER_BUDGET_DEFAULT, RawPublisher.Source.LIVE);
        publishFrame(p, SESSION, 1, RECEIVED, utf8(EXCHANGE_SNAPSHOT));
        publishFrame(p, SESSION, 2, RECEIVED, utf8(EXCHANGE_UPDATE));
        producer.completeNext();
        // When the update fails
        producer.errorNext(new NetworkException("broker went away"));
        publishFrame(p, SESSION, 3, RECEIVED, utf8(EXCHANGE_UPDATE));
        // Then a marker precedes the next record of that product
        final List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertThat(sent).hasSize(4);
        assertThat(json(sent.get(2)).get("reason").asText()).isEqualTo(GapReason.PUBLISH_FAILED.wireName());
        assertThat(controlCalls).containsExactly("resnapshot BTC-USD publish-failed");
        assertThat(registry.get("orderbook.ingest.publish.failures").counter().count()).isEqualTo(1.0);
    }

    @Test
    void shouldWriteAMarkerAgainWhenKafkaFailsTheMarkerItself() throws Exception {
        // Given a live product whose gap marker Kafka fails
        final RawPublisher p = publisher(PublisherConfig.BUFFER_BUDGET_DEFAULT, RawPublisher.Source.LIVE);
        publishFrame(p, SESSION, 1, RECEIVED, utf8(EXCHANGE_SNAPSHOT));
        producer.completeNext();
        p.publishGap("BTC-USD", GapReason.DISCONNECT, SESSION);
        producer.errorNext(new NetworkException("lost"));
        // When the next frame comes
        publishFrame(p, SESSION, 2, RECEIVED, utf8(EXCHANGE_UPDATE));
        // Then a marker is written again before it
        final List<String> shape = new ArrayList<>();
        for (final ProducerRecord<byte[], byte[]> r : producer.history()) {
            final JsonNode m = json(r);
            shape.add(m.has("reason") ? "gap:" + m.get("reason").asText() : m.get("type").asText());
        }
        assertThat(shape).containsExactly("snapshot", "gap:disconnect", "gap:publish-failed", "l2update");
    }

    @Test
    void shouldDiscardAndKeepMarkersPendingUntilAProbeRecordIsAcknowledged() throws Exception {
        // Given Kafka times a record out
        final RawPublisher p = publisher(PublisherConfig.BUFFER_BUDGET_DEFAULT, RawPublisher.Source.LIVE);
        publishFrame(p, SESSION, 1, RECEIVED, utf8(EXCHANGE_SNAPSHOT));
        producer.errorNext(new TimeoutException("expired"));
        assertThat(p.isKafkaAvailable()).isFalse();
        // When frames keep coming
        final RawPublisher.Outcome outcome = publishFrame(p, SESSION, 2, RECEIVED, utf8(EXCHANGE_UPDATE));
        // Then they are discarded, every product's marker waits, the connection is dropped once
        assertThat(outcome).isEqualTo(RawPublisher.Outcome.DISCARDED);
        assertThat(producer.history()).hasSize(1);
        assertThat(controlCalls).containsExactly("drop kafka-unavailable "
                + Backpressure.RECONNECT_DELAY.toMillis());
        // When the probe's record is acknowledged (not before)
        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (producer.history().size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(json(producer.history().get(1)).get("reason").asText())
                .isEqualTo(GapReason.KAFKA_UNAVAILABLE.wireName());
        assertThat(p.isKafkaAvailable()).as("an unacknowledged probe proves nothing").isFalse();
        producer.completeNext();
        assertThat(p.isKafkaAvailable()).isTrue();
        // Then the waiting markers are written before anything else
        publishFrame(p, "session-2", 1, RECEIVED, utf8(EXCHANGE_SNAPSHOT));
        final List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertThat(sent.subList(2, 4)).extracting(RawPublisherTest::key).containsExactlyInAnyOrderElementsOf(PRODUCTS);
        assertThat(json(sent.get(4)).get("type").asText()).isEqualTo("snapshot");
    }

    @Test
    void shouldSkipARecordedGapMarkerOfAProductItDoesNotCarry() {
        final RawPublisher file = publisher(PublisherConfig.BUFFER_BUDGET_DEFAULT, RawPublisher.Source.FILE);
        assertThat(publishFrame(file, SESSION, 1, RECEIVED, utf8("{\"type\":\"x-orderbook-gap\","
                + "\"product_id\":\"SOL-USD\",\"reason\":\"disconnect\"}"))).isEqualTo(RawPublisher.Outcome.NOT_BOOK_DATA);
        assertThat(producer.history()).isEmpty();
    }

    @Test
    void shouldMarkEveryProductWhenStopping() throws Exception {
        final RawPublisher p = publisher(PublisherConfig.BUFFER_BUDGET_DEFAULT, RawPublisher.Source.LIVE);
        publishFrame(p, SESSION, 1, RECEIVED, utf8(EXCHANGE_SNAPSHOT));
        p.markAll(GapReason.SHUTDOWN, SESSION);
        final List<ProducerRecord<byte[], byte[]>> sent = producer.history();
        assertThat(sent.subList(1, 3)).extracting(RawPublisherTest::key).containsExactlyInAnyOrderElementsOf(PRODUCTS);
        assertThat(json(sent.get(1)).get("reason").asText()).isEqualTo(GapReason.SHUTDOWN.wireName());
        assertThat(sent.subList(1, 3)).extracting(RawPublisherTest::epochOf).containsOnly(EPOCH);
        assertThat(p.isLive("BTC-USD")).isFalse();
    }

    @Test
    void shouldPassRecordedRawMarkersThroughFromAFileButDeadLetterThemFromTheExchange() throws Exception {
        // Given
        final byte[] recordedGap = utf8("{\"type\":\"x-orderbook-gap\",\"product_id\":\"ETH-USD\","
                + "\"reason\":\"disconnect\",\"time\":\"2026-11-23T19:00:00Z\"}");
        final RawPublisher file = publisher(PublisherConfig.BUFFER_BUDGET_DEFAULT, RawPublisher.Source.FILE);
        // When
        publishFrame(file, SESSION, 1, RECEIVED, recordedGap);
        // Then
        final ProducerRecord<byte[], byte[]> marker = producer.history().get(0);
        assertThat(marker.topic()).isEqualTo("raw");
        assertThat(key(marker)).isEqualTo("ETH-USD");
        assertThat(json(marker).get("reason").asText()).isEqualTo("disconnect");
        producer.clear();
        final RawPublisher live = new RawPublisher(PublisherConfig.of("unused:9092", PRODUCTS)
                .withTopics("raw", "dlq"), producer, new IngestMetrics(new SimpleMeterRegistry()),
                RawPublisher.Source.LIVE, EPOCH);
        assertThat(publishFrame(live, SESSION, 1, RECEIVED, recordedGap))
                .isEqualTo(RawPublisher.Outcome.DEAD_LETTERED);
        assertThat(header(producer.history().get(0), Header.DLQ_REASON.key())).isEqualTo("RESERVED_TYPE");
    }
}
