package dev.orderbook.ingestor.service;

import dev.orderbook.contract.GapReason;

import dev.orderbook.codec.Protocol;
import dev.orderbook.contract.ProductPartitioner;
import dev.orderbook.contract.Header;
import dev.orderbook.ingestor.coinbase.CoinbaseFeedClient;
import dev.orderbook.ingestor.coinbase.FeedClientConfig;
import dev.orderbook.ingestor.publish.PublisherConfig;
import dev.orderbook.ingestor.publish.RawPublisher;
import dev.orderbook.ingestor.RawTopicBooks;
import dev.orderbook.ingestor.RawTopicBooks.Raw;
import dev.orderbook.kafka.embedded.KafkaCluster;
import dev.orderbook.kafka.embedded.junit.KafkaClusterExtension;
import dev.orderbook.simulator.market.BatchSizeDistribution;
import dev.orderbook.simulator.market.MarketOptions;
import dev.orderbook.simulator.market.protocol.MalformedKind;
import dev.orderbook.simulator.server.ExchangeSimulator;
import dev.orderbook.simulator.server.SimulatorOptions;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ingestor against the exchange simulator over a real WebSocket and a real Kafka broker: what lands on the raw
 * topic, for the plain feed and for each fault. The books rebuilt from the topic (independently of the production
 * codec) must equal the simulator's market at a checkpoint taken while the market stands still, which fails on any
 * lost, duplicated or reordered message.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(90)
class IngestorIT {
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD");
    private static final int LEVELS = 300;
    private static final int RATE = 400;
    private static final Duration WAIT = Duration.ofSeconds(30);
    // Longer than any checkpoint silence below, so that a checkpoint does not itself cause a silence gap.
    private static final Duration SILENCE_TIMEOUT = Duration.ofSeconds(6);
    private static final Duration CHECKPOINT_SILENCE = Duration.ofSeconds(4);

    private final HttpClient http = HttpClient.newHttpClient();
    private ExchangeSimulator simulator;
    private IngestorService service;
    private String rawTopic;
    private String dlqTopic;

    @AfterEach
    void tearDown() {
        if (service != null) {
            service.close();
        }
        if (simulator != null) {
            simulator.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void shouldPublishSnapshotThenUpdatesPerProductThatRebuildTheMarketsBooks(final Protocol protocol,
                                                                              final KafkaCluster kafka)
            throws Exception {
        // Given
        start(kafka, protocol, PRODUCTS, LEVELS, SILENCE_TIMEOUT);
        awaitHealthy();
        awaitUpdatesFlowing(kafka, 200);
        // When
        final Map<String, List<Raw>> records = checkpoint(kafka);
        // Then
        for (int i = 0; i < PRODUCTS.size(); i++) {
            final String product = PRODUCTS.get(i);
            final List<Raw> mine = records.get(product);
            assertThat(mine.get(0).isSnapshot()).as("%s starts with a snapshot", product).isTrue();
            assertThat(mine).noneMatch(Raw::isGap);
            assertThat(mine).extracting(Raw::partition).as("%s placed by ProductPartitioner", product)
                    .containsOnly(ProductPartitioner.partition(PRODUCTS, product, PRODUCTS.size()));
            assertThat(mine).extracting(Raw::sessionId).containsOnly(mine.get(0).sessionId());
            assertStrictlyIncreasingSessionSeq(mine);
            for (final Raw raw : mine) {
                assertThat(raw.headers()).containsKeys(Header.RECEIVE_TIME_NS.key(),
                        Header.SESSION_ID.key(), Header.SESSION_SEQ.key());
                assertThat(Header.longHeader(raw.headers().get(Header.RECEIVE_TIME_NS.key())) / 1_000_000L)
                        .isCloseTo(System.currentTimeMillis(), Offset.offset(120_000L));
                if (protocol == Protocol.ADVANCED) {
                    raw.json().get("events").forEach(e ->
                            assertThat(e.get("product_id").asText()).as("split per product").isEqualTo(product));
                } else {
                    assertThat(raw.json().get("product_id").asText()).isEqualTo(product);
                }
            }
            assertBookEqualsMarket(product, mine);
        }
        assertThat(RawTopicBooks.readAll(kafka.bootstrapServers(), dlqTopic)).isEmpty();
    }

    /** A fault that ends the whole connection: every product is marked once, then snapshotted in a new session. */
    enum ConnectionFault {
        DROP_EXCHANGE(Protocol.EXCHANGE, GapReason.DISCONNECT.wireName(), ExchangeSimulator::dropConnections),
        DROP_ADVANCED(Protocol.ADVANCED, GapReason.DISCONNECT.wireName(), ExchangeSimulator::dropConnections),
        TCP_RESET_WITHOUT_CLOSE_FRAME(Protocol.EXCHANGE, GapReason.DISCONNECT.wireName(),
                ExchangeSimulator::resetConnections),
        ADVANCED_SEQUENCE_SKIPPED(Protocol.ADVANCED, GapReason.SEQUENCE.wireName(), ExchangeSimulator::skipSequence);

        final Protocol protocol;
        final String reason;
        final Consumer<ExchangeSimulator> inject;

        ConnectionFault(final Protocol protocol, final String reason, final Consumer<ExchangeSimulator> inject) {
            this.protocol = protocol;
            this.reason = reason;
            this.inject = inject;
        }
    }

    @ParameterizedTest
    @EnumSource(ConnectionFault.class)
    void shouldWriteOneGapMarkerPerProductThenFreshSnapshotsInANewSession(final ConnectionFault fault,
                                                                         final KafkaCluster kafka)
            throws Exception {
        // Given
        start(kafka, fault.protocol, PRODUCTS, LEVELS, SILENCE_TIMEOUT);
        awaitHealthy();
        awaitUpdatesFlowing(kafka, 100);
        // When
        fault.inject.accept(simulator);
        awaitSecondSessionHealthy(kafka);
        // Then
        final Map<String, List<Raw>> records = checkpoint(kafka);
        for (final String product : PRODUCTS) {
            assertGapThenSnapshotInNewSession(records.get(product), fault.reason);
            assertBookEqualsMarket(product, records.get(product));
        }
    }

    @Test
    void shouldWriteSilenceRawMarkersWhenTheFeedGoesSilentBeyondTheTimeout(final KafkaCluster kafka)
            throws Exception {
        // Given
        start(kafka, Protocol.EXCHANGE, PRODUCTS, LEVELS, Duration.ofSeconds(1));
        awaitHealthy();
        awaitUpdatesFlowing(kafka, 100);
        // When
        simulator.goSilent(Duration.ofMillis(2_500));
        awaitSecondSessionHealthy(kafka);
        // Then
        final Map<String, List<Raw>> records = RawTopicBooks.byProduct(
                RawTopicBooks.readAll(kafka.bootstrapServers(), rawTopic));
        for (final String product : PRODUCTS) {
            assertGapThenSnapshotInNewSession(records.get(product), GapReason.SILENCE.wireName());
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void shouldDeadLetterAMalformedFrameWithItsReasonAndMarkEveryProductUntilFreshSnapshots(
            final Protocol protocol, final KafkaCluster kafka) throws Exception {
        // Given
        start(kafka, protocol, PRODUCTS, LEVELS, SILENCE_TIMEOUT);
        awaitHealthy();
        awaitUpdatesFlowing(kafka, 100);
        // When
        simulator.sendMalformed();
        awaitSecondSessionHealthy(kafka);
        // Then
        final List<Raw> deadLetters = RawTopicBooks.readAll(kafka.bootstrapServers(), dlqTopic);
        assertThat(deadLetters).hasSize(1);
        final Raw dead = deadLetters.get(0);
        assertThat(new String(dead.headers().get(Header.DLQ_REASON.key()), StandardCharsets.UTF_8))
                .isEqualTo("INVALID_JSON");
        assertThat(dead.headers().get(Header.DLQ_DETAIL.key())).isNotEmpty();
        assertThat(dead.headers()).containsKeys(Header.SESSION_ID.key(), Header.SESSION_SEQ.key(),
                Header.DLQ_SOURCE.key());
        final Map<String, List<Raw>> records = checkpoint(kafka);
        for (final String product : PRODUCTS) {
            assertGapThenSnapshotInNewSession(records.get(product), GapReason.INVALID.wireName());
            assertBookEqualsMarket(product, records.get(product));
        }
        assertThat(service.registry().get("orderbook.ingest.dead.letters").tag("reason", "INVALID_JSON").counter()
                .count()).isEqualTo(1.0);
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void shouldDeadLetterABadUpdateAndResnapshotOnlyItsProductOnTheSameConnection(final Protocol protocol,
                                                                              final KafkaCluster kafka)
            throws Exception {
        // Given
        start(kafka, protocol, PRODUCTS, LEVELS, SILENCE_TIMEOUT);
        awaitHealthy();
        awaitUpdatesFlowing(kafka, 100);
        final String session = currentSession(kafka);
        // When
        simulator.sendMalformed("BTC-USD", MalformedKind.NEGATIVE_SIZE);
        await(() -> RawTopicBooks.byProduct(RawTopicBooks.readAll(kafka.bootstrapServers(), rawTopic))
                .get("BTC-USD").stream().filter(Raw::isSnapshot).count() >= 2, "a fresh BTC-USD snapshot");
        awaitHealthy();
        // Then
        final List<Raw> deadLetters = RawTopicBooks.readAll(kafka.bootstrapServers(), dlqTopic);
        assertThat(deadLetters).hasSize(1);
        assertThat(deadLetters.get(0).key()).isEqualTo("BTC-USD");
        assertThat(new String(deadLetters.get(0).headers().get(Header.DLQ_REASON.key()), StandardCharsets.UTF_8))
                .isEqualTo("BAD_SIZE");
        final Map<String, List<Raw>> records = checkpoint(kafka);
        final List<Raw> btc = records.get("BTC-USD");
        assertThat(btc).filteredOn(Raw::isGap).extracting(r -> r.json().get("reason").asText())
                .containsExactly(GapReason.INVALID.wireName());
        // Updates already in flight before the resubscription may follow the marker (applied to a stale book).
        assertThat(btc.subList(btc.indexOf(btc.stream().filter(Raw::isGap).findFirst().orElseThrow()) + 1,
                btc.size())).as("the marker is followed by a fresh snapshot").anyMatch(Raw::isSnapshot);
        assertThat(records.get("ETH-USD")).as("the other product is untouched").noneMatch(Raw::isGap);
        for (final String product : PRODUCTS) {
            assertThat(records.get(product)).as("%s on the same connection", product)
                    .filteredOn(r -> !r.isGap()).extracting(Raw::sessionId).containsOnly(session);
            assertBookEqualsMarket(product, records.get(product));
        }
    }

    @Test
    void shouldMarkAndResnapshotOnlyTheProductWhoseHeartbeatsStop(final KafkaCluster kafka) throws Exception {
        // Given
        startSimulator(Protocol.EXCHANGE, PRODUCTS, LEVELS);
        startService(kafka, Protocol.EXCHANGE, PRODUCTS, Duration.ofSeconds(2));
        awaitHealthy();
        awaitUpdatesFlowing(kafka, 100);
        final String session = currentSession(kafka);
        // When
        simulator.silenceProduct("ETH-USD");
        await(() -> RawTopicBooks.byProduct(RawTopicBooks.readAll(kafka.bootstrapServers(), rawTopic))
                .get("ETH-USD").stream().filter(Raw::isSnapshot).count() >= 2, "a fresh ETH-USD snapshot");
        awaitHealthy();
        // Then
        final Map<String, List<Raw>> records = RawTopicBooks.byProduct(
                RawTopicBooks.readAll(kafka.bootstrapServers(), rawTopic));
        assertThat(records.get("ETH-USD")).filteredOn(Raw::isGap).extracting(r -> r.json().get("reason").asText())
                .containsExactly(GapReason.SILENCE.wireName());
        assertThat(records.get("BTC-USD")).noneMatch(Raw::isGap);
        for (final String product : PRODUCTS) {
            assertThat(records.get(product)).filteredOn(r -> !r.isGap()).extracting(Raw::sessionId)
                    .as("%s on the same connection", product).containsOnly(session);
        }
    }

    @Test
    void shouldKeepEveryMessageWithoutGapsWhenTheFeedSlowsDown(final KafkaCluster kafka) throws Exception {
        // Given
        start(kafka, Protocol.ADVANCED, PRODUCTS, LEVELS, SILENCE_TIMEOUT);
        awaitHealthy();
        awaitUpdatesFlowing(kafka, 100);
        final int before = RawTopicBooks.readAll(kafka.bootstrapServers(), rawTopic).size();
        // When
        simulator.slowDown(5);
        awaitUpdatesFlowing(kafka, before + 5);
        // Then
        final Map<String, List<Raw>> records = checkpoint(kafka);
        for (final String product : PRODUCTS) {
            assertThat(records.get(product)).noneMatch(Raw::isGap);
            assertBookEqualsMarket(product, records.get(product));
        }
    }

    @Test
    void shouldNotPublishFramesOfTypesClientsMustIgnoreAndStayConnected(final KafkaCluster kafka) throws Exception {
        // Given
        start(kafka, Protocol.EXCHANGE, PRODUCTS, LEVELS, SILENCE_TIMEOUT);
        awaitHealthy();
        awaitUpdatesFlowing(kafka, 50);
        final String session = currentSession(kafka);
        // When
        simulator.sendOversized(2_000_000);
        awaitUpdatesFlowing(kafka, 150);
        // Then
        final Map<String, List<Raw>> records = checkpoint(kafka);
        for (final String product : PRODUCTS) {
            assertThat(records.get(product)).noneMatch(Raw::isGap);
            assertThat(records.get(product)).extracting(Raw::sessionId).containsOnly(session);
            assertBookEqualsMarket(product, records.get(product));
        }
        assertThat(service.registry().get("orderbook.ingest.frames.unpublished").tag("kind", "ignored").counter()
                .count()).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void shouldCarryAFiveMegabyteSnapshotEndToEnd(final KafkaCluster kafka) throws Exception {
        // Given: a book deep enough that its snapshot is over 5 MB, like BTC-USD's
        start(kafka, Protocol.EXCHANGE, List.of("BTC-USD"), 110_000, SILENCE_TIMEOUT);
        // When
        awaitHealthy();
        // Then
        final Map<String, List<Raw>> records = checkpoint(kafka);
        final Raw snapshot = records.get("BTC-USD").get(0);
        assertThat(snapshot.isSnapshot()).isTrue();
        assertThat(snapshot.value().length).isGreaterThan(5_000_000);
        assertBookEqualsMarket("BTC-USD", records.get("BTC-USD"));
    }

    @Test
    void shouldBeUnhealthyAndCountTheProblemWhileSubscriptionsAreRefused(final KafkaCluster kafka) throws Exception {
        // Given
        startSimulator(Protocol.EXCHANGE, PRODUCTS, LEVELS);
        simulator.refuseSubscriptions(true);
        startService(kafka, Protocol.EXCHANGE, PRODUCTS, Duration.ofSeconds(1));
        // When
        await(() -> service.registry().get("orderbook.ingest.subscription.problems").counter().count() >= 1,
                "subscription problem counted");
        // Then
        assertThat(health().statusCode()).isEqualTo(503);
        assertThat(health().body()).contains("\"BTC-USD\":\"stale\"");
        // And it recovers once the exchange accepts again
        simulator.refuseSubscriptions(false);
        awaitHealthy();
        final Map<String, List<Raw>> records = RawTopicBooks.byProduct(
                RawTopicBooks.readAll(kafka.bootstrapServers(), rawTopic));
        for (final String product : PRODUCTS) {
            assertThat(records.get(product)).anyMatch(Raw::isSnapshot);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private void start(final KafkaCluster kafka, final Protocol protocol, final List<String> products,
                       final int levels, final Duration silenceTimeout) throws Exception {
        startSimulator(protocol, products, levels);
        startService(kafka, protocol, products, silenceTimeout);
    }

    private void startSimulator(final Protocol protocol, final List<String> products, final int levels)
            throws Exception {
        final MarketOptions market = new MarketOptions(MarketOptions.specsFor(products), 7, levels,
                MarketOptions.DEEP_FRACTION_DEFAULT, BatchSizeDistribution.defaults());
        simulator = ExchangeSimulator.start(SimulatorOptions.of(simulatorProtocol(protocol), market)
                .withMessagesPerSecond(RATE));
    }

    private void startService(final KafkaCluster kafka, final Protocol protocol, final List<String> products,
                              final Duration silenceTimeout) {
        rawTopic = KafkaClusterExtension.uniqueTopicName("raw");
        dlqTopic = KafkaClusterExtension.uniqueTopicName("dlq");
        final FeedClientConfig feed = FeedClientConfig.of(simulator.url(), protocol, products)
                .withSilenceTimeout(silenceTimeout)
                .withReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500));
        final PublisherConfig publisher = PublisherConfig.of(kafka.bootstrapServers(), products)
                .withTopics(rawTopic, dlqTopic);
        service = IngestorService.start(new IngestorService.Config(feed, publisher, 0, Duration.ofDays(1),
                Duration.ofSeconds(30), "127.0.0.1", 0).withControl(uniqueControl()));
    }

    /** A control topic and group of this test's own, so that no other test's ingestor stands in its way. */
    static ControlOptions uniqueControl() {
        return ControlOptions.defaults().withTopic(KafkaClusterExtension.uniqueTopicName("control"))
                .withGroupId(KafkaClusterExtension.uniqueTopicName("ingestors"));
    }

    private static dev.orderbook.simulator.market.Protocol simulatorProtocol(final Protocol protocol) {
        return dev.orderbook.simulator.market.Protocol.valueOf(protocol.name());
    }

    private HttpResponse<String> health() throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.httpPort() + "/health"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Active (elected), connected, every product live: /health answers 200 for a ready standby too. */
    private void awaitHealthy() throws Exception {
        await(() -> {
            try {
                return service.isHealthy() && health().statusCode() == 200
                        && health().body().contains("\"role\":\"active\"");
            } catch (final Exception e) {
                return false;
            }
        }, "/health 200");
    }

    private void awaitUpdatesFlowing(final KafkaCluster kafka, final int records) {
        await(() -> RawTopicBooks.readAll(kafka.bootstrapServers(), rawTopic).size() >= records,
                records + " records on the raw topic");
    }

    private String currentSession(final KafkaCluster kafka) {
        final List<Raw> all = RawTopicBooks.readAll(kafka.bootstrapServers(), rawTopic);
        return all.get(all.size() - 1).sessionId();
    }

    /** Waits for a snapshot of every product in a session other than the first one seen. */
    private void awaitSecondSessionHealthy(final KafkaCluster kafka) throws Exception {
        await(() -> {
            final Map<String, List<Raw>> records = RawTopicBooks.byProduct(
                    RawTopicBooks.readAll(kafka.bootstrapServers(), rawTopic));
            return records.values().stream().allMatch(list -> list.stream()
                    .anyMatch(r -> r.isSnapshot() && !r.sessionId().equals(list.get(0).sessionId())));
        }, "fresh snapshots in a new session");
        awaitHealthy();
    }

    /**
     * Stops the market, lets in-flight records land, and reads the raw topic. The market is compared while it
     * stands still.
     */
    private Map<String, List<Raw>> checkpoint(final KafkaCluster kafka) throws Exception {
        simulator.goSilent(CHECKPOINT_SILENCE);
        Thread.sleep(300);
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (service.publisher().bufferedBytes() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        return RawTopicBooks.byProduct(RawTopicBooks.readAll(kafka.bootstrapServers(), rawTopic));
    }

    private void assertBookEqualsMarket(final String product, final List<Raw> records) {
        RawTopicBooks.assertLiveAndEqual(product, records, simulator.bookSnapshot(product));
    }

    /** One gap marker with the reason, after the first session's records and before the next session's snapshot. */
    private static void assertGapThenSnapshotInNewSession(final List<Raw> records, final String reason) {
        final List<String> shape = records.stream().map(Raw::describe).collect(Collectors.toList());
        final List<Raw> gaps = records.stream().filter(Raw::isGap).collect(Collectors.toList());
        assertThat(gaps).as("gap markers in %s", shape).hasSize(1);
        assertThat(gaps.get(0).json().get("reason").asText()).isEqualTo(reason);
        final int gapAt = records.indexOf(gaps.get(0));
        final String firstSession = records.get(0).sessionId();
        assertThat(records.subList(0, gapAt)).extracting(Raw::sessionId).containsOnly(firstSession);
        final List<Raw> after = records.subList(gapAt + 1, records.size());
        final Raw firstNew = after.stream().filter(r -> !firstSession.equals(r.sessionId())).findFirst()
                .orElseThrow(() -> new AssertionError("no record of a new session after the gap: " + shape));
        assertThat(firstNew.isSnapshot()).as("first record of the new session is a snapshot: %s", shape).isTrue();
        assertStrictlyIncreasingSessionSeq(records.subList(0, gapAt));
        assertStrictlyIncreasingSessionSeq(after.subList(after.indexOf(firstNew), after.size()));
    }

    private static void assertStrictlyIncreasingSessionSeq(final List<Raw> records) {
        final Set<String> seen = new HashSet<>();
        long last = 0;
        String session = null;
        for (final Raw raw : records) {
            if (raw.isGap()) {
                continue;
            }
            if (!raw.sessionId().equals(session)) {
                session = raw.sessionId();
                last = 0;
            }
            assertThat(raw.sessionSeq()).as("session counter increases").isGreaterThan(last);
            assertThat(seen.add(raw.sessionId() + "/" + raw.sessionSeq())).as("no duplicate").isTrue();
            last = raw.sessionSeq();
        }
    }

    private static void await(final BooleanSupplier condition, final String what) {
        Await.until(condition, WAIT, what);
    }
}
