package dev.orderbook.simulator.server;

import dev.orderbook.simulator.market.MarketOptions;
import dev.orderbook.simulator.market.Protocol;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The simulator speaking the Exchange feed, over a real WebSocket on loopback. */
class ExchangeFeedSimulatorIT {
    static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD");
    static final String SUBSCRIBE = "{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\",\"ETH-USD\"],"
            + "\"channels\":[\"level2_batch\",\"heartbeat\"]}";

    static SimulatorOptions options(final int messagesPerSecond) {
        final MarketOptions market = MarketOptions.of(PRODUCTS, 42);
        return SimulatorOptions.of(Protocol.EXCHANGE, new MarketOptions(market.products(), 42, 1_000,
                market.deepFraction(), market.batchSizes())).withMessagesPerSecond(messagesPerSecond);
    }

    /** Subscribes and returns the two snapshots' books, keyed by product, after checking the confirmation. */
    static Map<String, ClientBook> subscribe(final FeedTestClient client) throws InterruptedException {
        client.send(SUBSCRIBE);
        final JsonNode confirmation = client.nextJson();
        assertThat(confirmation.toString()).isEqualTo("{\"type\":\"subscriptions\",\"channels\":["
                + "{\"name\":\"level2_batch\",\"product_ids\":[\"BTC-USD\",\"ETH-USD\"]},"
                + "{\"name\":\"heartbeat\",\"product_ids\":[\"BTC-USD\",\"ETH-USD\"]}]}");
        final Map<String, ClientBook> books = new HashMap<>();
        for (int i = 0; i < PRODUCTS.size(); i++) {
            final JsonNode snapshot = client.nextJson();
            assertThat(snapshot.get("type").asText()).isEqualTo("snapshot");
            final ClientBook book = new ClientBook();
            book.applyExchangeSnapshot(snapshot);
            books.put(snapshot.get("product_id").asText(), book);
        }
        assertThat(books).containsOnlyKeys(PRODUCTS);
        return books;
    }

    @Test
    void subscribeShouldBeConfirmedAndFollowedByOneSnapshotPerProductThenUpdates() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(options(500));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            assertThat(simulator.url()).isEqualTo("ws://127.0.0.1:" + simulator.port() + "/");
            final Map<String, ClientBook> books = subscribe(client);
            assertThat(books.get("BTC-USD").bids.size()).isBetween(900, 1_100);
            final JsonNode update = client.nextMatching(m -> "l2update".equals(m.path("type").asText()),
                    Duration.ofSeconds(2));
            assertThat(update.get("changes").size()).isPositive();
            assertThat(update.get("time").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
        }
    }

    @Test
    void appliedUpdatesShouldKeepBooksUncrossedAndEqualToTheMarketAtACheckpoint() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(options(2_000));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            final Map<String, ClientBook> books = subscribe(client);
            // Read until 1,000 updates were applied (about 0.5 s at 2,000/s; the old 800 ms window, which a busy
            // machine could fill with much less, asked for more than 500): an event count; 20 s is a hang guard.
            int updates = 0;
            final long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (updates < 1_000) {
                final long left = guard - System.nanoTime();
                final FeedTestClient.Frame frame = left > 0 ? client.frames.poll(left, TimeUnit.NANOSECONDS) : null;
                assertThat(frame).as("1,000 updates within 20 s; had %s", updates).isNotNull();
                if (apply(frame, books)) {
                    updates++;
                }
            }
            simulator.goSilent(Duration.ofSeconds(3));
            // The market stands still while silent and bookSnapshot is taken between two messages: the books a
            // client holds once it has applied every message sent before the silence. Drain what was in flight
            // until the books equal them, not until a 300 ms gap without a frame, which a busy machine can put
            // between frames already sent. Should the silence end first, the books still pass through that state
            // (messages are applied in order); books that never get there fail on the 20 s hang guard, with the
            // difference shown by the assertions below.
            final Map<String, BookSnapshot> market = new HashMap<>();
            for (final String product : PRODUCTS) {
                market.put(product, simulator.bookSnapshot(product));
            }
            final long drainGuard = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!AdvancedTradeSimulatorIT.matches(books, market)) {
                final long left = drainGuard - System.nanoTime();
                final FeedTestClient.Frame frame = left > 0 ? client.frames.poll(left, TimeUnit.NANOSECONDS) : null;
                if (frame == null) {
                    break;
                }
                apply(frame, books);
            }
            for (final String product : PRODUCTS) {
                assertThat(books.get(product).bids).as(product + " bids").isEqualTo(market.get(product).bids());
                assertThat(books.get(product).asks).as(product + " asks").isEqualTo(market.get(product).asks());
            }
        }
    }

    /** Applies an update to its product's book and checks it stays uncrossed; false for other messages. */
    private static boolean apply(final FeedTestClient.Frame frame, final Map<String, ClientBook> books) {
        final JsonNode message = frame.json();
        if (!"l2update".equals(message.get("type").asText())) {
            return false;
        }
        final ClientBook book = books.get(message.get("product_id").asText());
        book.applyExchangeUpdate(message);
        assertThat(book.isCrossed()).as("crossed after %s", message).isFalse();
        return true;
    }

    @Test
    void heartbeatsShouldArriveEverySecondPerProductWithIncreasingSequence() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(options(100));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            final long beforeSubscribe = System.nanoTime();
            subscribe(client);
            // Three heartbeats per product, read as they come (about 3 s; 20 s is only a hang guard), rather than
            // a count within a wall-clock window, which a busy machine can cut short
            final Map<String, List<Long>> sequences = new HashMap<>();
            final long guard = beforeSubscribe + TimeUnit.SECONDS.toNanos(20);
            while (sequences.size() < PRODUCTS.size() || sequences.values().stream().anyMatch(s -> s.size() < 3)) {
                assertThat(System.nanoTime()).as("three heartbeats per product within 20 s").isLessThan(guard);
                final FeedTestClient.Frame frame = client.frames.poll(50, TimeUnit.MILLISECONDS);
                if (frame != null && "heartbeat".equals(frame.json().get("type").asText())) {
                    final JsonNode heartbeat = frame.json();
                    assertThat(heartbeat.fieldNames()).toIterable()
                            .containsExactly("type", "sequence", "last_trade_id", "product_id", "time");
                    sequences.computeIfAbsent(heartbeat.get("product_id").asText(), k -> new ArrayList<>())
                            .add(heartbeat.get("sequence").asLong());
                }
            }
            // Every second, not faster: the third comes no sooner than 3 s after subscribing (a busy machine can
            // only make it later)
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - beforeSubscribe))
                    .as("ms from subscribing to the third heartbeat of each product").isGreaterThanOrEqualTo(2_900L);
            assertThat(sequences).containsOnlyKeys(PRODUCTS);
            for (final List<Long> perProduct : sequences.values()) {
                assertThat(perProduct).hasSizeBetween(3, 4).isSorted().doesNotHaveDuplicates();
            }
        }
    }

    @Test
    void unknownProductShouldGetAnErrorAndNoData() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(options(500));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            client.send("{\"type\":\"subscribe\",\"product_ids\":[\"DOGE-USD\"],"
                    + "\"channels\":[\"level2_batch\",\"heartbeat\"]}");
            final JsonNode error = client.nextJson();
            assertThat(error.get("type").asText()).isEqualTo("error");
            assertThat(error.get("message").asText()).isEqualTo("Failed to subscribe");
            assertThat(error.get("reason").asText()).contains("DOGE-USD");
            assertThat(client.frames.poll(1_200, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void refusedSubscriptionsShouldBeAnsweredWithAnError() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(options(500));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            simulator.refuseSubscriptions(true);
            client.send(SUBSCRIBE);
            final JsonNode error = client.nextJson();
            assertThat(error.get("type").asText()).isEqualTo("error");
            assertThat(error.get("message").asText()).isEqualTo("Failed to subscribe");
            assertThat(client.frames.poll(300, TimeUnit.MILLISECONDS)).isNull();
            simulator.refuseSubscriptions(false);
            subscribe(client);
        }
    }

    @Test
    void connectionWithoutSubscribeShouldBeClosedAfterFiveSeconds() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(options(500))) {
            // Taken before connecting, so the server's timer cannot have started earlier.
            final long beforeConnect = System.nanoTime();
            try (FeedTestClient client = FeedTestClient.connect(simulator.url())) {
                // Closed about 5 s after opening; 30 s is only a hang guard (a busy machine makes it later, never
                // earlier, so only the lower bound is asserted)
                final int code = client.closeCode.get(30, TimeUnit.SECONDS);
                final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - beforeConnect);
                assertThat(code).isEqualTo(1008);
                assertThat(elapsedMs).as("ms from connecting to the close").isGreaterThanOrEqualTo(4_900L);
                assertThat(client.frames).isEmpty();
            }
        }
    }
}
