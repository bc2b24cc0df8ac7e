package dev.orderbook.simulator.server;

import dev.orderbook.simulator.market.MarketOptions;
import dev.orderbook.simulator.market.Protocol;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The simulator speaking the Advanced Trade feed, over a real WebSocket on loopback. */
class AdvancedTradeSimulatorIT {
    static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD");

    static SimulatorOptions options(final int messagesPerSecond) {
        final MarketOptions market = MarketOptions.of(PRODUCTS, 7);
        return SimulatorOptions.of(Protocol.ADVANCED, new MarketOptions(market.products(), 7, 1_000,
                market.deepFraction(), market.batchSizes())).withMessagesPerSecond(messagesPerSecond);
    }

    /** Subscribes to level2 then heartbeats; checks both confirmations and returns the snapshots' books. */
    static Map<String, ClientBook> subscribe(final FeedTestClient client) throws InterruptedException {
        client.send("{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\",\"ETH-USD\"],\"channel\":\"level2\"}");
        final JsonNode level2 = client.nextJson();
        assertThat(level2.get("channel").asText()).isEqualTo("subscriptions");
        assertThat(level2.get("sequence_num").asLong()).isZero();
        assertThat(level2.get("events").toString())
                .isEqualTo("[{\"subscriptions\":{\"level2\":[\"BTC-USD\",\"ETH-USD\"]}}]");
        final Map<String, ClientBook> books = new HashMap<>();
        for (int i = 0; i < PRODUCTS.size(); i++) {
            final JsonNode snapshot = client.nextJson();
            assertThat(snapshot.get("channel").asText()).isEqualTo("l2_data");
            assertThat(snapshot.get("sequence_num").asLong()).isEqualTo(1 + i);
            final JsonNode event = snapshot.get("events").get(0);
            assertThat(event.get("type").asText()).isEqualTo("snapshot");
            final ClientBook book = new ClientBook();
            book.applyAdvancedEvent(event);
            books.put(event.get("product_id").asText(), book);
        }
        client.send("{\"type\":\"subscribe\",\"product_ids\":[],\"channel\":\"heartbeats\"}");
        return books;
    }

    @Test
    void sequenceNumShouldGrowByOneAcrossChannelsAndBooksShouldMatchTheMarket() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(options(1_000));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            final Map<String, ClientBook> books = subscribe(client);
            long expected = 3;
            int heartbeats = 0;
            int updates = 0;
            boolean confirmed = false;
            // Read until the heartbeats confirmation, a first heartbeat (about 1 s after subscribing) and 200 book
            // updates have come, all in one sequence_num run: an event count, not the old 1.3 s window, which a
            // busy machine could end before the first heartbeat. 20 s is only a hang guard.
            final long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!confirmed || heartbeats < 1 || updates < 200) {
                assertThat(System.nanoTime()).as("confirmation, a heartbeat and 200 updates within 20 s; had "
                        + "confirmed=%s heartbeats=%s updates=%s", confirmed, heartbeats, updates).isLessThan(guard);
                final FeedTestClient.Frame frame = client.frames.poll(100, TimeUnit.MILLISECONDS);
                if (frame != null) {
                    final JsonNode message = frame.json();
                    assertThat(message.get("sequence_num").asLong()).isEqualTo(expected++);
                    final String channel = message.get("channel").asText();
                    if ("subscriptions".equals(channel)) {
                        assertThat(message.get("events").toString()).isEqualTo("[{\"subscriptions\":{"
                                + "\"heartbeats\":[\"heartbeats\"],\"level2\":[\"BTC-USD\",\"ETH-USD\"]}}]");
                        confirmed = true;
                    } else if ("heartbeats".equals(channel)) {
                        heartbeats++;
                    } else {
                        applyUpdates(message, books);
                        updates++;
                    }
                }
            }
            simulator.goSilent(Duration.ofSeconds(3));
            // The market stands still while silent and bookSnapshot is taken between two messages: it is the book
            // a client holds once it has applied every message sent before the silence. Read until the client's
            // books equal it, not until a 300 ms gap without a frame, which a busy machine can put between frames
            // already sent (the books then differ by what is still in flight). Should the silence end first, the
            // books still pass through that state, since messages are applied in order; books that never get
            // there fail on the 20 s hang guard, with the difference shown by the assertions below.
            final Map<String, BookSnapshot> market = new HashMap<>();
            for (final String product : PRODUCTS) {
                market.put(product, simulator.bookSnapshot(product));
            }
            final long drainGuard = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!matches(books, market)) {
                final long left = drainGuard - System.nanoTime();
                final FeedTestClient.Frame frame = left > 0 ? client.frames.poll(left, TimeUnit.NANOSECONDS) : null;
                if (frame == null) {
                    break;
                }
                final JsonNode message = frame.json();
                assertThat(message.get("sequence_num").asLong()).isEqualTo(expected++);
                if ("l2_data".equals(message.get("channel").asText())) {
                    applyUpdates(message, books);
                }
            }
            assertThat(confirmed).isTrue();
            assertThat(heartbeats).isPositive();
            for (final String product : PRODUCTS) {
                assertThat(books.get(product).bids).as(product + " bids").isEqualTo(market.get(product).bids());
                assertThat(books.get(product).asks).as(product + " asks").isEqualTo(market.get(product).asks());
            }
        }
    }

    /** Whether every client book equals the market's. */
    static boolean matches(final Map<String, ClientBook> books, final Map<String, BookSnapshot> market) {
        for (final Map.Entry<String, BookSnapshot> product : market.entrySet()) {
            final ClientBook book = books.get(product.getKey());
            if (!book.bids.equals(product.getValue().bids()) || !book.asks.equals(product.getValue().asks())) {
                return false;
            }
        }
        return true;
    }

    private static void applyUpdates(final JsonNode message, final Map<String, ClientBook> books) {
        for (final JsonNode event : message.get("events")) {
            assertThat(event.get("type").asText()).isEqualTo("update");
            final ClientBook book = books.get(event.get("product_id").asText());
            book.applyAdvancedEvent(event);
            assertThat(book.isCrossed()).as("crossed after %s", event).isFalse();
        }
    }

    @Test
    void skipSequenceShouldMakeTheNextSequenceNumJumpByTwo() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(options(500));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            subscribe(client);
            long last = client.nextJson().get("sequence_num").asLong();
            simulator.skipSequence();
            // Read until the gap comes (the sender applies the fault before its next message; 20 s is only a hang
            // guard), then over the next 200 frames (about 0.4 s at 500/s): event counts, not the old 300 ms
            // window, which a busy machine could end before the gap.
            long jump = 0;
            final long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (jump <= 1) {
                final long left = guard - System.nanoTime();
                final FeedTestClient.Frame frame = left > 0 ? client.frames.poll(left, TimeUnit.NANOSECONDS) : null;
                assertThat(frame).as("a sequence_num gap within 20 s of skipSequence").isNotNull();
                final long sequenceNum = frame.json().get("sequence_num").asLong();
                jump = sequenceNum - last;
                assertThat(jump).as("sequence_num step").isPositive();
                last = sequenceNum;
            }
            // Then the gap skipped exactly one number, and only once
            assertThat(jump).as("the gap").isEqualTo(2);
            for (int i = 0; i < 200; i++) {
                final long sequenceNum = client.next(Duration.ofSeconds(20)).json().get("sequence_num").asLong();
                assertThat(sequenceNum - last).as("step %s after the gap", i + 1).isEqualTo(1);
                last = sequenceNum;
            }
        }
    }

    @Test
    void unknownProductShouldGetAnErrorAndNoData() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(options(500));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            client.send("{\"type\":\"subscribe\",\"product_ids\":[\"DOGE-USD\"],\"channel\":\"level2\"}");
            final JsonNode error = client.nextJson();
            assertThat(error.get("type").asText()).isEqualTo("error");
            assertThat(error.get("message").asText()).isEqualTo("Failed to subscribe");
            assertThat(error.get("reason").asText()).contains("DOGE-USD");
            // No data: rather than no frame within 500 ms (a busy machine could delay a wrong frame past it),
            // a positive marker. Subscribing a valid product afterwards is handled after the failed subscribe and
            // a connection's frames keep their order, so the next frame is that subscribe's confirmation, which
            // has no DOGE-USD, and no DOGE-USD frame comes among those up to BTC-USD's 200th book message (an
            // event count; 20 s is only a hang guard).
            client.send("{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\"],\"channel\":\"level2\"}");
            final JsonNode confirmation = client.nextJson();
            assertThat(confirmation.get("channel").asText()).isEqualTo("subscriptions");
            assertThat(confirmation.get("events").toString())
                    .isEqualTo("[{\"subscriptions\":{\"level2\":[\"BTC-USD\"]}}]");
            int btcMessages = 0;
            final long guard = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (btcMessages < 200) {
                final long left = guard - System.nanoTime();
                final FeedTestClient.Frame frame = left > 0 ? client.frames.poll(left, TimeUnit.NANOSECONDS) : null;
                assertThat(frame).as("200 BTC-USD book messages within 20 s; had %s", btcMessages).isNotNull();
                assertThat(frame.text()).doesNotContain("DOGE-USD");
                final JsonNode message = frame.json();
                if ("l2_data".equals(message.get("channel").asText())) {
                    assertThat(message.at("/events/0/product_id").asText()).isEqualTo("BTC-USD");
                    btcMessages++;
                }
            }
        }
    }
}
