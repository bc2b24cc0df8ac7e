package dev.orderbook.simulator.server;

import dev.orderbook.simulator.market.FeedFileGenerator;
import dev.orderbook.simulator.market.FeedFileOptions;
import dev.orderbook.simulator.market.Protocol;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The crossing fault ({@link ExchangeSimulator#injectCrossingUpdate}) seen by a real WebSocket client: its book
 * crosses, the market's truth does not, and resubscribing the product brings the true book back.
 */
class CrossingUpdateIT {
    private static final String PRODUCT = "BTC-USD";

    @TempDir
    Path dir;

    @Test
    void crossingUpdateShouldCrossAnExchangeClientsBookButNotTheTruthUntilAResubscribeSnapshot() throws Exception {
        final Path truthFile = dir.resolve("truth.ndjson");
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(500)
                .withTruthLog(truthFile));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            // Given a subscribed client
            final Map<String, ClientBook> books = ExchangeFeedSimulatorIT.subscribe(client);

            // When the fault is injected
            simulator.injectCrossingUpdate(PRODUCT);
            final JsonNode crossing = readUntilCrossed(client, books);

            // Then the client's book is crossed by one small bid at the best ask plus one tick, the truth is not
            final TopOfBook truthNow = simulator.topOfBook(PRODUCT);
            assertThat(truthNow.isCrossed()).isFalse();
            assertThat(crossing.get("type").asText()).isEqualTo("l2update");
            assertThat(crossing.get("changes")).hasSize(1);
            assertThat(crossing.at("/changes/0/0").asText()).isEqualTo("buy");
            assertThat(simulator.crossingUpdatesSent()).isEqualTo(1);
            assertThat(simulator.faultsInjected()).isEqualTo(1);

            // When the client resubscribes the product
            client.send("{\"type\":\"unsubscribe\",\"product_ids\":[\"BTC-USD\"],\"channels\":[\"level2_batch\"]}");
            client.send("{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\"],\"channels\":[\"level2_batch\"]}");
            final TopOfBook snapshotTop = readUntilSnapshot(client, books);

            // Then its snapshot and everything after it is the truth again
            assertThat(books.get(PRODUCT).isCrossed()).isFalse();
            final List<TopOfBook> tops = new ArrayList<>();
            final Map<String, TopOfBook> last = TruthLogIT.runThenStop(simulator, client, books, tops, 300);
            assertThat(books.get(PRODUCT).bids).isEqualTo(simulator.bookSnapshot(PRODUCT).bids());
            assertThat(books.get(PRODUCT).asks).isEqualTo(simulator.bookSnapshot(PRODUCT).asks());
            simulator.close();
            final List<TopOfBook> truth = TruthLogIT.readTruth(truthFile);
            TruthLogIT.assertMatchesTruth(tops, truth, last);
            assertSnapshotWasTheTruth(snapshotTop, tops, truth);
            // and the crossing update left no line in the truth log
            assertThat(truth).noneMatch(line -> line.productId().equals(PRODUCT)
                    && line.time().equals(crossing.get("time").asText()));
            assertThat(truth).hasSize((int) simulator.messagesGenerated());
        }
    }

    @Test
    void crossingUpdateShouldCarryTheNextSequenceNumOnAdvancedTrade() throws Exception {
        final Path truthFile = dir.resolve("truth.ndjson");
        try (ExchangeSimulator simulator = ExchangeSimulator.start(AdvancedTradeSimulatorIT.options(500)
                .withTruthLog(truthFile));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            // Given a subscribed client (confirmation and two snapshots: sequence_num 0 to 2)
            final Map<String, ClientBook> books = AdvancedTradeSimulatorIT.subscribe(client);

            // When the fault is injected
            simulator.injectCrossingUpdate(PRODUCT);
            long expectedSequenceNum = 3;
            JsonNode crossing = null;
            while (crossing == null) {
                final JsonNode message = client.nextJson();
                // Then every message, the crossing one included, has the next sequence_num: no gap shows
                assertThat(message.get("sequence_num").asLong()).isEqualTo(expectedSequenceNum++);
                TruthLogIT.apply(message, books);
                if (books.get(PRODUCT).isCrossed()) {
                    crossing = message;
                }
            }
            final JsonNode next = client.nextJson();
            assertThat(next.get("sequence_num").asLong()).isEqualTo(expectedSequenceNum);
            TruthLogIT.apply(next, books);
            assertThat(crossing.at("/events/0/product_id").asText()).isEqualTo(PRODUCT);
            assertThat(crossing.at("/events/0/updates/0/side").asText()).isEqualTo("bid");
            assertThat(simulator.topOfBook(PRODUCT).isCrossed()).isFalse();

            // When the client resubscribes the product, then the snapshot and what follows are the truth
            client.send("{\"type\":\"unsubscribe\",\"product_ids\":[\"BTC-USD\"],\"channel\":\"level2\"}");
            client.send("{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\"],\"channel\":\"level2\"}");
            final TopOfBook snapshotTop = readUntilSnapshot(client, books);
            assertThat(books.get(PRODUCT).isCrossed()).isFalse();
            final List<TopOfBook> tops = new ArrayList<>();
            final Map<String, TopOfBook> last = TruthLogIT.runThenStop(simulator, client, books, tops, 300);
            simulator.close();
            final List<TopOfBook> truth = TruthLogIT.readTruth(truthFile);
            TruthLogIT.assertMatchesTruth(tops, truth, last);
            assertSnapshotWasTheTruth(snapshotTop, tops, truth);
            final String crossingTime = crossing.get("timestamp").asText();
            assertThat(truth).noneMatch(line -> line.time().equals(crossingTime));
        }
    }

    @Test
    void crossingUpdateShouldCrossTheBookOnARecordedFeed() throws Exception {
        final Path file = dir.resolve("feed.ndjson");
        FeedFileGenerator.generate(file, FeedFileOptions.defaults().withProtocol(Protocol.EXCHANGE)
                .withProductIds(ExchangeFeedSimulatorIT.PRODUCTS).withLevelsPerSide(50).withLimits(0, 5_000)
                .withSeed(3));
        try (ExchangeSimulator simulator = ExchangeSimulator.start(SimulatorOptions.ofRecording(Protocol.EXCHANGE,
                file).withMessagesPerSecond(200));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            final Map<String, ClientBook> books = ExchangeFeedSimulatorIT.subscribe(client);
            // When
            simulator.injectCrossingUpdate(PRODUCT);
            final JsonNode crossing = readUntilCrossed(client, books);
            // Then the bid is one step (the file's 0.01) above the best ask the client held
            final BigDecimal bid = new BigDecimal(crossing.at("/changes/0/1").asText());
            assertThat(bid).isEqualByComparingTo(books.get(PRODUCT).asks.firstKey().add(new BigDecimal("0.01")));
            assertThat(simulator.topOfBook(PRODUCT).isCrossed()).isFalse();
            assertThat(simulator.crossingUpdatesSent()).isEqualTo(1);
        }
    }

    @Test
    void injectCrossingUpdateShouldRejectAnUnknownProduct() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(100))) {
            assertThatThrownBy(() -> simulator.injectCrossingUpdate("DOGE-USD"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DOGE-USD");
            assertThat(simulator.faultsInjected()).isZero();
        }
    }

    /** Applies the client's messages until the product's book is crossed; returns the message that crossed it. */
    private static JsonNode readUntilCrossed(final FeedTestClient client, final Map<String, ClientBook> books)
            throws InterruptedException {
        while (true) {
            final JsonNode message = client.nextJson();
            TruthLogIT.apply(message, books);
            if (books.get(PRODUCT).isCrossed()) {
                return message;
            }
        }
    }

    /** Applies the client's messages until a snapshot of the product came; returns the top it gave. */
    private static TopOfBook readUntilSnapshot(final FeedTestClient client, final Map<String, ClientBook> books)
            throws InterruptedException {
        while (true) {
            final JsonNode message = client.nextJson();
            TruthLogIT.apply(message, books);
            final boolean exchangeSnapshot = "snapshot".equals(message.path("type").asText())
                    && PRODUCT.equals(message.path("product_id").asText());
            final boolean advancedSnapshot = "snapshot".equals(message.at("/events/0/type").asText())
                    && PRODUCT.equals(message.at("/events/0/product_id").asText());
            if (exchangeSnapshot || advancedSnapshot) {
                return books.get(PRODUCT).top(PRODUCT, null, 0);
            }
        }
    }

    /** The snapshot's top is the truth just before the first update the client got after it. */
    private static void assertSnapshotWasTheTruth(final TopOfBook snapshotTop, final List<TopOfBook> tops,
                                                  final List<TopOfBook> truth) {
        final TopOfBook firstUpdate = tops.stream().filter(t -> t.productId().equals(PRODUCT)).findFirst()
                .orElseThrow();
        final TopOfBook firstLine = truth.stream().filter(line -> line.productId().equals(PRODUCT)
                && line.time().equals(firstUpdate.time())).findFirst().orElseThrow();
        final TopOfBook before = truth.stream().filter(line -> line.productId().equals(PRODUCT)
                && line.seq() == firstLine.seq() - 1).findFirst().orElseThrow();
        assertThat(snapshotTop).usingRecursiveComparison().ignoringFields("time", "seq").isEqualTo(before);
    }
}
