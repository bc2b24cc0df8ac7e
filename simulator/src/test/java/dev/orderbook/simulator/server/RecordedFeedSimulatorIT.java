package dev.orderbook.simulator.server;

import dev.orderbook.simulator.market.FeedFileGenerator;
import dev.orderbook.simulator.market.FeedFileOptions;
import dev.orderbook.simulator.market.Protocol;
import dev.orderbook.simulator.market.protocol.MalformedKind;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The simulator serving a recorded feed file ({@code --input}), over a real WebSocket on loopback. */
class RecordedFeedSimulatorIT {
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD");
    private static final String EXCHANGE_SUBSCRIBE = "{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\","
            + "\"ETH-USD\"],\"channels\":[\"level2_batch\",\"heartbeat\"]}";
    private static final String ADVANCED_SUBSCRIBE = "{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\","
            + "\"ETH-USD\"],\"channel\":\"level2\"}";

    @TempDir
    Path dir;

    /** A generated file: 2 products, 200 levels a side, {@code messages} update messages, one bad line in 97. */
    private Path generated(final Protocol protocol, final long messages) throws IOException {
        final Path file = dir.resolve("feed-" + protocol + ".ndjson");
        FeedFileGenerator.generate(file, FeedFileOptions.defaults().withProtocol(protocol).withProductIds(PRODUCTS)
                .withLevelsPerSide(200).withLimits(0, messages).withBadLinePeriod(97).withSeed(11));
        return file;
    }

    /** The books a client holds after applying every valid book message of the file: the reference. */
    private static Map<String, ClientBook> referenceBooks(final Path file) throws IOException {
        final Map<String, ClientBook> books = new HashMap<>();
        for (final String id : PRODUCTS) {
            books.put(id, new ClientBook());
        }
        for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            final JsonNode message;
            try {
                message = FeedTestClient.JSON.readTree(line);
                apply(message, books);
            } catch (final IOException | RuntimeException e) {
                // A bad line is skipped whole by the simulator too; the generator's bad lines fail to parse.
                continue;
            }
        }
        return books;
    }

    /**
     * Applies one book message of either protocol, whole or not at all; false if it is not book data.
     *
     * @throws IllegalArgumentException if it is malformed (unknown side, negative or non-numeric value)
     */
    private static boolean apply(final JsonNode message, final Map<String, ClientBook> books) {
        checkValues(message);
        final String type = message.path("type").asText("");
        if ("snapshot".equals(type) || "l2update".equals(type)) {
            final ClientBook copy = copyOf(books.get(message.get("product_id").asText()));
            if ("snapshot".equals(type)) {
                copy.applyExchangeSnapshot(message);
            } else {
                copy.applyExchangeUpdate(message);
            }
            books.put(message.get("product_id").asText(), copy);
            return true;
        }
        if ("l2_data".equals(message.path("channel").asText(""))) {
            final Map<String, ClientBook> copies = new HashMap<>();
            for (final JsonNode event : message.get("events")) {
                final String id = event.get("product_id").asText();
                final ClientBook book = copies.computeIfAbsent(id, k -> copyOf(books.get(k)));
                book.applyAdvancedEvent(event);
            }
            books.putAll(copies);
            return true;
        }
        return false;
    }

    private static void checkValues(final JsonNode node) {
        if (node.isArray() && node.size() == 3 && node.get(0).isTextual()) {
            final String side = node.get(0).asText();
            if (!"buy".equals(side) && !"sell".equals(side)) {
                throw new IllegalArgumentException("side " + side);
            }
        }
        if (node.isArray() && node.size() >= 2 && !node.get(0).isContainerNode()) {
            for (int i = node.size() - 2; i < node.size(); i++) {
                if (new BigDecimal(node.get(i).asText()).signum() < 0) {
                    throw new IllegalArgumentException("negative");
                }
            }
        }
        if (node.has("price_level")) {
            final String side = node.path("side").asText();
            if (!"bid".equals(side) && !"offer".equals(side)
                    || new BigDecimal(node.get("new_quantity").asText()).signum() < 0
                    || new BigDecimal(node.get("price_level").asText()).signum() <= 0) {
                throw new IllegalArgumentException("bad update " + node);
            }
        }
        for (final JsonNode child : node) {
            checkValues(child);
        }
    }

    /** Whole messages or nothing: a message that fails half-way must leave the book as it was. */
    private static ClientBook copyOf(final ClientBook book) {
        if (book == null) {
            throw new IllegalArgumentException("unknown product");
        }
        final ClientBook copy = new ClientBook();
        copy.bids.putAll(book.bids);
        copy.asks.putAll(book.asks);
        return copy;
    }

    /** Reads frames until no book data came for {@code quiet}; returns the book messages, in order. */
    private static List<String> bookMessagesUntilQuiet(final FeedTestClient client, final Map<String, ClientBook> books,
                                                       final Duration quiet) throws InterruptedException {
        final List<String> received = new ArrayList<>();
        long lastBookNanos = System.nanoTime();
        while (System.nanoTime() - lastBookNanos < quiet.toNanos()) {
            final FeedTestClient.Frame frame = client.frames.poll(50, TimeUnit.MILLISECONDS);
            if (frame != null && apply(frame.json(), books)) {
                received.add(frame.text());
                lastBookNanos = System.nanoTime();
            }
        }
        return received;
    }

    private static void assertBooksEqual(final Map<String, ClientBook> actual, final Map<String, ClientBook> expected,
                                         final ExchangeSimulator simulator) {
        for (final String id : PRODUCTS) {
            assertThat(actual.get(id).bids).as(id + " bids").isEqualTo(expected.get(id).bids);
            assertThat(actual.get(id).asks).as(id + " asks").isEqualTo(expected.get(id).asks);
            assertThat(simulator.bookSnapshot(id).bids()).as(id + " simulator bids").isEqualTo(expected.get(id).bids);
            assertThat(simulator.bookSnapshot(id).asks()).as(id + " simulator asks").isEqualTo(expected.get(id).asks);
        }
    }

    @Test
    void shouldServeCurrentBookSnapshotThenTheFilesUpdatesUntilEndOfFile() throws Exception {
        // Given an Exchange-feed recording served in its own protocol
        final Path file = generated(Protocol.EXCHANGE, 1_500);
        assertThat(ExchangeSimulator.detectProtocol(file)).isEqualTo(Protocol.EXCHANGE);
        try (ExchangeSimulator simulator = ExchangeSimulator.start(SimulatorOptions.ofRecording(Protocol.EXCHANGE,
                file).withMessagesPerSecond(3_000));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            // When a client subscribes and reads to the end of the file
            final Map<String, ClientBook> books = ExchangeFeedSimulatorIT.subscribe(client);
            final List<String> updates = bookMessagesUntilQuiet(client, books, Duration.ofMillis(700));

            // Then it got updates after its snapshots and ends with exactly the file's final books
            assertThat(updates).isNotEmpty();
            assertThat(updates.get(0)).startsWith("{\"type\":\"l2update\",");
            assertBooksEqual(books, referenceBooks(file), simulator);
            // And the connection stays, with heartbeats and no more book data
            final JsonNode heartbeat = client.nextMatching(m -> "heartbeat".equals(m.path("type").asText()),
                    Duration.ofSeconds(3));
            assertThat(heartbeat.get("product_id").asText()).isIn(PRODUCTS);
            assertThat(bookMessagesUntilQuiet(client, books, Duration.ofMillis(300))).isEmpty();
        }
    }

    @Test
    void shouldReencodeAnExchangeRecordingForAdvancedTradeClients() throws Exception {
        // Given an Exchange-feed recording, gzip-compressed, served as Advanced Trade
        final Path plain = generated(Protocol.EXCHANGE, 800);
        final Path file = dir.resolve("feed.ndjson.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            Files.copy(plain, out);
        }
        try (ExchangeSimulator simulator = ExchangeSimulator.start(SimulatorOptions.ofRecording(Protocol.ADVANCED,
                file).withMessagesPerSecond(2_000));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            // When an Advanced Trade client subscribes
            client.send(ADVANCED_SUBSCRIBE);
            final JsonNode confirmation = client.nextJson();
            assertThat(confirmation.get("channel").asText()).isEqualTo("subscriptions");
            final Map<String, ClientBook> books = new HashMap<>();
            long expectedSequence = confirmation.get("sequence_num").asLong() + 1;
            for (int i = 0; i < 2; i++) {
                final JsonNode snapshot = client.nextJson();
                assertThat(snapshot.get("sequence_num").asLong()).isEqualTo(expectedSequence++);
                assertThat(snapshot.at("/events/0/type").asText()).isEqualTo("snapshot");
                books.put(snapshot.at("/events/0/product_id").asText(), new ClientBook());
                apply(snapshot, books);
            }
            final List<String> updates = bookMessagesUntilQuiet(client, books, Duration.ofMillis(700));

            // Then the updates are l2_data events with the connection's own unbroken sequence_num
            assertThat(updates).isNotEmpty();
            for (final String update : updates) {
                final JsonNode message = FeedTestClient.JSON.readTree(update);
                assertThat(message.get("sequence_num").asLong()).isGreaterThanOrEqualTo(expectedSequence);
                expectedSequence = message.get("sequence_num").asLong() + 1;
                assertThat(message.at("/events/0/updates/0/side").asText()).isIn("bid", "offer");
            }
            assertBooksEqual(books, referenceBooks(plain), simulator);
        }
    }

    @Test
    void shouldSplitMultiProductAdvancedRecordingIntoExchangeMessages() throws Exception {
        // Given an Advanced Trade recording (some messages carry both products) served as the Exchange feed
        final Path file = generated(Protocol.ADVANCED, 1_000);
        assertThat(ExchangeSimulator.detectProtocol(file)).isEqualTo(Protocol.ADVANCED);
        try (ExchangeSimulator simulator = ExchangeSimulator.start(SimulatorOptions.ofRecording(Protocol.EXCHANGE,
                file).withMessagesPerSecond(3_000));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            // When an Exchange client subscribes and reads to the end
            final Map<String, ClientBook> books = ExchangeFeedSimulatorIT.subscribe(client);
            final List<String> updates = bookMessagesUntilQuiet(client, books, Duration.ofMillis(700));

            // Then it holds the file's final books
            assertThat(updates).allMatch(u -> u.startsWith("{\"type\":\"l2update\",\"product_id\":\""));
            assertBooksEqual(books, referenceBooks(file), simulator);
        }
    }

    @Test
    void shouldSendTheSameMessagesForTheSameFileAndRate() throws Exception {
        // Given one recording served twice at the same rate
        final Path file = generated(Protocol.EXCHANGE, 600);
        final List<List<String>> runs = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            try (ExchangeSimulator simulator = ExchangeSimulator.start(SimulatorOptions.ofRecording(
                    Protocol.EXCHANGE, file).withMessagesPerSecond(1_500));
                 FeedTestClient client = FeedTestClient.connect(simulator.url())) {
                final Map<String, ClientBook> books = ExchangeFeedSimulatorIT.subscribe(client);
                runs.add(bookMessagesUntilQuiet(client, books, Duration.ofMillis(500)));
            }
        }
        // Then the later subscriber's messages are exactly the tail of the earlier one's (they differ only in
        // where each subscribed)
        final List<String> first = runs.get(0).size() >= runs.get(1).size() ? runs.get(0) : runs.get(1);
        final List<String> second = first == runs.get(0) ? runs.get(1) : runs.get(0);
        assertThat(second).isNotEmpty();
        assertThat(first.subList(first.size() - second.size(), first.size())).isEqualTo(second);
    }

    @Test
    void faultsShouldKeepWorkingOnARecordedFeed() throws Exception {
        // Given an Advanced Trade recording served as Advanced Trade
        final Path file = generated(Protocol.ADVANCED, 5_000);
        try (ExchangeSimulator simulator = ExchangeSimulator.start(SimulatorOptions.ofRecording(Protocol.ADVANCED,
                file).withMessagesPerSecond(500));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            client.send(ADVANCED_SUBSCRIBE);
            client.nextMatching(m -> "l2_data".equals(m.path("channel").asText()), Duration.ofSeconds(2));
            // When a bad update for one product, then a sequence gap
            simulator.sendMalformed("BTC-USD", MalformedKind.NEGATIVE_SIZE);
            final JsonNode bad = client.nextMatching(m -> m.toString().contains("-0.25"), Duration.ofSeconds(2));
            long last = client.nextMatching(m -> m.has("sequence_num"), Duration.ofSeconds(2))
                    .get("sequence_num").asLong();
            simulator.skipSequence();
            boolean jumped = false;
            final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(400);
            while (System.nanoTime() < until) {
                final FeedTestClient.Frame frame = client.frames.poll(50, TimeUnit.MILLISECONDS);
                if (frame != null && frame.json().has("sequence_num")) {
                    final long sequence = frame.json().get("sequence_num").asLong();
                    jumped |= sequence == last + 2;
                    last = sequence;
                }
            }
            // Then
            assertThat(bad.at("/events/0/product_id").asText()).isEqualTo("BTC-USD");
            assertThat(bad.has("sequence_num")).isFalse();
            assertThat(jumped).isTrue();
            // And a dropped connection closes as on the synthetic market
            simulator.dropConnections();
            assertThat(client.closeCode.get(2, TimeUnit.SECONDS)).isEqualTo(1011);
        }
    }

    @Test
    void unknownProductShouldGetACoinbaseStyleError() throws Exception {
        final Path file = generated(Protocol.EXCHANGE, 100);
        try (ExchangeSimulator simulator = ExchangeSimulator.start(SimulatorOptions.ofRecording(Protocol.EXCHANGE,
                file));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            client.send("{\"type\":\"subscribe\",\"product_ids\":[\"DOGE-USD\"],\"channels\":[\"level2_batch\"]}");
            final JsonNode error = client.nextJson();
            assertThat(error.get("type").asText()).isEqualTo("error");
            assertThat(error.get("message").asText()).isEqualTo("Failed to subscribe");
            assertThat(error.get("reason").asText()).isEqualTo("DOGE-USD is not a valid product");
        }
    }

    @Test
    void startShouldFailClearlyForAFileWithoutProducts() throws Exception {
        final Path file = dir.resolve("empty.ndjson");
        Files.writeString(file, "not json\n{\"type\":\"subscriptions\",\"channels\":[]}\n");
        assertThatThrownBy(() -> ExchangeSimulator.start(
                SimulatorOptions.ofRecording(Protocol.EXCHANGE, file))).isInstanceOf(IOException.class)
                .hasMessageContaining("no product_id");
    }
}
