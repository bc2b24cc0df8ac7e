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
            FeedTestClient.Frame frame;
            while ((frame = client.frames.poll(300, TimeUnit.MILLISECONDS)) != null) {
                final JsonNode message = frame.json();
                assertThat(message.get("sequence_num").asLong()).isEqualTo(expected++);
                if ("l2_data".equals(message.get("channel").asText())) {
                    applyUpdates(message, books);
                }
            }
            assertThat(confirmed).isTrue();
            assertThat(heartbeats).isPositive();
            for (final String product : PRODUCTS) {
                final BookSnapshot market = simulator.bookSnapshot(product);
                assertThat(books.get(product).bids).as(product + " bids").isEqualTo(market.bids());
                assertThat(books.get(product).asks).as(product + " asks").isEqualTo(market.asks());
            }
        }
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
            int gaps = 0;
            final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
            while (System.nanoTime() < until) {
                final FeedTestClient.Frame frame = client.frames.poll(100, TimeUnit.MILLISECONDS);
                if (frame != null) {
                    final long sequenceNum = frame.json().get("sequence_num").asLong();
                    assertThat(sequenceNum - last).isIn(1L, 2L);
                    gaps += sequenceNum - last == 2 ? 1 : 0;
                    last = sequenceNum;
                }
            }
            assertThat(gaps).isEqualTo(1);
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
            assertThat(client.frames.poll(500, TimeUnit.MILLISECONDS)).isNull();
        }
    }
}
