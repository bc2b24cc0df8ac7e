package dev.orderbook.simulator.server;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unsubscribe, resubscribe and the per-product silence fault, over a real WebSocket on loopback: what a client
 * needs to resnapshot one product without touching the others.
 */
class SimulatorSubscriptionsIT {

    /** Frames received within {@code window}, parsed. */
    private static List<JsonNode> framesFor(final FeedTestClient client, final Duration window)
            throws InterruptedException {
        final List<JsonNode> frames = new ArrayList<>();
        final long until = System.nanoTime() + window.toNanos();
        while (System.nanoTime() < until) {
            final FeedTestClient.Frame frame = client.frames.poll(20, TimeUnit.MILLISECONDS);
            if (frame != null) {
                frames.add(frame.json());
            }
        }
        return frames;
    }

    private static boolean exchangeBookDataFor(final JsonNode m, final String productId) {
        final String type = m.path("type").asText();
        return ("l2update".equals(type) || "snapshot".equals(type)) && productId.equals(m.path("product_id").asText());
    }

    private static boolean advancedBookDataFor(final JsonNode m, final String productId) {
        if (!"l2_data".equals(m.path("channel").asText())) {
            return false;
        }
        for (final JsonNode event : m.get("events")) {
            if (productId.equals(event.path("product_id").asText())) {
                return true;
            }
        }
        return false;
    }

    @Test
    void shouldStopProductDataAfterUnsubscribeAndSendFreshSnapshotOnResubscribeOnExchangeFeed() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(1_000));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            // Given
            ExchangeFeedSimulatorIT.subscribe(client);
            // When
            client.send("{\"type\":\"unsubscribe\",\"product_ids\":[\"BTC-USD\"],\"channels\":[\"level2_batch\"]}");
            final JsonNode confirmation = client.nextMatching(m -> "subscriptions".equals(m.path("type").asText()),
                    Duration.ofSeconds(2));
            final List<JsonNode> afterUnsubscribe = framesFor(client, Duration.ofMillis(400));
            // Then
            assertThat(confirmation.toString()).isEqualTo("{\"type\":\"subscriptions\",\"channels\":["
                    + "{\"name\":\"level2_batch\",\"product_ids\":[\"ETH-USD\"]},"
                    + "{\"name\":\"heartbeat\",\"product_ids\":[\"BTC-USD\",\"ETH-USD\"]}]}");
            assertThat(afterUnsubscribe).noneMatch(m -> exchangeBookDataFor(m, "BTC-USD"));
            assertThat(afterUnsubscribe).anyMatch(m -> exchangeBookDataFor(m, "ETH-USD"));

            // When
            client.send("{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\"],\"channels\":[\"level2_batch\"]}");
            final JsonNode snapshot = client.nextMatching(m -> exchangeBookDataFor(m, "BTC-USD"),
                    Duration.ofSeconds(2));
            // Then the first BTC-USD message is a full snapshot, and the books stay in step with the market
            assertThat(snapshot.get("type").asText()).isEqualTo("snapshot");
            final ClientBook book = new ClientBook();
            book.applyExchangeSnapshot(snapshot);
            simulator.goSilent(Duration.ofSeconds(2));
            FeedTestClient.Frame frame;
            while ((frame = client.frames.poll(300, TimeUnit.MILLISECONDS)) != null) {
                final JsonNode m = frame.json();
                if (exchangeBookDataFor(m, "BTC-USD")) {
                    book.applyExchangeUpdate(m);
                }
            }
            assertThat(book.bids).isEqualTo(simulator.bookSnapshot("BTC-USD").bids());
            assertThat(book.asks).isEqualTo(simulator.bookSnapshot("BTC-USD").asks());
        }
    }

    @Test
    void shouldSendFreshSnapshotOnResubscribeOnAdvancedTrade() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(AdvancedTradeSimulatorIT.options(1_000));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            // Given
            final Map<String, ClientBook> books = AdvancedTradeSimulatorIT.subscribe(client);
            assertThat(books).containsKeys("BTC-USD", "ETH-USD");
            // When
            client.send("{\"type\":\"unsubscribe\",\"product_ids\":[\"ETH-USD\"],\"channel\":\"level2\"}");
            // The heartbeats confirmation may come first; the unsubscribe's is the one without ETH-USD.
            final JsonNode confirmation = client.nextMatching(m -> "subscriptions".equals(m.path("channel").asText())
                    && !m.toString().contains("ETH-USD"), Duration.ofSeconds(2));
            final List<JsonNode> afterUnsubscribe = framesFor(client, Duration.ofMillis(400));
            client.send("{\"type\":\"subscribe\",\"product_ids\":[\"ETH-USD\"],\"channel\":\"level2\"}");
            final JsonNode resubscribed = client.nextMatching(m -> advancedBookDataFor(m, "ETH-USD"),
                    Duration.ofSeconds(2));
            // Then
            assertThat(confirmation.at("/events/0/subscriptions").toString())
                    .isEqualTo("{\"heartbeats\":[\"heartbeats\"],\"level2\":[\"BTC-USD\"]}");
            assertThat(afterUnsubscribe).noneMatch(m -> advancedBookDataFor(m, "ETH-USD"));
            assertThat(afterUnsubscribe).anyMatch(m -> advancedBookDataFor(m, "BTC-USD"));
            assertThat(resubscribed.at("/events/0/type").asText()).isEqualTo("snapshot");
            assertThat(resubscribed.at("/events/0/product_id").asText()).isEqualTo("ETH-USD");
        }
    }

    @Test
    void silenceProductShouldStopOnlyThatProductsDataAndHeartbeatsUntilResubscribed() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(500));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            // Given
            ExchangeFeedSimulatorIT.subscribe(client);
            // When
            simulator.silenceProduct("BTC-USD");
            client.nextMatching(m -> "heartbeat".equals(m.path("type").asText())
                    && "ETH-USD".equals(m.path("product_id").asText()), Duration.ofSeconds(3));
            final List<JsonNode> silenced = framesFor(client, Duration.ofMillis(1_300));
            // Then
            assertThat(silenced).noneMatch(m -> "BTC-USD".equals(m.path("product_id").asText()));
            assertThat(silenced).anyMatch(m -> "heartbeat".equals(m.path("type").asText())
                    && "ETH-USD".equals(m.path("product_id").asText()));
            assertThat(silenced).anyMatch(m -> exchangeBookDataFor(m, "ETH-USD"));

            // When the client subscribes the product again
            client.send("{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\"],\"channels\":[\"level2_batch\"]}");
            // Then a snapshot and heartbeats come back
            final JsonNode first = client.nextMatching(m -> "BTC-USD".equals(m.path("product_id").asText()),
                    Duration.ofSeconds(2));
            assertThat(first.get("type").asText()).isEqualTo("snapshot");
            client.nextMatching(m -> "heartbeat".equals(m.path("type").asText())
                    && "BTC-USD".equals(m.path("product_id").asText()), Duration.ofSeconds(3));
        }
    }
}
