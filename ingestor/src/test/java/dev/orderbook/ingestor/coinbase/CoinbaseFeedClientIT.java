package dev.orderbook.ingestor.coinbase;

import dev.orderbook.contract.GapReason;

import dev.orderbook.codec.Protocol;
import dev.orderbook.ingestor.auth.Credentials;
import dev.orderbook.ingestor.coinbase.RecordingFeedListener.Event;
import dev.orderbook.simulator.market.FeedFileGenerator;
import dev.orderbook.simulator.market.FeedFileOptions;
import dev.orderbook.simulator.server.ExchangeAuth;
import dev.orderbook.simulator.server.ExchangeSimulator;
import dev.orderbook.simulator.server.SimulatorOptions;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import dev.orderbook.ingestor.frame.DecodedFrame;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

/**
 * {@link CoinbaseFeedClient} against the exchange simulator over a real WebSocket on loopback, one simulator per
 * test, with the simulator's faults injected.
 */
@Timeout(30)
class CoinbaseFeedClientIT {
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD");
    private static final String TEST_SECRET = Base64.getEncoder().encodeToString(
            "simulator-test-secret-0123456789".getBytes(StandardCharsets.UTF_8));
    private static final long SEED = 42;
    private static final int MESSAGES_PER_SECOND = 200;
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String WORKER_THREAD = "coinbase-feed-worker";
    // Above a 5 MB BTC-USD snapshot, to prove large frames arrive whole.
    private static final int SIX_MEGABYTES = 6_000_000;

    private final RecordingFeedListener listener = new RecordingFeedListener();
    private ExchangeSimulator simulator;
    private CoinbaseFeedClient client;

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        if (simulator != null) {
            simulator.close();
        }
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void shouldReceiveSnapshotPerProductThenUpdatesInSessionOrder(final Protocol protocol) throws Exception {
        // Given
        startSimulator(protocol);
        // When
        startClient(protocol, Duration.ofSeconds(5));
        final List<Event> events = awaitUpdatesForAllProducts(null);
        // Then
        assertThat(events.get(0).type()).isEqualTo("connected");
        final String sessionId = events.get(0).sessionId();
        final List<Event> messages = messages(events);
        assertThat(messages).allMatch(e -> sessionId.equals(e.sessionId()));
        assertContiguousFromOne(messages);
        for (final String productId : PRODUCTS) {
            final Event firstBook = messages.stream().filter(e -> productId.equals(e.productId())).findFirst()
                    .orElseThrow();
            assertThat(firstBook.snapshot()).as("first book event of %s is a snapshot", productId).isTrue();
        }
        assertThat(events).allMatch(e -> WORKER_THREAD.equals(e.threadName()));
        assertThat(events).noneMatch(e -> "gap".equals(e.type()) || "problem".equals(e.type()));
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void shouldReportDisconnectGapsAndResubscribeOnNewSessionWhenConnectionDrops(final Protocol protocol)
            throws Exception {
        // Given
        startSimulator(protocol);
        startClient(protocol, Duration.ofSeconds(5));
        final String firstSession = awaitUpdatesForAllProducts(null).get(0).sessionId();
        // When
        simulator.dropConnections();
        final List<Event> events = awaitSnapshotsInNewSession(firstSession);
        // Then
        final int lastOfFirst = lastIndexOf(events, e -> firstSession.equals(e.sessionId()));
        final int secondConnected = indexOf(events, e -> "connected".equals(e.type())
                && !firstSession.equals(e.sessionId()));
        final List<Event> between = events.subList(lastOfFirst + 1, secondConnected);
        assertThat(between).extracting(Event::type).containsOnly("gap");
        assertThat(between).extracting(Event::productId).containsExactlyInAnyOrderElementsOf(PRODUCTS);
        assertThat(between).extracting(Event::detail).containsOnly(GapReason.DISCONNECT.wireName());
        final String secondSession = events.get(secondConnected).sessionId();
        final List<Event> secondMessages = messages(events).stream()
                .filter(e -> secondSession.equals(e.sessionId())).collect(Collectors.toList());
        assertContiguousFromOne(secondMessages);
    }

    @Test
    void shouldReportDisconnectGapsAndReconnectAfterTcpResetWithoutCloseFrame() throws Exception {
        // Given
        startSimulator(Protocol.ADVANCED);
        startClient(Protocol.ADVANCED, Duration.ofSeconds(5));
        final String firstSession = awaitUpdatesForAllProducts(null).get(0).sessionId();
        // When
        simulator.resetConnections();
        final List<Event> events = awaitSnapshotsInNewSession(firstSession);
        // Then
        final List<Event> gaps = events.stream().filter(e -> "gap".equals(e.type())).collect(Collectors.toList());
        assertThat(gaps).extracting(Event::productId).containsExactlyInAnyOrderElementsOf(PRODUCTS);
        assertThat(gaps).extracting(Event::detail).containsOnly(GapReason.DISCONNECT.wireName());
    }

    @Test
    void shouldReportGapsWithCallersReasonAndReconnectWhenConnectionIsDroppedOnPurpose() throws Exception {
        // Given
        startSimulator(Protocol.EXCHANGE);
        startClient(Protocol.EXCHANGE, Duration.ofSeconds(5));
        final String firstSession = awaitUpdatesForAllProducts(null).get(0).sessionId();
        // When
        client.dropConnection(GapReason.BACKPRESSURE, "test");
        final List<Event> events = awaitSnapshotsInNewSession(firstSession);
        // Then
        final List<Event> gaps = events.stream().filter(e -> "gap".equals(e.type())).collect(Collectors.toList());
        assertThat(gaps).extracting(Event::productId).containsExactlyInAnyOrderElementsOf(PRODUCTS);
        assertThat(gaps).extracting(Event::detail).containsOnly("backpressure");
    }

    @Test
    void shouldReportSequenceGapForEveryProductWhenAdvancedTradeSkipsSequenceNumber() throws Exception {
        // Given
        startSimulator(Protocol.ADVANCED);
        startClient(Protocol.ADVANCED, Duration.ofSeconds(5));
        final String firstSession = awaitUpdatesForAllProducts(null).get(0).sessionId();
        // When
        simulator.skipSequence();
        final List<Event> events = awaitSnapshotsInNewSession(firstSession);
        // Then
        // Reported before the frame that revealed it, and again after the connection's last frame.
        final int revealing = indexOf(events, e -> "gap".equals(e.type()));
        final List<Event> first = events.subList(revealing, revealing + PRODUCTS.size());
        assertThat(first).extracting(Event::type).containsOnly("gap");
        assertThat(first).extracting(Event::productId).containsExactlyInAnyOrderElementsOf(PRODUCTS);
        final int lastOfFirst = lastIndexOf(events, e -> firstSession.equals(e.sessionId()));
        final List<Event> closing = events.subList(lastOfFirst + 1, lastOfFirst + 1 + PRODUCTS.size());
        assertThat(closing).extracting(Event::type).containsOnly("gap");
        assertThat(closing).extracting(Event::productId).containsExactlyInAnyOrderElementsOf(PRODUCTS);
        final List<Event> gaps = events.stream().filter(e -> "gap".equals(e.type())).collect(Collectors.toList());
        assertThat(gaps).extracting(Event::detail).containsOnly(GapReason.SEQUENCE.wireName());
    }

    @Test
    void shouldReportSilenceGapsAndReconnectWhenFeedGoesSilentBeyondTimeout() throws Exception {
        // Given
        startSimulator(Protocol.EXCHANGE);
        startClient(Protocol.EXCHANGE, Duration.ofSeconds(1));
        final String firstSession = awaitUpdatesForAllProducts(null).get(0).sessionId();
        // When
        simulator.goSilent(Duration.ofSeconds(2));
        final List<Event> events = awaitSnapshotsInNewSession(firstSession);
        // Then
        final int lastOfFirst = lastIndexOf(events, e -> firstSession.equals(e.sessionId()));
        final List<Event> gapsAfterFirst = events.subList(lastOfFirst + 1, lastOfFirst + 1 + PRODUCTS.size());
        assertThat(gapsAfterFirst).extracting(Event::type).containsOnly("gap");
        assertThat(gapsAfterFirst).extracting(Event::productId).containsExactlyInAnyOrderElementsOf(PRODUCTS);
        assertThat(gapsAfterFirst).extracting(Event::detail).containsOnly(GapReason.SILENCE.wireName());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void shouldDeliverMalformedFrameVerbatimAndStayConnected(final Protocol protocol) throws Exception {
        // Given
        startSimulator(protocol);
        startClient(protocol, Duration.ofSeconds(5));
        final String sessionId = awaitUpdatesForAllProducts(null).get(0).sessionId();
        // When
        simulator.sendMalformed();
        final Predicate<Event> isMalformed = e -> "INVALID".equals(e.detail());
        final List<Event> untilMalformed = listener.awaitEvent(isMalformed, WAIT);
        final Event malformed = untilMalformed.get(indexOf(untilMalformed, isMalformed));
        final long malformedSequence = malformed.sessionSequence();
        final List<Event> events = listener.awaitEvent(e -> e.productId() != null && !e.snapshot()
                && e.sessionSequence() > malformedSequence, WAIT);
        // Then
        assertThat(malformed.text()).startsWith("{").doesNotEndWith("}");
        assertThat(malformed.sessionId()).isEqualTo(sessionId);
        assertThat(events).filteredOn(e -> "connected".equals(e.type())).hasSize(1);
        assertThat(events).noneMatch(e -> "gap".equals(e.type()));
        assertContiguousFromOne(messages(events));
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void shouldReportSubscriptionProblemWhenSubscriptionsAreRefused(final Protocol protocol) throws Exception {
        // Given
        startSimulator(protocol);
        simulator.refuseSubscriptions(true);
        // When
        startClient(protocol, Duration.ofSeconds(5));
        final List<Event> events = listener.awaitEvent(e -> "problem".equals(e.type()), WAIT);
        // Then
        assertThat(events.get(indexOf(events, e -> "problem".equals(e.type()))).detail())
                .contains("Failed to subscribe");
        assertThat(events).noneMatch(Event::snapshot);
    }

    @Test
    void shouldDeliverSixMegabyteFrameWholeAndStayConnected() throws Exception {
        // Given
        startSimulator(Protocol.EXCHANGE);
        startClient(Protocol.EXCHANGE, Duration.ofSeconds(5));
        final String sessionId = awaitUpdatesForAllProducts(null).get(0).sessionId();
        // When
        simulator.sendOversized(SIX_MEGABYTES);
        final Predicate<Event> isLarge = e -> e.text() != null && e.text().length() >= SIX_MEGABYTES;
        final List<Event> untilLarge = listener.awaitEvent(isLarge, WAIT);
        final Event large = untilLarge.get(indexOf(untilLarge, isLarge));
        final long largeSequence = large.sessionSequence();
        final List<Event> events = listener.awaitEvent(e -> e.productId() != null && !e.snapshot()
                && e.sessionSequence() > largeSequence, WAIT);
        // Then
        assertThat(large.text()).startsWith("{").endsWith("}").contains("simulator_padding");
        assertThat(large.sessionId()).isEqualTo(sessionId);
        assertThat(events).noneMatch(e -> "gap".equals(e.type()));
    }

    @Test
    void shouldNegotiatePermessageDeflateOnBothSidesAndKeepFramesIntact() throws Exception {
        // Given a client with the default configuration (deflate offered)
        startSimulator(Protocol.EXCHANGE);
        startClient(Protocol.EXCHANGE, Duration.ofSeconds(5));
        final String sessionId = awaitUpdatesForAllProducts(null).get(0).sessionId();
        // When a 6 MB frame follows the compressed book data
        simulator.sendOversized(SIX_MEGABYTES);
        final Predicate<Event> isLarge = e -> e.text() != null && e.text().length() >= SIX_MEGABYTES;
        final long largeSequence = listener.awaitEvent(isLarge, WAIT).stream().filter(isLarge).findFirst()
                .orElseThrow().sessionSequence();
        final List<Event> events = listener.awaitEvent(e -> e.productId() != null && !e.snapshot()
                && e.sessionSequence() > largeSequence, WAIT);
        // Then both sides negotiated the extension and every frame decoded whole
        assertThat(client.config().permessageDeflate()).isTrue();
        assertThat(client.negotiatedExtensions()).containsExactly("permessage-deflate");
        assertThat(simulator.negotiatedExtensions()).containsExactly("permessage-deflate");
        final Event large = events.stream().filter(isLarge).findFirst().orElseThrow();
        assertThat(large.text()).hasSize(SIX_MEGABYTES).startsWith("{").endsWith("}").contains("simulator_padding");
        assertThat(messages(events)).noneMatch(e -> "INVALID".equals(e.detail()));
        assertThat(events).filteredOn(e -> "connected".equals(e.type())).extracting(Event::sessionId)
                .containsExactly(sessionId);
    }

    @Test
    void shouldNotNegotiateDeflateWhenDisabled() throws Exception {
        // Given
        startSimulator(Protocol.ADVANCED);
        // When
        client = CoinbaseFeedClient.start(FeedClientConfig.of(simulator.url(), Protocol.ADVANCED, PRODUCTS)
                .withPermessageDeflate(false), listener);
        awaitUpdatesForAllProducts(null);
        // Then
        assertThat(client.negotiatedExtensions()).isEmpty();
        assertThat(simulator.negotiatedExtensions()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void shouldResnapshotOneProductOnTheSameConnectionWithoutDisturbingOthers(final Protocol protocol)
            throws Exception {
        // Given
        startSimulator(protocol);
        startClient(protocol, Duration.ofSeconds(5));
        final String sessionId = awaitUpdatesForAllProducts(null).get(0).sessionId();
        final int before = listener.events().size();
        // When
        assertThat(client.resnapshot("BTC-USD", GapReason.INVALID)).isTrue();
        final List<Event> untilSnapshot = listener.awaitEvent(e -> e.snapshot() && "BTC-USD".equals(e.productId())
                && listener.events().indexOf(e) >= before, WAIT);
        final List<Event> after = untilSnapshot.subList(before, untilSnapshot.size());
        final List<Event> events = awaitUpdatesForAllProducts(sessionId);
        // Then one gap, for that product, before its fresh snapshot; the other product is untouched
        assertThat(after).filteredOn(e -> "gap".equals(e.type())).extracting(Event::productId, Event::detail)
                .containsExactly(tuple("BTC-USD", "invalid"));
        assertThat(indexOf(after, e -> "gap".equals(e.type()))).isLessThan(indexOf(after, Event::snapshot));
        assertThat(events.subList(before, events.size())).noneMatch(e -> e.snapshot()
                && "ETH-USD".equals(e.productId()));
        assertThat(events).filteredOn(e -> "gap".equals(e.type())).hasSize(1);
        assertThat(events).filteredOn(e -> "connected".equals(e.type())).hasSize(1);
        assertThat(messages(events)).allMatch(e -> sessionId.equals(e.sessionId()));
        assertContiguousFromOne(messages(events));
    }

    @Test
    void resnapshotShouldRejectAnUnconfiguredProduct() throws Exception {
        startSimulator(Protocol.EXCHANGE);
        startClient(Protocol.EXCHANGE, Duration.ofSeconds(5));
        assertThatThrownBy(() -> client.resnapshot("DOGE-USD", GapReason.INVALID))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldReportSilenceAndResnapshotOnlyTheProductWhoseHeartbeatsStop() throws Exception {
        // Given an Exchange client watching each product's heartbeats with a short timeout
        startSimulator(Protocol.EXCHANGE);
        client = CoinbaseFeedClient.start(FeedClientConfig.of(simulator.url(), Protocol.EXCHANGE, PRODUCTS)
                .withSilenceTimeout(Duration.ofSeconds(5)).withProductSilenceTimeout(Duration.ofMillis(1_500)),
                listener);
        final String sessionId = awaitUpdatesForAllProducts(null).get(0).sessionId();
        final int before = listener.events().size();
        // When one product's data and heartbeats stop
        simulator.silenceProduct("ETH-USD");
        final List<Event> untilSnapshot = listener.awaitEvent(e -> e.snapshot() && "ETH-USD".equals(e.productId())
                && listener.events().indexOf(e) >= before, WAIT);
        final List<Event> events = awaitUpdatesForAllProducts(sessionId);
        // Then a silence gap for it alone, a fresh snapshot on the same connection, and its heartbeats again
        final List<Event> after = untilSnapshot.subList(before, untilSnapshot.size());
        assertThat(after).filteredOn(e -> "gap".equals(e.type())).extracting(Event::productId, Event::detail)
                .containsExactly(tuple("ETH-USD", GapReason.SILENCE.wireName()));
        assertThat(events).filteredOn(e -> "connected".equals(e.type())).hasSize(1);
        assertThat(events.subList(before, events.size())).noneMatch(e -> e.snapshot()
                && "BTC-USD".equals(e.productId()));
        listener.awaitEvent(e -> "HEARTBEAT".equals(e.detail()) && e.text().contains("ETH-USD")
                && listener.events().indexOf(e) > untilSnapshot.size(), WAIT);
        assertThat(listener.events()).filteredOn(e -> "gap".equals(e.type())).hasSize(1);
        assertThat(messages(listener.events())).allMatch(e -> sessionId.equals(e.sessionId()));
    }

    @Test
    void shouldFollowARecordedFeedAndStayConnectedWithoutGapsAfterItEnds(@TempDir final Path dir) throws Exception {
        // Given an Exchange recording of 300 update messages, served at 1,000 a second
        final Path file = dir.resolve("recorded.ndjson");
        FeedFileGenerator.generate(file, FeedFileOptions.defaults().withProductIds(PRODUCTS).withLevelsPerSide(100)
                .withLimits(0, 300));
        simulator = ExchangeSimulator.start(SimulatorOptions.ofRecording(
                dev.orderbook.simulator.market.Protocol.EXCHANGE, file).withMessagesPerSecond(1_000));
        // When the client follows it past its end, with a short silence timeout
        client = CoinbaseFeedClient.start(FeedClientConfig.of(simulator.url(), Protocol.EXCHANGE, PRODUCTS)
                .withSilenceTimeout(Duration.ofMillis(1_500)), listener);
        awaitUpdatesForAllProducts(null);
        final long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (simulator.messagesGenerated() < 300 && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        final int atEnd = listener.events().size();
        listener.awaitEvent(e -> "HEARTBEAT".equals(e.detail()) && listener.events().indexOf(e) > atEnd, WAIT);
        Thread.sleep(2_000);
        // Then heartbeats kept it alive: one session, no gap, and no book data after the end
        final List<Event> events = listener.events();
        assertThat(simulator.messagesGenerated()).isEqualTo(300);
        assertThat(events).filteredOn(e -> "connected".equals(e.type())).hasSize(1);
        assertThat(events).noneMatch(e -> "gap".equals(e.type()));
        assertThat(events.subList(atEnd, events.size())).noneMatch(e -> e.productId() != null)
                .anyMatch(e -> "HEARTBEAT".equals(e.detail()));
    }

    @Test
    void shouldRetryConnectingUntilServerAccepts() throws Exception {
        // Given: a port with nothing listening
        startSimulator(Protocol.ADVANCED);
        final int port = simulator.port();
        final String url = simulator.url();
        simulator.close();
        client = CoinbaseFeedClient.start(FeedClientConfig.of(url, Protocol.ADVANCED, PRODUCTS)
                .withReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)), listener);
        Thread.sleep(500);
        assertThat(listener.events()).isEmpty();
        // When
        simulator = ExchangeSimulator.start(SimulatorOptions.of(dev.orderbook.simulator.market.Protocol.ADVANCED,
                PRODUCTS, SEED).withMessagesPerSecond(MESSAGES_PER_SECOND).withPort(port));
        // Then
        final List<Event> events = awaitUpdatesForAllProducts(null);
        assertThat(events.get(0).type()).isEqualTo("connected");
        assertThat(events).noneMatch(e -> "gap".equals(e.type()));
    }

    @Test
    void shouldStopItsThreadsOnClose() throws Exception {
        // Given
        final Set<Thread> before = nonDaemonThreads();
        startSimulator(Protocol.ADVANCED);
        startClient(Protocol.ADVANCED, Duration.ofSeconds(5));
        awaitUpdatesForAllProducts(null);
        // When
        client.close();
        // Then
        assertThat(liveThreadNames()).noneMatch(name -> name.startsWith("coinbase-feed-"));
        final long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        Set<Thread> leftover = leftoverNonDaemonThreads(before);
        while (!leftover.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
            leftover = leftoverNonDaemonThreads(before);
        }
        assertThat(leftover).isEmpty();
        final int eventsAtClose = listener.events().size();
        Thread.sleep(300);
        assertThat(listener.events()).hasSize(eventsAtClose);
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    @Test
    void shouldSubscribeToTheAuthenticatedLevel2ChannelWithASignedSubscription() throws Exception {
        // Given an exchange that checks signatures
        startSimulator(Protocol.EXCHANGE);
        simulator.requireExchangeCredentials(new ExchangeAuth("key-1", TEST_SECRET, "phrase"));
        final Credentials credentials = Credentials.from(Map.of(Credentials.API_KEY, "key-1",
                Credentials.API_SECRET, TEST_SECRET, Credentials.API_PASSPHRASE, "phrase")).orElseThrow();
        // When
        client = CoinbaseFeedClient.start(FeedClientConfig.of(simulator.url(), Protocol.EXCHANGE, PRODUCTS),
                listener, credentials);
        final List<Event> events = awaitUpdatesForAllProducts(null);
        // Then
        assertThat(events).noneMatch(e -> "problem".equals(e.type()) || "gap".equals(e.type()));
    }

    @Test
    void shouldReportASubscriptionProblemWhenTheSignatureIsWrong() throws Exception {
        // Given
        startSimulator(Protocol.EXCHANGE);
        simulator.requireExchangeCredentials(new ExchangeAuth("key-1", TEST_SECRET, "phrase"));
        final Credentials wrong = Credentials.from(Map.of(Credentials.API_KEY, "key-1",
                Credentials.API_SECRET, Base64.getEncoder().encodeToString(new byte[32]),
                Credentials.API_PASSPHRASE, "phrase")).orElseThrow();
        // When
        client = CoinbaseFeedClient.start(FeedClientConfig.of(simulator.url(), Protocol.EXCHANGE, PRODUCTS),
                listener, wrong);
        // Then
        final List<Event> events = listener.awaitEvent(e -> "problem".equals(e.type()), WAIT);
        assertThat(events.get(indexOf(events, e -> "problem".equals(e.type()))).detail())
                .contains("requires authentication");
    }

    @Test
    void shouldStopTheWorkerAndSayWhyWhenTheListenerFails() throws Exception {
        // Given a listener that fails on the tenth frame
        startSimulator(Protocol.EXCHANGE);
        final AtomicInteger frames = new AtomicInteger();
        final RecordingFeedListener failing = new RecordingFeedListener() {
            @Override
            public synchronized void onFrame(final DecodedFrame frame) {
                if (frames.incrementAndGet() == 10) {
                    throw new IllegalStateException("broken listener");
                }
                super.onFrame(frame);
            }
        };
        client = CoinbaseFeedClient.start(FeedClientConfig.of(simulator.url(), Protocol.EXCHANGE, PRODUCTS), failing);
        // When it fails
        failing.awaitEvent(e -> "fatal".equals(e.type()), Duration.ofSeconds(10));
        // Then the worker has stopped, says why, and delivers nothing more: carrying on could skip what failed
        assertThat(failing.events()).filteredOn(e -> "fatal".equals(e.type())).extracting(Event::detail)
                .containsExactly("java.lang.IllegalStateException: broken listener");
        Thread.sleep(500);
        assertThat(frames.get()).isEqualTo(10);
        assertThat(client.isDispatching(Duration.ofMinutes(1))).isFalse();
    }

    private void startSimulator(final Protocol protocol) throws IOException {
        simulator = ExchangeSimulator.start(SimulatorOptions.of(
                dev.orderbook.simulator.market.Protocol.valueOf(protocol.name()), PRODUCTS, SEED)
                .withMessagesPerSecond(MESSAGES_PER_SECOND));
    }

    private void startClient(final Protocol protocol, final Duration silenceTimeout) {
        client = CoinbaseFeedClient.start(FeedClientConfig.of(simulator.url(), protocol, PRODUCTS)
                .withSilenceTimeout(silenceTimeout)
                .withReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500)), listener);
    }

    /** Waits for a book update (after the snapshot) of every product, in {@code sessionId} if not null. */
    private List<Event> awaitUpdatesForAllProducts(final String sessionId) throws InterruptedException {
        List<Event> events = List.of();
        for (final String productId : PRODUCTS) {
            events = listener.awaitEvent(e -> productId.equals(e.productId()) && "message".equals(e.type())
                    && !e.snapshot() && (sessionId == null || sessionId.equals(e.sessionId())), WAIT);
        }
        return events;
    }

    /** Waits for a snapshot of every product in one session other than {@code oldSession}. */
    private List<Event> awaitSnapshotsInNewSession(final String oldSession) throws InterruptedException {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            final List<Event> events = listener.awaitEvent(e -> e.snapshot() && !oldSession.equals(e.sessionId()),
                    WAIT);
            final Set<String> sessions = events.stream().filter(e -> e.snapshot() && !oldSession.equals(e.sessionId()))
                    .map(Event::sessionId).collect(Collectors.toCollection(LinkedHashSet::new));
            for (final String session : sessions) {
                final Set<String> snapshotted = events.stream()
                        .filter(e -> e.snapshot() && session.equals(e.sessionId()))
                        .map(Event::productId).collect(Collectors.toSet());
                if (snapshotted.containsAll(PRODUCTS)) {
                    return events;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no new session with every snapshot; events: " + listener.summary());
    }

    private static List<Event> messages(final List<Event> events) {
        return events.stream().filter(e -> "message".equals(e.type())).collect(Collectors.toList());
    }

    /** Session sequences (one per frame; a frame may yield several events) run 1, 2, 3, ... */
    private static void assertContiguousFromOne(final List<Event> messages) {
        final List<Long> sequences = messages.stream().map(Event::sessionSequence).distinct()
                .collect(Collectors.toList());
        assertThat(sequences).isNotEmpty();
        for (int i = 0; i < sequences.size(); i++) {
            assertThat(sequences.get(i)).isEqualTo(i + 1L);
        }
    }

    private static int indexOf(final List<Event> events, final Predicate<Event> condition) {
        for (int i = 0; i < events.size(); i++) {
            if (condition.test(events.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no such event");
    }

    private static int lastIndexOf(final List<Event> events, final Predicate<Event> condition) {
        for (int i = events.size() - 1; i >= 0; i--) {
            if (condition.test(events.get(i))) {
                return i;
            }
        }
        throw new AssertionError("no such event");
    }

    private static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive() && !t.isDaemon())
                .collect(Collectors.toCollection(HashSet::new));
    }

    private static Set<Thread> leftoverNonDaemonThreads(final Set<Thread> before) {
        final Set<Thread> now = nonDaemonThreads();
        now.removeAll(before);
        // The simulator is still running; only the client's threads count.
        now.removeIf(t -> t.getName().contains("simulator") || t.getName().startsWith("grizzly-http-server"));
        return now;
    }

    private static List<String> liveThreadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(Collectors.toList());
    }
}
