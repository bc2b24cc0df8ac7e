package dev.orderbook.simulator.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orderbook.codec.decimal.DecimalError;
import dev.orderbook.codec.decimal.Decimals;
import dev.orderbook.simulator.market.protocol.MalformedKind;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FeedFileGeneratorTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern MICROS = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
    private static final Pattern NANOS = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z");
    private static final Pattern GO_TIME = Pattern.compile(
            "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d{1,9})? \\+0000 UTC m=\\+\\d+\\.\\d{9}");
    private static final Pattern DECIMAL = Pattern.compile("\\d+(\\.\\d+)?");
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD");

    /** Small but deep enough for deep changes: a few thousand messages, 200 levels a side. */
    private static FeedFileOptions small(final Protocol protocol) {
        return FeedFileOptions.defaults().withProtocol(protocol).withProductIds(PRODUCTS).withLevelsPerSide(200)
                .withLimits(0, 3_000).withSeed(77);
    }

    private static byte[] bytes(final FeedFileOptions options) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        FeedFileGenerator.write(out, options);
        return out.toByteArray();
    }

    private static List<String> lines(final byte[] ndjson) {
        final String text = new String(ndjson, StandardCharsets.US_ASCII);
        assertThat(text).endsWith("\n").doesNotContain("\r");
        return List.of(text.substring(0, text.length() - 1).split("\n", -1));
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void sameSeedAndOptionsShouldWriteIdenticalBytes(final Protocol protocol) throws IOException {
        assertThat(bytes(small(protocol))).isEqualTo(bytes(small(protocol)));
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void differentSeedsShouldWriteDifferentBytes(final Protocol protocol) throws IOException {
        assertThat(bytes(small(protocol))).isNotEqualTo(bytes(small(protocol).withSeed(78)));
    }

    @Test
    void exchangeFileShouldFollowTheWireFormatAndKeepEveryBookValid() throws IOException {
        final List<String> lines = lines(bytes(small(Protocol.EXCHANGE)));
        final ExchangeReplay replay = new ExchangeReplay();
        for (int i = 0; i < lines.size(); i++) {
            replay.accept(lines.get(i), i);
        }
        assertThat(lines.get(0)).isEqualTo("{\"type\":\"subscriptions\",\"channels\":["
                + "{\"name\":\"level2_batch\",\"product_ids\":[\"BTC-USD\",\"ETH-USD\"]},"
                + "{\"name\":\"heartbeat\",\"product_ids\":[\"BTC-USD\",\"ETH-USD\"]}]}");
        assertThat(lines.get(1)).startsWith("{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[[\"");
        assertThat(lines.get(2)).startsWith("{\"type\":\"snapshot\",\"product_id\":\"ETH-USD\",\"bids\":[[\"");
        assertThat(replay.updates).isEqualTo(3_000);
        assertThat(replay.heartbeats).as("about one heartbeat per simulated second per product")
                .isBetween(2 * (replay.lastTimeNs - SyntheticMarket.START_EPOCH_NS) / 1_000_000_000L - 4,
                        2 * (replay.lastTimeNs - SyntheticMarket.START_EPOCH_NS) / 1_000_000_000L + 2);
        assertThat(replay.sizeSpellings.zeros).containsExactlyInAnyOrder("0", "0.0", "0.00", "0.00000000");
        assertThat(replay.sizeSpellings.trailingZeroSizes).isPositive();
        assertThat(replay.sizeSpellings.trailingZeroPrices).isPositive();
    }

    @Test
    void advancedFileShouldFollowTheWireFormatAndKeepEveryBookValid() throws IOException {
        final List<String> lines = lines(bytes(small(Protocol.ADVANCED)));
        final AdvancedReplay replay = new AdvancedReplay();
        for (int i = 0; i < lines.size(); i++) {
            replay.accept(lines.get(i), i);
        }
        assertThat(replay.channels.subList(0, 4)).containsExactly("subscriptions", "subscriptions", "l2_data",
                "l2_data");
        assertThat(readTree(lines.get(0)).get("events").toString())
                .isEqualTo("[{\"subscriptions\":{\"level2\":[\"BTC-USD\",\"ETH-USD\"]}}]");
        assertThat(readTree(lines.get(1)).get("events").toString())
                .isEqualTo("[{\"subscriptions\":{\"heartbeats\":[\"heartbeats\"],"
                        + "\"level2\":[\"BTC-USD\",\"ETH-USD\"]}}]");
        assertThat(replay.updateMessages).isEqualTo(3_000);
        assertThat(replay.multiProductMessages).as("occasionally several products in one message")
                .isBetween(150L, 450L);
        assertThat(replay.heartbeats).isPositive();
        assertThat(replay.sizeSpellings.zeros).containsExactlyInAnyOrder("0", "0.0", "0.00", "0.00000000");
        assertThat(replay.sizeSpellings.trailingZeroSizes).isPositive();
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void maxChangesShouldStopAtExactlyThatMany(final Protocol protocol) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final FeedFileResult result = FeedFileGenerator.write(out,
                small(protocol).withLimits(12_345, 0));
        assertThat(result.changes()).isEqualTo(12_345);
        long counted = 0;
        for (final String line : lines(out.toByteArray())) {
            final JsonNode message = readTree(line);
            if ("l2update".equals(message.path("type").asText())) {
                counted += message.get("changes").size();
            } else if ("l2_data".equals(message.path("channel").asText())) {
                for (final JsonNode event : message.get("events")) {
                    if ("update".equals(event.get("type").asText())) {
                        counted += event.get("updates").size();
                    }
                }
            }
        }
        assertThat(counted).isEqualTo(12_345);
        assertThat(result.bytes()).isEqualTo(out.size());
        assertThat(result.lines()).isEqualTo(lines(out.toByteArray()).size());
    }

    @Test
    void maxMessagesShouldStopAtExactlyThatManyUpdates() throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final FeedFileResult result = FeedFileGenerator.write(out, small(Protocol.EXCHANGE).withMaxMessages(57));
        assertThat(result.updateMessages()).isEqualTo(57);
        assertThat(lines(out.toByteArray()).stream().filter(l -> l.startsWith("{\"type\":\"l2update\"")))
                .hasSize(57);
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void badLinePeriodShouldMakeEveryNthLineMalformedInEveryWay(final Protocol protocol) throws IOException {
        final FeedFileOptions options = small(protocol).withMaxMessages(600).withBadLinePeriod(7);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final FeedFileResult result = FeedFileGenerator.write(out, options);
        final List<String> lines = lines(out.toByteArray());
        final Set<MalformedKind> kinds = EnumSet.noneOf(MalformedKind.class);
        final ExchangeReplay exchange = new ExchangeReplay();
        final AdvancedReplay advanced = new AdvancedReplay();
        long lastGoodSequenceNum = -1;
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i);
            if ((i + 1) % 7 == 0) {
                final MalformedKind kind = classifyBadLine(line);
                kinds.add(kind);
                if (protocol == Protocol.ADVANCED && kind != MalformedKind.INVALID_JSON) {
                    assertThat(readTree(line).get("sequence_num").asLong()).as("bad line repeats the last number")
                            .isEqualTo(lastGoodSequenceNum);
                }
            } else if (protocol == Protocol.EXCHANGE) {
                exchange.accept(line, i);
            } else {
                advanced.accept(line, i);
                lastGoodSequenceNum = readTree(line).get("sequence_num").asLong();
            }
        }
        assertThat(kinds).containsExactlyInAnyOrder(MalformedKind.values());
        assertThat(result.badLines()).isEqualTo(lines.size() / 7);
        assertThat(result.messages()).isEqualTo(lines.size() - result.badLines());
    }

    @Test
    void gzipPathShouldWriteReadableGzipOfTheSameFeed(@TempDir final Path directory) throws IOException {
        final FeedFileOptions options = small(Protocol.ADVANCED).withMaxMessages(500);
        final Path gzip = directory.resolve("feed.ndjson.gz");
        final Path plain = directory.resolve("feed.ndjson");
        final FeedFileResult gzipResult = FeedFileGenerator.generate(gzip, options);
        final FeedFileResult plainResult = FeedFileGenerator.generate(plain, options);
        final byte[] unzipped;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gzip))) {
            unzipped = in.readAllBytes();
        }
        assertThat(unzipped).isEqualTo(Files.readAllBytes(plain));
        assertThat(gzipResult.fileBytes()).isEqualTo(Files.size(gzip)).isLessThan(gzipResult.bytes() / 3);
        assertThat(plainResult.fileBytes()).isEqualTo(Files.size(plain)).isEqualTo(plainResult.bytes());
        assertThat(Files.readAllBytes(gzip)).as("gzip output is deterministic too")
                .isEqualTo(gzipBytes(directory, options));
    }

    @Test
    void committedSamplesShouldBeReproducibleFromTheirDocumentedOptions() throws IOException {
        final Path samples = Path.of("..", "samples");
        assumeTrue(Files.isRegularFile(samples.resolve(SampleFiles.EXCHANGE_FILE)), "samples not present");
        assertThat(bytes(SampleFiles.EXCHANGE)).isEqualTo(Files.readAllBytes(
                samples.resolve(SampleFiles.EXCHANGE_FILE)));
        assertThat(bytes(SampleFiles.ADVANCED)).isEqualTo(Files.readAllBytes(
                samples.resolve(SampleFiles.ADVANCED_FILE)));
    }

    @Test
    void optionsShouldRejectMissingLimitsAndBadPeriods() {
        final FeedFileOptions options = FeedFileOptions.defaults();
        assertThatThrownBy(() -> options.withMaxChanges(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options.withBadLinePeriod(1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options.withProductIds(List.of("btc")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options.withBatchChanges(1, 20, 30.0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> options.withDeepFraction(-0.1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static byte[] gzipBytes(final Path directory, final FeedFileOptions options) throws IOException {
        final Path again = directory.resolve("again.ndjson.gz");
        FeedFileGenerator.generate(again, options);
        return Files.readAllBytes(again);
    }

    private static JsonNode readTree(final String line) {
        try {
            return MAPPER.readTree(line);
        } catch (final JsonProcessingException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }

    private static List<String> fieldNames(final JsonNode node) {
        final List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Which kind of bad line this is; fails if the line is actually well-formed. */
    private static MalformedKind classifyBadLine(final String line) {
        final JsonNode message;
        try {
            message = MAPPER.readTree(line);
        } catch (final JsonProcessingException e) {
            return MalformedKind.INVALID_JSON;
        }
        final String side;
        final String price;
        final String size;
        if (message.has("changes")) {
            final JsonNode change = message.get("changes").get(0);
            side = change.get(0).asText();
            price = change.get(1).asText();
            size = change.get(2).asText();
            if (!side.equals("buy") && !side.equals("sell")) {
                return MalformedKind.UNKNOWN_SIDE;
            }
        } else {
            final JsonNode update = message.get("events").get(0).get("updates").get(0);
            side = update.get("side").asText();
            price = update.get("price_level").asText();
            size = update.get("new_quantity").asText();
            if (!side.equals("bid") && !side.equals("offer")) {
                return MalformedKind.UNKNOWN_SIDE;
            }
        }
        if (Decimals.parse(size, 8) == DecimalError.NEGATIVE.code()) {
            return MalformedKind.NEGATIVE_SIZE;
        }
        final long parsedPrice = Decimals.parse(price, 8);
        if (parsedPrice == DecimalError.EXPONENT.code()) {
            return MalformedKind.EXPONENT;
        }
        if (Decimals.isError(parsedPrice)) {
            return MalformedKind.NON_NUMERIC_PRICE;
        }
        return fail("bad line slot holds a well-formed line: " + line);
    }

    /** Tallies how sizes and prices are spelled. */
    private static final class Spellings {
        final Set<String> zeros = new HashSet<>();
        long trailingZeroSizes;
        long trailingZeroPrices;

        void size(final String size, final long sizeLots) {
            if (sizeLots == 0) {
                zeros.add(size);
            } else if (size.contains(".") && size.endsWith("0")) {
                trailingZeroSizes++;
            }
        }

        void price(final String price) {
            if (price.contains(".") && price.endsWith("0")) {
                trailingZeroPrices++;
            }
        }
    }

    /** Checks each Exchange feed line against COINBASE.md and applies it to reference books. */
    private static final class ExchangeReplay {
        final Map<String, ReferenceBook> books = new LinkedHashMap<>();
        final Map<String, Long> heartbeatSequences = new HashMap<>();
        final Map<String, Long> heartbeatTimesNs = new HashMap<>();
        final Spellings sizeSpellings = new Spellings();
        long updates;
        long heartbeats;
        long lastTimeNs = SyntheticMarket.START_EPOCH_NS;

        void accept(final String line, final int lineNumber) {
            final JsonNode message = readTree(line);
            final String type = message.get("type").asText();
            switch (type) {
                case "subscriptions":
                    assertThat(fieldNames(message)).containsExactly("type", "channels");
                    break;
                case "snapshot":
                    snapshot(message);
                    break;
                case "l2update":
                    update(message, lineNumber);
                    break;
                case "heartbeat":
                    heartbeat(message);
                    break;
                default:
                    fail("unexpected type " + type + " in line " + lineNumber);
            }
        }

        private void snapshot(final JsonNode message) {
            assertThat(fieldNames(message)).containsExactly("type", "product_id", "bids", "asks");
            final String productId = message.get("product_id").asText();
            final ProductSpec spec = ProductSpec.forId(productId);
            final ReferenceBook book = new ReferenceBook();
            long previous = Long.MAX_VALUE;
            for (final JsonNode level : message.get("bids")) {
                final long price = price(level.get(0).asText(), spec);
                assertThat(price).as("bids descending").isLessThan(previous);
                previous = price;
                book.apply(true, price, size(level.get(1).asText(), spec));
            }
            previous = 0;
            for (final JsonNode level : message.get("asks")) {
                final long price = price(level.get(0).asText(), spec);
                assertThat(price).as("asks ascending").isGreaterThan(previous);
                previous = price;
                book.apply(false, price, size(level.get(1).asText(), spec));
            }
            book.assertValid("snapshot of " + productId);
            books.put(productId, book);
        }

        private void update(final JsonNode message, final int lineNumber) {
            if (!fieldNames(message).equals(List.of("type", "product_id", "changes", "time"))) {
                fail("fields of line " + lineNumber + ": " + fieldNames(message));
            }
            final ReferenceBook book = books.get(message.get("product_id").asText());
            final ProductSpec spec = ProductSpec.forId(message.get("product_id").asText());
            for (final JsonNode change : message.get("changes")) {
                final String side = change.get(0).asText();
                if (change.size() != 3 || !(side.equals("buy") || side.equals("sell"))) {
                    fail("change " + change + " in line " + lineNumber);
                }
                final String sizeText = change.get(2).asText();
                final long size = size(sizeText, spec);
                sizeSpellings.size(sizeText, size);
                sizeSpellings.price(change.get(1).asText());
                book.apply(side.equals("buy"), price(change.get(1).asText(), spec), size);
            }
            book.checkTop(lineNumber);
            time(message.get("time").asText(), lineNumber);
            updates++;
        }

        private void heartbeat(final JsonNode message) {
            assertThat(fieldNames(message)).containsExactly("type", "sequence", "last_trade_id", "product_id", "time");
            assertThat(message.get("sequence").isIntegralNumber()).isTrue();
            assertThat(message.get("last_trade_id").isIntegralNumber()).isTrue();
            final String productId = message.get("product_id").asText();
            final long sequence = message.get("sequence").asLong();
            final Long previousSequence = heartbeatSequences.put(productId, sequence);
            if (previousSequence != null) {
                assertThat(sequence).isGreaterThan(previousSequence);
            }
            final long timeNs = time(message.get("time").asText(), -1);
            final Long previousTimeNs = heartbeatTimesNs.put(productId, timeNs);
            if (previousTimeNs != null) {
                assertThat(timeNs - previousTimeNs).as("heartbeat interval")
                        .isBetween(999_000_000L, 1_002_000_000L);
            }
            heartbeats++;
        }

        private long time(final String text, final int lineNumber) {
            if (!MICROS.matcher(text).matches()) {
                fail("time " + text + " in line " + lineNumber);
            }
            final Instant instant = Instant.parse(text);
            final long timeNs = instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
            if (timeNs < lastTimeNs) {
                fail("time went back in line " + lineNumber);
            }
            lastTimeNs = timeNs;
            return timeNs;
        }
    }

    /** Checks each Advanced Trade line against COINBASE.md and applies it to reference books. */
    private static final class AdvancedReplay {
        final Map<String, ReferenceBook> books = new LinkedHashMap<>();
        final List<String> channels = new ArrayList<>();
        final Spellings sizeSpellings = new Spellings();
        long nextSequenceNum;
        long updateMessages;
        long multiProductMessages;
        long heartbeats;
        long lastHeartbeatCounter = -1;
        String lastTimestamp = "";

        void accept(final String line, final int lineNumber) {
            final JsonNode message = readTree(line);
            if (!fieldNames(message).equals(List.of("channel", "timestamp", "sequence_num", "events"))) {
                fail("envelope of line " + lineNumber + ": " + fieldNames(message));
            }
            final String timestamp = message.get("timestamp").asText();
            if (!NANOS.matcher(timestamp).matches() || timestamp.compareTo(lastTimestamp) < 0) {
                fail("timestamp " + timestamp + " in line " + lineNumber);
            }
            lastTimestamp = timestamp;
            if (message.get("sequence_num").asLong() != nextSequenceNum) {
                fail("sequence_num " + message.get("sequence_num") + " in line " + lineNumber + ", expected "
                        + nextSequenceNum);
            }
            nextSequenceNum++;
            final String channel = message.get("channel").asText();
            channels.add(channel);
            switch (channel) {
                case "subscriptions":
                    break;
                case "l2_data":
                    l2Data(message.get("events"), lineNumber);
                    break;
                case "heartbeats":
                    heartbeat(message.get("events").get(0));
                    break;
                default:
                    fail("unexpected channel " + channel + " in line " + lineNumber);
            }
        }

        private void l2Data(final JsonNode events, final int lineNumber) {
            final Set<String> products = new HashSet<>();
            boolean update = false;
            for (final JsonNode event : events) {
                if (!fieldNames(event).equals(List.of("type", "product_id", "updates"))) {
                    fail("event fields in line " + lineNumber + ": " + fieldNames(event));
                }
                final String productId = event.get("product_id").asText();
                final String type = event.get("type").asText();
                products.add(productId);
                final ReferenceBook book;
                if (type.equals("snapshot")) {
                    assertThat(books).as("one snapshot per product").doesNotContainKey(productId);
                    book = new ReferenceBook();
                    books.put(productId, book);
                } else if (type.equals("update")) {
                    book = books.get(productId);
                    update = true;
                } else {
                    book = fail("event type " + type);
                }
                applyUpdates(book, ProductSpec.forId(productId), event.get("updates"), type, lineNumber);
                book.checkTop(lineNumber);
            }
            if (update) {
                updateMessages++;
                if (products.size() > 1) {
                    multiProductMessages++;
                }
            }
        }

        private void applyUpdates(final ReferenceBook book, final ProductSpec spec, final JsonNode updates,
                                  final String type, final int lineNumber) {
            boolean offers = false;
            long previousPrice = 0;
            for (final JsonNode update : updates) {
                if (!fieldNames(update).equals(List.of("side", "event_time", "price_level", "new_quantity"))) {
                    fail("update fields in line " + lineNumber + ": " + fieldNames(update));
                }
                final String side = update.get("side").asText();
                if (!(side.equals("bid") || side.equals("offer"))) {
                    fail("side " + side + " in line " + lineNumber);
                }
                if (!MICROS.matcher(update.get("event_time").asText()).matches()) {
                    fail("event_time in line " + lineNumber);
                }
                final long price = price(update.get("price_level").asText(), spec);
                final String sizeText = update.get("new_quantity").asText();
                final long size = size(sizeText, spec);
                sizeSpellings.size(sizeText, size);
                if (type.equals("snapshot")) {
                    // Bids best first (descending), then offers best first (ascending).
                    if (side.equals("offer") && !offers) {
                        offers = true;
                        previousPrice = 0;
                    }
                    assertThat(side.equals("bid")).as("no bid after an offer").isNotEqualTo(offers);
                    if (previousPrice != 0) {
                        assertThat(Long.compare(price, previousPrice)).isEqualTo(offers ? 1 : -1);
                    }
                    previousPrice = price;
                }
                book.apply(side.equals("bid"), price, size);
            }
        }

        private void heartbeat(final JsonNode event) {
            assertThat(fieldNames(event)).containsExactly("current_time", "heartbeat_counter");
            assertThat(event.get("current_time").asText()).matches(GO_TIME);
            final long counter = event.get("heartbeat_counter").asLong();
            assertThat(counter).isGreaterThan(lastHeartbeatCounter);
            lastHeartbeatCounter = counter;
            heartbeats++;
        }
    }

    private static long price(final String text, final ProductSpec spec) {
        if (!DECIMAL.matcher(text).matches()) {
            fail("price " + text);
        }
        final long price = Decimals.parse(text, spec.priceScale());
        if (price <= 0) {
            fail("price " + text + " of " + spec.productId());
        }
        return price;
    }

    private static long size(final String text, final ProductSpec spec) {
        if (!DECIMAL.matcher(text).matches()) {
            fail("size " + text);
        }
        final long size = Decimals.parse(text, spec.sizeScale());
        if (size < 0) {
            fail("size " + text + " of " + spec.productId() + ": " + DecimalError.ofCode(size).reason());
        }
        return size;
    }
}
