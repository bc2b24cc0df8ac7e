package dev.orderbook.simulator.server;

import dev.orderbook.simulator.market.Protocol;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The truth log ({@link SimulatorOptions#withTruthLog}) against what real WebSocket clients receive: a client that
 * rebuilds its books from the frames must see, after each update, the top of book the log holds for the same
 * product and time.
 */
class TruthLogIT {
    private static final List<String> PRODUCTS = ExchangeFeedSimulatorIT.PRODUCTS;

    @TempDir
    Path dir;

    @Test
    void truthLogShouldMatchTheTopOfBookAnExchangeClientRebuildsAfterEveryUpdate() throws Exception {
        final Path truthFile = dir.resolve("truth.ndjson");
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(1_000)
                .withTruthLog(truthFile));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            // Given a client subscribed while the market runs
            Thread.sleep(200);
            final Map<String, ClientBook> books = ExchangeFeedSimulatorIT.subscribe(client);
            // When the market runs for a while and stops
            final List<TopOfBook> clientTops = new ArrayList<>();
            final Map<String, TopOfBook> last = runThenStop(simulator, client, books, clientTops, 800);
            simulator.close();

            // Then every update's top is the truth line of the same product and time, and none is missing
            final List<TopOfBook> truth = readTruth(truthFile);
            assertThat(truth).hasSize((int) simulator.messagesGenerated());
            assertMatchesTruth(clientTops, truth, last);
        }
    }

    @Test
    void truthLogShouldMatchTheTopOfBookEveryAdvancedTradeClientRebuildsAfterEveryUpdate() throws Exception {
        final Path truthFile = dir.resolve("truth.ndjson");
        try (ExchangeSimulator simulator = ExchangeSimulator.start(AdvancedTradeSimulatorIT.options(1_000)
                .withTruthLog(truthFile));
             FeedTestClient first = FeedTestClient.connect(simulator.url());
             FeedTestClient second = FeedTestClient.connect(simulator.url())) {
            // Given two clients, subscribed at different times
            final Map<String, ClientBook> firstBooks = AdvancedTradeSimulatorIT.subscribe(first);
            Thread.sleep(200);
            final Map<String, ClientBook> secondBooks = AdvancedTradeSimulatorIT.subscribe(second);
            // When the market runs for a while and stops
            final List<TopOfBook> firstTops = new ArrayList<>();
            final Map<String, TopOfBook> last = runThenStop(simulator, first, firstBooks, firstTops, 800);
            final List<TopOfBook> secondTops = new ArrayList<>();
            rebuildUntil(second, secondBooks, secondTops, last);
            simulator.close();

            // Then both match the truth: the envelope timestamp of a message is the same on every connection
            final List<TopOfBook> truth = readTruth(truthFile);
            assertThat(truth).hasSize((int) simulator.messagesGenerated());
            assertMatchesTruth(firstTops, truth, last);
            assertMatchesTruth(secondTops, truth, last);
        }
    }

    @Test
    void truthLogShouldFollowARecordedFileWithNoTimeForAnExchangeSnapshot() throws Exception {
        final Path truthFile = dir.resolve("truth.ndjson");
        try (ExchangeSimulator simulator = ExchangeSimulator.start(SimulatorOptions.ofRecording(Protocol.EXCHANGE,
                recording()).withMessagesPerSecond(200).withTruthLog(truthFile))) {
            // When the whole file has been served
            awaitSeq(simulator, "BTC-USD", 4);
            simulator.close();

            // Then one line per product a message touched, in order, the Exchange snapshot without a time
            assertThat(Files.readAllLines(truthFile, StandardCharsets.UTF_8)).containsExactly(
                    line("BTC-USD", "\"2026-01-01T00:00:00.100000Z\"", "100.1", "0.25", "100.5", "1.5", 1),
                    line("ETH-USD", "\"2026-01-01T00:00:00.200000Z\"", "10", "5", null, null, 1),
                    line("BTC-USD", "null", "98", "1", "99", "2.5", 2),
                    line("BTC-USD", "\"2026-01-01T00:00:00.300000Z\"", "98", "1", "98.5", "4", 3),
                    line("ETH-USD", "\"2026-01-01T00:00:00.400000000Z\"", "10", "5", "10.2", "1", 2),
                    line("BTC-USD", "\"2026-01-01T00:00:00.400000000Z\"", "98.1", "2", "98.5", "4", 4));
        }
    }

    @Test
    void truthLogShouldCarryTheEnvelopeTimestampOfARecordedSnapshotServedAsAdvancedTrade() throws Exception {
        final Path truthFile = dir.resolve("truth.ndjson");
        try (ExchangeSimulator simulator = ExchangeSimulator.start(SimulatorOptions.ofRecording(Protocol.ADVANCED,
                recording()).withMessagesPerSecond(200).withTruthLog(truthFile))) {
            awaitSeq(simulator, "BTC-USD", 4);
            simulator.close();

            // The mid-file snapshot is sent in an envelope stamped with the market clock, the last time read.
            assertThat(Files.readAllLines(truthFile, StandardCharsets.UTF_8).get(2))
                    .isEqualTo(line("BTC-USD", "\"2026-01-01T00:00:00.200000Z\"", "98", "1", "99", "2.5", 2));
        }
    }

    @Test
    void truthLogShouldBeReadableByAnotherReaderWhileTheSimulatorRuns() throws Exception {
        final Path truthFile = dir.resolve("truth.ndjson");
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(200)
                .withTruthLog(truthFile))) {
            // When lines are written and not yet closed, they still reach the file
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            List<String> lines = List.of();
            while (lines.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
                lines = Files.readAllLines(truthFile, StandardCharsets.UTF_8);
            }
            // Then each is a whole line of the format, numbered from 1 per product
            assertThat(lines).hasSizeGreaterThanOrEqualTo(2);
            final TopOfBook first = TopOfBook.fromJson(lines.get(0));
            assertThat(first.seq()).isEqualTo(1);
            assertThat(first.isCrossed()).isFalse();
            assertThat(first.time()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
        }
    }

    @Test
    void topOfBookShouldBeTheLastTruthLineOfTheProduct() throws Exception {
        final Path truthFile = dir.resolve("truth.ndjson");
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(1_000)
                .withTruthLog(truthFile))) {
            awaitSeq(simulator, "BTC-USD", 20);
            simulator.goSilent(Duration.ofMinutes(5));
            final TopOfBook btc = simulator.topOfBook("BTC-USD");
            final TopOfBook eth = simulator.topOfBook("ETH-USD");
            final BookSnapshot book = simulator.bookSnapshot("BTC-USD");
            simulator.close();

            final List<TopOfBook> truth = readTruth(truthFile);
            assertThat(lastOf(truth, "BTC-USD")).isEqualTo(btc);
            assertThat(lastOf(truth, "ETH-USD")).isEqualTo(eth);
            assertThat(btc.bidPrice()).isEqualTo(book.bids().firstKey());
            assertThat(btc.askSize()).isEqualTo(book.asks().firstEntry().getValue());
        }
    }

    @Test
    void topOfBookShouldRejectAnUnknownProduct() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(100))) {
            assertThat(simulator.productIds()).containsExactlyElementsOf(PRODUCTS);
            assertThatThrownBy(() -> simulator.topOfBook("DOGE-USD")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void startShouldFailWhenTheTruthLogCannotBeCreated() {
        assertThatThrownBy(() -> ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(100)
                .withTruthLog(dir.resolve("no/such/dir/truth.ndjson")))).isInstanceOf(IOException.class);
    }

    // ---- shared with CrossingUpdateIT --------------------------------------------------------------------------

    /**
     * Lets the market run for {@code millis} while the client's frames queue up, stops it (for minutes), and reads
     * the client's frames until it has every message sent; returns each product's last truth.
     */
    static Map<String, TopOfBook> runThenStop(final ExchangeSimulator simulator, final FeedTestClient client,
                                              final Map<String, ClientBook> books, final List<TopOfBook> tops,
                                              final long millis) throws InterruptedException {
        Thread.sleep(millis);
        simulator.goSilent(Duration.ofMinutes(5));
        final Map<String, TopOfBook> last = new LinkedHashMap<>();
        for (final String product : simulator.productIds()) {
            last.put(product, simulator.topOfBook(product));
        }
        rebuildUntil(client, books, tops, last);
        return last;
    }

    /**
     * Applies the client's book messages (either protocol) to {@code books} and adds, for each update message, the
     * top of its product's book labelled with the message's time, until the client has the message of every
     * product's {@code last} truth. Snapshots replace a book and add nothing.
     */
    static void rebuildUntil(final FeedTestClient client, final Map<String, ClientBook> books,
                             final List<TopOfBook> tops, final Map<String, TopOfBook> last)
            throws InterruptedException {
        final Map<String, Boolean> reached = new HashMap<>();
        for (final TopOfBook truth : last.values()) {
            reached.put(truth.productId(), truth.seq() == 0);
        }
        while (reached.containsValue(false)) {
            final JsonNode message = client.next(Duration.ofSeconds(30)).json();
            for (final TopOfBook top : apply(message, books)) {
                tops.add(top);
                if (top.time().equals(last.get(top.productId()).time())) {
                    reached.put(top.productId(), true);
                }
            }
        }
    }

    /** Applies one message to the books; the tops after it of the products it updated (none for a snapshot). */
    static List<TopOfBook> apply(final JsonNode message, final Map<String, ClientBook> books) {
        final List<TopOfBook> tops = new ArrayList<>();
        final String type = message.path("type").asText();
        if ("snapshot".equals(type)) {
            books.computeIfAbsent(message.get("product_id").asText(), p -> new ClientBook())
                    .applyExchangeSnapshot(message);
        } else if ("l2update".equals(type)) {
            final String product = message.get("product_id").asText();
            final ClientBook book = books.get(product);
            book.applyExchangeUpdate(message);
            tops.add(book.top(product, message.get("time").asText(), 0));
        } else if ("l2_data".equals(message.path("channel").asText())) {
            final Map<String, ClientBook> updated = new LinkedHashMap<>();
            for (final JsonNode event : message.get("events")) {
                final String product = event.get("product_id").asText();
                final ClientBook book = books.computeIfAbsent(product, p -> new ClientBook());
                book.applyAdvancedEvent(event);
                if ("update".equals(event.get("type").asText())) {
                    updated.put(product, book);
                }
            }
            updated.forEach((product, book) -> tops.add(book.top(product, message.get("timestamp").asText(), 0)));
        }
        return tops;
    }

    /**
     * Asserts: every client top equals the truth line of its product and time; per product, the client saw every
     * truth line from its first one to the last ({@code last}), and the truth counts 1, 2, 3, ...
     */
    static void assertMatchesTruth(final List<TopOfBook> clientTops, final List<TopOfBook> truth,
                                   final Map<String, TopOfBook> last) {
        final Map<String, Map<String, TopOfBook>> byTime = new HashMap<>();
        final Map<String, Long> seqs = new HashMap<>();
        for (final TopOfBook line : truth) {
            assertThat(line.seq()).as("seq of %s", line).isEqualTo(seqs.merge(line.productId(), 1L, Long::sum));
            assertThat(line.isCrossed()).as("truth crossed: %s", line).isFalse();
            assertThat(byTime.computeIfAbsent(line.productId(), p -> new HashMap<>()).put(line.time(), line))
                    .as("two truth lines with the time of %s", line).isNull();
        }
        final Map<String, Long> firstSeqs = new HashMap<>();
        final Map<String, Integer> counts = new HashMap<>();
        for (final TopOfBook top : clientTops) {
            final TopOfBook line = byTime.getOrDefault(top.productId(), Map.of()).get(top.time());
            assertThat(line).as("truth line for %s at %s", top.productId(), top.time()).isNotNull();
            assertThat(top).as("client top vs truth").usingRecursiveComparison().ignoringFields("seq")
                    .isEqualTo(line);
            firstSeqs.putIfAbsent(top.productId(), line.seq());
            counts.merge(top.productId(), 1, Integer::sum);
        }
        for (final TopOfBook lastTruth : last.values()) {
            final String product = lastTruth.productId();
            assertThat(lastOf(truth, product)).isEqualTo(lastTruth);
            assertThat(counts.get(product)).as("updates of %s", product)
                    .isEqualTo((int) (lastTruth.seq() - firstSeqs.get(product) + 1));
        }
    }

    static List<TopOfBook> readTruth(final Path file) throws IOException {
        final List<TopOfBook> lines = new ArrayList<>();
        for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lines.add(TopOfBook.fromJson(line));
        }
        return lines;
    }

    static TopOfBook lastOf(final List<TopOfBook> truth, final String productId) {
        TopOfBook last = null;
        for (final TopOfBook line : truth) {
            if (line.productId().equals(productId)) {
                last = line;
            }
        }
        return last;
    }

    /** Waits until the product has had {@code seq} market messages; fails after 10 s. */
    static void awaitSeq(final ExchangeSimulator simulator, final String productId, final long seq)
            throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (simulator.topOfBook(productId).seq() < seq) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(productId + " did not reach message " + seq);
            }
            Thread.sleep(10);
        }
    }

    /**
     * A small recording: leading snapshots, updates, a heartbeat, a snapshot in the middle (a recorded reconnect,
     * no time) and an Advanced Trade message for both products.
     */
    private Path recording() throws IOException {
        return Files.writeString(dir.resolve("recording.ndjson"), String.join("\n",
                "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[[\"100.00\",\"1.0\"],[\"99.50\",\"2\"]],"
                        + "\"asks\":[[\"100.50\",\"1.5\"],[\"101.00\",\"3\"]]}",
                "{\"type\":\"snapshot\",\"product_id\":\"ETH-USD\",\"bids\":[[\"10.00\",\"5\"]],"
                        + "\"asks\":[[\"10.10\",\"5\"]]}",
                "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"100.10\",\"0.25\"]],"
                        + "\"time\":\"2026-01-01T00:00:00.100000Z\"}",
                "{\"type\":\"l2update\",\"product_id\":\"ETH-USD\",\"changes\":[[\"sell\",\"10.10\",\"0\"]],"
                        + "\"time\":\"2026-01-01T00:00:00.200000Z\"}",
                "{\"type\":\"heartbeat\",\"sequence\":90,\"last_trade_id\":20,\"product_id\":\"BTC-USD\","
                        + "\"time\":\"2026-01-01T00:00:00.250000Z\"}",
                "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[[\"98.00\",\"1\"]],"
                        + "\"asks\":[[\"99.00\",\"2.50\"]]}",
                "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"sell\",\"99.00\",\"0.00\"],"
                        + "[\"sell\",\"98.50\",\"4\"]],\"time\":\"2026-01-01T00:00:00.300000Z\"}",
                "{\"channel\":\"l2_data\",\"timestamp\":\"2026-01-01T00:00:00.400000000Z\",\"sequence_num\":9,"
                        + "\"events\":[{\"type\":\"update\",\"product_id\":\"ETH-USD\",\"updates\":["
                        + "{\"side\":\"offer\",\"event_time\":\"2026-01-01T00:00:00.399000Z\",\"price_level\":\"10.20\","
                        + "\"new_quantity\":\"1\"}]},{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":["
                        + "{\"side\":\"bid\",\"event_time\":\"2026-01-01T00:00:00.399000Z\",\"price_level\":\"98.10\","
                        + "\"new_quantity\":\"2\"}]}]}",
                ""));
    }

    private static String line(final String product, final String timeJson, final String bidPrice,
                               final String bidSize, final String askPrice, final String askSize, final long seq) {
        return "{\"product_id\":\"" + product + "\",\"time\":" + timeJson + ",\"bid_price\":" + quoted(bidPrice)
                + ",\"bid_size\":" + quoted(bidSize) + ",\"ask_price\":" + quoted(askPrice) + ",\"ask_size\":"
                + quoted(askSize) + ",\"seq\":" + seq + "}";
    }

    private static String quoted(final String decimal) {
        return decimal == null ? "null" : "\"" + new BigDecimal(decimal).toPlainString() + "\"";
    }
}
