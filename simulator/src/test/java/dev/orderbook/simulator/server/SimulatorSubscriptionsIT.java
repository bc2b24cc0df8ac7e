package dev.orderbook.simulator.server;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Unsubscribe, resubscribe and the per-product silence fault, over a real WebSocket on loopback: what a client
 * needs to resnapshot one product without touching the others.
 */
class SimulatorSubscriptionsIT {

    /** Only a hang guard: every wait below is for an event that comes within a second or two on a quiet machine. */
    private static final Duration HANG_GUARD = Duration.ofSeconds(20);

    /**
     * Frames read, parsed, until {@code done} holds for the frames read so far: bounded by events, not by a
     * wall-clock window that a busy machine can cut short. Fails if they do not come within {@link #HANG_GUARD}.
     */
    private static List<JsonNode> framesUntil(final FeedTestClient client, final Predicate<List<JsonNode>> done,
            final String what) throws InterruptedException {
        final List<JsonNode> frames = new ArrayList<>();
        final long deadline = System.nanoTime() + HANG_GUARD.toNanos();
        while (!done.test(frames)) {
            final long left = deadline - System.nanoTime();
            final FeedTestClient.Frame frame = client.frames.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (frame == null) {
                throw new AssertionError("not " + what + " within " + HANG_GUARD + "; " + frames.size()
                        + " frames read");
            }
            frames.add(frame.json());
        }
        return frames;
    }

    private static long count(final List<JsonNode> frames, final Predicate<JsonNode> match) {
        return frames.stream().filter(match).count();
    }

    private static boolean exchangeHeartbeatOf(final JsonNode m, final String productId) {
        return "heartbeat".equals(m.path("type").asText()) && productId.equals(m.path("product_id").asText());
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
                    HANG_GUARD);
            // The sender thread drops the product before it queues the confirmation, and a connection's frames
            // keep their order, so every frame after the confirmation is after the unsubscribe. Read until 200
            // ETH-USD book messages came (about 0.4 s at 1,000/s, as much traffic as the old 400 ms window): BTC-USD
            // data, had it gone on, would have been interleaved with them. A count of the other product's
            // messages, not a time window, so a busy machine cannot make it pass with too little traffic or fail
            // with none.
            final List<JsonNode> afterUnsubscribe = framesUntil(client,
                    frames -> count(frames, m -> exchangeBookDataFor(m, "ETH-USD")) >= 200,
                    "200 ETH-USD book messages after the unsubscribe");
            // Then
            assertThat(confirmation.toString()).isEqualTo("{\"type\":\"subscriptions\",\"channels\":["
                    + "{\"name\":\"level2_batch\",\"product_ids\":[\"ETH-USD\"]},"
                    + "{\"name\":\"heartbeat\",\"product_ids\":[\"BTC-USD\",\"ETH-USD\"]}]}");
            assertThat(afterUnsubscribe).noneMatch(m -> exchangeBookDataFor(m, "BTC-USD"));

            // When
            client.send("{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\"],\"channels\":[\"level2_batch\"]}");
            final JsonNode snapshot = client.nextMatching(m -> exchangeBookDataFor(m, "BTC-USD"), HANG_GUARD);
            // Then the first BTC-USD message is a full snapshot, and the books stay in step with the market
            assertThat(snapshot.get("type").asText()).isEqualTo("snapshot");
            final ClientBook book = new ClientBook();
            book.applyExchangeSnapshot(snapshot);
            simulator.goSilent(Duration.ofSeconds(2));
            // The market stands still while silent and bookSnapshot is taken between two messages: it is the book
            // a client holds once it has applied every message sent before the silence. Read until the client's
            // book equals it, not until a 300 ms gap without a frame, which a busy machine can put between frames
            // already sent. Should the silence end first, the book still passes through that state (messages are
            // applied in order); a book that never gets there fails on the hang guard, with the difference shown.
            final BookSnapshot market = simulator.bookSnapshot("BTC-USD");
            final long guard = System.nanoTime() + HANG_GUARD.toNanos();
            while (!book.bids.equals(market.bids()) || !book.asks.equals(market.asks())) {
                final long left = guard - System.nanoTime();
                final FeedTestClient.Frame frame = left > 0 ? client.frames.poll(left, TimeUnit.NANOSECONDS) : null;
                if (frame == null) {
                    break;
                }
                final JsonNode m = frame.json();
                if (exchangeBookDataFor(m, "BTC-USD")) {
                    book.applyExchangeUpdate(m);
                }
            }
            assertThat(book.bids).isEqualTo(market.bids());
            assertThat(book.asks).isEqualTo(market.asks());
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
                    && !m.toString().contains("ETH-USD"), HANG_GUARD);
            // As on the Exchange feed: every frame after the confirmation is after the unsubscribe; read until 200
            // BTC-USD book messages came (an event count, not a time window) and ETH-USD must be in none of them.
            final List<JsonNode> afterUnsubscribe = framesUntil(client,
                    frames -> count(frames, m -> advancedBookDataFor(m, "BTC-USD")) >= 200,
                    "200 BTC-USD book messages after the unsubscribe");
            client.send("{\"type\":\"subscribe\",\"product_ids\":[\"ETH-USD\"],\"channel\":\"level2\"}");
            final JsonNode resubscribed = client.nextMatching(m -> advancedBookDataFor(m, "ETH-USD"), HANG_GUARD);
            // Then
            assertThat(confirmation.at("/events/0/subscriptions").toString())
                    .isEqualTo("{\"heartbeats\":[\"heartbeats\"],\"level2\":[\"BTC-USD\"]}");
            assertThat(afterUnsubscribe).noneMatch(m -> advancedBookDataFor(m, "ETH-USD"));
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
            // A round of heartbeats is sent in one go, BTC-USD's right before ETH-USD's; so an ETH-USD heartbeat
            // right after something else than a BTC-USD heartbeat is the first round with BTC-USD silenced, and
            // every frame after it comes after the fault took effect (a positive marker, where a fixed wait could
            // still catch frames sent before the fault on a busy machine).
            final JsonNode[] previous = new JsonNode[1];
            client.nextMatching(m -> {
                final boolean marker = exchangeHeartbeatOf(m, "ETH-USD")
                        && previous[0] != null && !exchangeHeartbeatOf(previous[0], "BTC-USD");
                previous[0] = m;
                return marker;
            }, HANG_GUARD);
            // Then read until the next ETH-USD heartbeat (one heartbeat period, about a second) and 50 ETH-USD
            // book messages have come: an event count, not the old 1.3 s window, which a busy machine could end
            // before the heartbeat. BTC-USD, data or heartbeat, must be in none of them.
            final List<JsonNode> silenced = framesUntil(client,
                    frames -> count(frames, m -> exchangeHeartbeatOf(m, "ETH-USD")) >= 1
                            && count(frames, m -> exchangeBookDataFor(m, "ETH-USD")) >= 50,
                    "an ETH-USD heartbeat and 50 ETH-USD book messages after the silence");
            // Then
            assertThat(silenced).noneMatch(m -> "BTC-USD".equals(m.path("product_id").asText()));

            // When the client subscribes the product again
            client.send("{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\"],\"channels\":[\"level2_batch\"]}");
            // Then a snapshot and heartbeats come back
            final JsonNode first = client.nextMatching(m -> "BTC-USD".equals(m.path("product_id").asText()),
                    HANG_GUARD);
            assertThat(first.get("type").asText()).isEqualTo("snapshot");
            client.nextMatching(m -> exchangeHeartbeatOf(m, "BTC-USD"), HANG_GUARD);
        }
    }
}
