package dev.orderbook.simulator.server;

import dev.orderbook.codec.io.ByteArrays;
import dev.orderbook.codec.io.NdjsonReader;
import dev.orderbook.simulator.market.Protocol;
import dev.orderbook.simulator.market.SyntheticMarket;
import dev.orderbook.simulator.market.protocol.FeedEncoder;
import dev.orderbook.simulator.market.protocol.MalformedKind;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The simulator's market from a recorded NDJSON file (optionally gzip), either protocol, as {@code replay} reads
 * it and {@code generate} writes it. The file's book messages are applied, in order, to one book per product held
 * here; a subscriber gets a snapshot of its products' current books, then the file's later messages for them.
 *
 * <p>Re-encoding: every book message is re-encoded in the served protocol, whatever the file's, with the file's
 * price, size and time texts kept verbatim (so {@code "0.00000000"} stays {@code "0.00000000"}); key order and
 * whitespace are the simulator's. On Advanced Trade a file message's events are filtered to the connection's
 * products and {@code sequence_num} is the connection's own. An Exchange {@code level2}/{@code level2_batch}
 * update becomes an Advanced Trade event with {@code event_time} = the message's {@code time}; an Advanced Trade
 * event becomes one Exchange message with {@code time} = the envelope's {@code timestamp}. A snapshot in the file
 * (a recorded reconnect) replaces the book and is forwarded as a snapshot.
 *
 * <p>Skipped: heartbeats, confirmations, errors and gap markers in the file (the simulator makes its own), and bad
 * lines (not JSON, bad numbers, unknown side), which are counted and logged, never half-applied.
 *
 * <p>Start: the file's leading snapshots are applied before serving, so that the first subscriber gets full books.
 * Products: every {@code product_id} in the file, in order of first appearance. End of file: no more book data
 * ({@link #sendNext} returns false). Deterministic: the same file gives the same book messages.
 *
 * <p>Sender thread only, after construction.
 */
final class RecordedFeed implements MarketFeed {
    private static final Logger log = LoggerFactory.getLogger(RecordedFeed.class);
    private static final byte[] PRODUCT_KEY = "\"product_id\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final Pattern PRODUCT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,39}");
    private static final int MAX_BAD_LINES_LOGGED = 10;
    private static final int DETECT_LINES = 1_000;
    // A crossing update's time is the market clock plus this; see sendCrossing.
    private static final long CROSSING_OFFSET_NS = 1_000L;
    private static final String CROSSING_SIZE = "0.01";

    private final Path file;
    private final Protocol served;
    private final ObjectMapper json = new ObjectMapper();
    private final JsonStringEncoder escaper = JsonStringEncoder.getInstance();
    private final NdjsonReader reader;
    private final List<String> productIds;
    private final TextBook[] books;
    private final StringBuilder out = new StringBuilder(1 << 12);
    private String timeText;
    private long clockNs = SyntheticMarket.START_EPOCH_NS;
    private Message pending;
    private boolean ended;
    private long lines;
    private long badLines;
    private long messages;

    private RecordedFeed(final Path file, final Protocol served, final List<String> productIds,
                         final NdjsonReader reader) {
        this.file = file;
        this.served = served;
        this.productIds = List.copyOf(productIds);
        this.reader = reader;
        this.books = new TextBook[productIds.size()];
        for (int p = 0; p < books.length; p++) {
            books[p] = new TextBook();
        }
        this.timeText = WireTime.nanos(clockNs);
    }

    /**
     * Opens a file: finds its products (one pass), then applies its leading snapshots.
     *
     * @param served       the protocol clients are served in
     * @param maxLineBytes longest line read; longer ones are skipped as bad
     * @throws IOException if the file cannot be read, or holds no product at all
     */
    static RecordedFeed open(final Path file, final Protocol served, final int maxLineBytes) throws IOException {
        final List<String> productIds = scanProducts(file, maxLineBytes);
        if (productIds.isEmpty()) {
            throw new IOException("no product_id in " + file + ": not a Coinbase feed file");
        }
        final RecordedFeed feed = new RecordedFeed(file, served, productIds, NdjsonReader.open(file, maxLineBytes));
        feed.applyLeadingSnapshots();
        log.info("Recorded feed opened. file=[{}] products=[{}] leadingSnapshotLines=[{}]", file, productIds,
                feed.lines);
        return feed;
    }

    /**
     * The protocol a file is written in: {@link Protocol#ADVANCED} if its first Coinbase message has a top-level
     * {@code channel}, {@link Protocol#EXCHANGE} if it has a {@code type} of the Exchange feed.
     *
     * @throws IOException if the file cannot be read or its first lines are no Coinbase messages
     */
    static Protocol detectProtocol(final Path file, final int maxLineBytes) throws IOException {
        final ObjectMapper mapper = new ObjectMapper();
        try (NdjsonReader lines = NdjsonReader.open(file, maxLineBytes)) {
            for (int i = 0; i < DETECT_LINES && lines.next(); i++) {
                if (lines.oversized()) {
                    continue;
                }
                final JsonNode node;
                try {
                    node = mapper.readTree(lines.buffer(), lines.offset(), lines.length());
                } catch (final IOException e) {
                    continue;
                }
                if (node == null || !node.isObject()) {
                    continue;
                }
                if (node.path("channel").isTextual()) {
                    return Protocol.ADVANCED;
                }
                final String type = node.path("type").asText("");
                if (Set.of("snapshot", "l2update", "heartbeat", "subscriptions").contains(type)) {
                    return Protocol.EXCHANGE;
                }
            }
        }
        throw new IOException("cannot tell the protocol of " + file + " from its first " + DETECT_LINES
                + " lines; give it explicitly");
    }

    private static List<String> scanProducts(final Path file, final int maxLineBytes) throws IOException {
        final Set<String> ids = new LinkedHashSet<>();
        try (NdjsonReader lines = NdjsonReader.open(file, maxLineBytes)) {
            while (lines.next()) {
                if (lines.oversized()) {
                    continue;
                }
                final byte[] buf = lines.buffer();
                final int end = lines.offset() + lines.length();
                int from = lines.offset();
                while ((from = ByteArrays.indexOf(buf, from, end, PRODUCT_KEY)) >= 0) {
                    final int start = from + PRODUCT_KEY.length;
                    int close = start;
                    while (close < end && buf[close] != '"') {
                        close++;
                    }
                    final String id = new String(buf, start, close - start, StandardCharsets.ISO_8859_1);
                    if (PRODUCT_ID.matcher(id).matches()) {
                        ids.add(id);
                    }
                    from = close;
                }
            }
        }
        return new ArrayList<>(ids);
    }

    private void applyLeadingSnapshots() {
        while (true) {
            final Message m = readMessage();
            if (m == null) {
                return;
            }
            for (final Event e : m.events) {
                if (!e.snapshot) {
                    pending = m;
                    return;
                }
            }
            for (final Event e : m.events) {
                books[e.product].apply(e);
            }
        }
    }

    // ---- MarketFeed ------------------------------------------------------------------------------------------

    @Override
    public List<String> productIds() {
        return productIds;
    }

    @Override
    public int indexOf(final String productId) {
        return productIds.indexOf(productId);
    }

    @Override
    public long clockNs() {
        return clockNs;
    }

    @Override
    public FeedEncoder newEncoder(final long connectionId) {
        return null;
    }

    @Override
    public boolean sendNext(final List<Connection> connections, final long[] exchangeSequences,
                            final BookChanges changes) {
        final Message m = pending != null ? pending : readMessage();
        pending = null;
        if (m == null) {
            if (!ended) {
                ended = true;
                log.info("End of recorded file; heartbeats only from now on. file=[{}] lines=[{}] "
                        + "bookMessages=[{}] badLines=[{}]", file, lines, messages, badLines);
                closeReader();
            }
            return false;
        }
        messages++;
        for (final Event e : m.events) {
            books[e.product].apply(e);
            exchangeSequences[e.product] += e.changes.size();
        }
        reportChanges(m, changes);
        for (int i = 0; i < connections.size(); i++) {
            final Connection c = connections.get(i);
            if (served == Protocol.EXCHANGE) {
                for (final Event e : m.events) {
                    if (c.receivesData(e.product)) {
                        c.sink.accept(exchangeMessage(m, e));
                    }
                }
            } else {
                final String message = advancedMessage(m, c);
                if (message != null) {
                    c.sink.accept(message);
                }
            }
        }
        return true;
    }

    /**
     * Tells {@code changes} about each product of {@code m}, in order of first appearance, with the time its client
     * messages carry: Advanced Trade's envelope timestamp; on the Exchange feed the {@code time} of the product's
     * last message made from {@code m}, none if that is a {@code snapshot}.
     */
    private void reportChanges(final Message m, final BookChanges changes) {
        final List<Event> events = m.events;
        for (int i = 0; i < events.size(); i++) {
            final int product = events.get(i).product;
            boolean first = true;
            boolean lastIsSnapshot = false;
            for (int j = 0; j < events.size(); j++) {
                if (events.get(j).product == product) {
                    first &= j >= i;
                    lastIsSnapshot = events.get(j).snapshot;
                }
            }
            if (first) {
                changes.bookChanged(product, served == Protocol.EXCHANGE && lastIsSnapshot ? null : m.rawTime);
            }
        }
    }

    /**
     * The crossing update: a bid one step above the best ask (the step is the last decimal place of the ask as the
     * file spells it), of size {@value #CROSSING_SIZE}; its time is the market clock plus a microsecond. A file's
     * own times are whatever it holds, so unlike on the synthetic market its time is not guaranteed to differ from
     * every message's of the product.
     */
    @Override
    public int sendCrossing(final List<Connection> connections, final int productIndex) {
        final TextBook book = books[productIndex];
        if (book.asks.isEmpty()) {
            return -1;
        }
        final BigDecimal ask = new BigDecimal(book.asks.firstEntry().getValue()[0]);
        final String price = ask.add(BigDecimal.ONE.movePointLeft(Math.max(0, ask.scale()))).toPlainString();
        final String product = productIds.get(productIndex);
        final long timeNs = clockNs + CROSSING_OFFSET_NS;
        final String message;
        if (served == Protocol.EXCHANGE) {
            message = "{\"type\":\"l2update\",\"product_id\":\"" + product + "\",\"changes\":[[\"buy\",\"" + price
                    + "\",\"" + CROSSING_SIZE + "\"]],\"time\":\"" + WireTime.micros(timeNs) + "\"}";
        } else {
            final String time = WireTime.nanos(timeNs);
            message = "{\"channel\":\"l2_data\",\"timestamp\":\"" + time + "\",\"sequence_num\":0,\"events\":[{"
                    + "\"type\":\"update\",\"product_id\":\"" + product + "\",\"updates\":[{\"side\":\"bid\","
                    + "\"event_time\":\"" + time + "\",\"price_level\":\"" + price + "\",\"new_quantity\":\""
                    + CROSSING_SIZE + "\"}]}]}";
        }
        int sent = 0;
        for (int i = 0; i < connections.size(); i++) {
            final Connection c = connections.get(i);
            if (c.receivesData(productIndex)) {
                c.sink.accept(message);
                sent++;
            }
        }
        return sent;
    }

    @Override
    public void sendSnapshot(final Connection connection, final int productIndex) {
        final TextBook book = books[productIndex];
        final String product = productIds.get(productIndex);
        final StringBuilder o = out;
        o.setLength(0);
        if (served == Protocol.EXCHANGE) {
            o.append("{\"type\":\"snapshot\",\"product_id\":\"").append(product).append("\",\"bids\":[");
            appendExchangeLevels(o, book.bids);
            o.append("],\"asks\":[");
            appendExchangeLevels(o, book.asks);
            o.append("]}");
        } else {
            o.append("{\"channel\":\"l2_data\",\"timestamp\":\"").append(timeText)
                    .append("\",\"sequence_num\":0,\"events\":[{\"type\":\"snapshot\",\"product_id\":\"")
                    .append(product).append("\",\"updates\":[");
            final int mark = o.length();
            appendAdvancedLevels(o, book.bids, "bid");
            appendAdvancedLevels(o, book.asks, "offer");
            if (o.length() > mark) {
                o.setLength(o.length() - 1);
            }
            o.append("]}]}");
        }
        connection.sink.accept(o.toString());
    }

    @Override
    public void sendMalformed(final Connection connection, final int productIndex, final MalformedKind kind) {
        final String product = productIds.get(productIndex);
        if (kind == MalformedKind.INVALID_JSON) {
            // Torn mid-value, as a write cut short would be; carries no sequence_num, so it advances none.
            connection.send(served == Protocol.EXCHANGE
                    ? "{\"type\":\"l2update\",\"product_id\":\"" + product + "\",\"changes\":[[\"buy\",\"1"
                    : "{\"channel\":\"l2_data\",\"timestamp\":\"" + timeText + "\",\"events\":[{\"type\":"
                            + "\"update\",\"product_id\":\"" + product + "\",\"updates\":[{\"side\":\"bid\",\"price_le");
            return;
        }
        final TextBook book = books[productIndex];
        final String price = book.bids.isEmpty() ? "1" : book.bids.firstEntry().getValue()[0];
        final String spoiledPrice = kind == MalformedKind.NON_NUMERIC_PRICE ? "NaN"
                : kind == MalformedKind.EXPONENT ? new BigDecimal(price).unscaledValue() + "E-"
                        + new BigDecimal(price).scale() : price;
        final String size = kind == MalformedKind.NEGATIVE_SIZE ? "-0.25" : "0.25";
        final boolean exchange = served == Protocol.EXCHANGE;
        final String side = kind == MalformedKind.UNKNOWN_SIDE ? "hold" : exchange ? "buy" : "bid";
        // Valid JSON without a sequence_num of its own: dropping it leaves an unbroken stream.
        connection.send(exchange
                ? "{\"type\":\"l2update\",\"product_id\":\"" + product + "\",\"changes\":[[\"" + side + "\",\""
                        + spoiledPrice + "\",\"" + size + "\"]],\"time\":\"" + timeText + "\"}"
                : "{\"channel\":\"l2_data\",\"timestamp\":\"" + timeText + "\",\"events\":[{\"type\":\"update\","
                        + "\"product_id\":\"" + product + "\",\"updates\":[{\"side\":\"" + side + "\",\"event_time\":\""
                        + timeText + "\",\"price_level\":\"" + spoiledPrice + "\",\"new_quantity\":\"" + size + "\"}]}]}");
    }

    @Override
    public BookSnapshot bookSnapshot(final int productIndex) {
        final TextBook book = books[productIndex];
        final TreeMap<BigDecimal, BigDecimal> bids = new TreeMap<>(Collections.reverseOrder());
        final TreeMap<BigDecimal, BigDecimal> asks = new TreeMap<>();
        for (final Map.Entry<BigDecimal, String[]> level : book.bids.entrySet()) {
            bids.put(level.getKey().stripTrailingZeros(), new BigDecimal(level.getValue()[1]).stripTrailingZeros());
        }
        for (final Map.Entry<BigDecimal, String[]> level : book.asks.entrySet()) {
            asks.put(level.getKey().stripTrailingZeros(), new BigDecimal(level.getValue()[1]).stripTrailingZeros());
        }
        return new BookSnapshot(productIds.get(productIndex), bids, asks);
    }

    @Override
    public TopOfBook topOfBook(final int productIndex, final String time, final long seq) {
        final TextBook book = books[productIndex];
        final Map.Entry<BigDecimal, String[]> bid = book.bids.firstEntry();
        final Map.Entry<BigDecimal, String[]> ask = book.asks.firstEntry();
        return new TopOfBook(productIds.get(productIndex), time,
                bid == null ? null : bid.getKey(), bid == null ? null : new BigDecimal(bid.getValue()[1]),
                ask == null ? null : ask.getKey(), ask == null ? null : new BigDecimal(ask.getValue()[1]), seq);
    }

    @Override
    public String describe() {
        return "file " + file;
    }

    // ---- encoding --------------------------------------------------------------------------------------------

    private String exchangeMessage(final Message m, final Event e) {
        final String product = productIds.get(e.product);
        final StringBuilder o = out;
        o.setLength(0);
        if (e.snapshot) {
            o.append("{\"type\":\"snapshot\",\"product_id\":\"").append(product).append("\",\"bids\":[");
            boolean first = true;
            for (final Change change : e.changes) {
                if (change.bid) {
                    o.append(first ? "[\"" : ",[\"").append(change.priceText).append("\",\"")
                            .append(change.sizeText).append("\"]");
                    first = false;
                }
            }
            o.append("],\"asks\":[");
            first = true;
            for (final Change change : e.changes) {
                if (!change.bid) {
                    o.append(first ? "[\"" : ",[\"").append(change.priceText).append("\",\"")
                            .append(change.sizeText).append("\"]");
                    first = false;
                }
            }
            return o.append("]}").toString();
        }
        o.append("{\"type\":\"l2update\",\"product_id\":\"").append(product).append("\",\"changes\":[");
        boolean first = true;
        for (final Change change : e.changes) {
            o.append(first ? "[\"" : ",[\"").append(change.bid ? "buy" : "sell").append("\",\"")
                    .append(change.priceText).append("\",\"").append(change.sizeText).append("\"]");
            first = false;
        }
        return o.append("],\"time\":\"").append(m.time).append("\"}").toString();
    }

    /** One l2_data message with the events of {@code m} for the connection's products, or null if none. */
    private String advancedMessage(final Message m, final Connection c) {
        final StringBuilder o = out;
        o.setLength(0);
        o.append("{\"channel\":\"l2_data\",\"timestamp\":\"").append(m.time)
                .append("\",\"sequence_num\":0,\"events\":[");
        boolean firstEvent = true;
        for (final Event e : m.events) {
            if (!c.receivesData(e.product)) {
                continue;
            }
            o.append(firstEvent ? "" : ",").append("{\"type\":\"").append(e.snapshot ? "snapshot" : "update")
                    .append("\",\"product_id\":\"").append(productIds.get(e.product)).append("\",\"updates\":[");
            firstEvent = false;
            boolean first = true;
            for (final Change change : e.changes) {
                o.append(first ? "{\"side\":\"" : ",{\"side\":\"").append(change.bid ? "bid" : "offer")
                        .append("\",\"event_time\":\"").append(change.eventTime != null ? change.eventTime : m.time)
                        .append("\",\"price_level\":\"").append(change.priceText).append("\",\"new_quantity\":\"")
                        .append(change.sizeText).append("\"}");
                first = false;
            }
            o.append("]}");
        }
        return firstEvent ? null : o.append("]}").toString();
    }

    private static void appendExchangeLevels(final StringBuilder o, final TreeMap<BigDecimal, String[]> side) {
        boolean first = true;
        for (final String[] level : side.values()) {
            o.append(first ? "[\"" : ",[\"").append(level[0]).append("\",\"").append(level[1]).append("\"]");
            first = false;
        }
    }

    private void appendAdvancedLevels(final StringBuilder o, final TreeMap<BigDecimal, String[]> side,
                                      final String sideName) {
        for (final String[] level : side.values()) {
            o.append("{\"side\":\"").append(sideName).append("\",\"event_time\":\"").append(timeText)
                    .append("\",\"price_level\":\"").append(level[0]).append("\",\"new_quantity\":\"")
                    .append(level[1]).append("\"},");
        }
    }

    // ---- reading ---------------------------------------------------------------------------------------------

    /** The next book message of the file, or null at its end; bad lines and other messages are skipped. */
    private Message readMessage() {
        if (ended) {
            return null;
        }
        try {
            while (reader.next()) {
                lines++;
                if (reader.oversized()) {
                    bad("oversized line, " + reader.length() + " bytes");
                    continue;
                }
                final Message m;
                try {
                    m = parse(json.readTree(reader.buffer(), reader.offset(), reader.length()));
                } catch (final IOException | RuntimeException e) {
                    bad(e.getClass().getSimpleName() + ": " + e.getMessage());
                    continue;
                }
                if (m != null) {
                    advanceClock(m.time);
                    return m;
                }
            }
        } catch (final IOException e) {
            log.error("Reading the recorded file failed; treating it as ended. file=[{}] line=[{}]", file, lines, e);
        }
        return null;
    }

    private void bad(final String detail) {
        badLines++;
        if (badLines <= MAX_BAD_LINES_LOGGED) {
            log.warn("Skipping bad line of the recorded file. file=[{}] line=[{}] detail=[{}]", file, lines, detail);
        }
    }

    private void advanceClock(final String time) {
        if (time == null || time.equals(timeText)) {
            return;
        }
        try {
            final Instant instant = Instant.parse(time);
            clockNs = instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
            timeText = time;
        } catch (final DateTimeParseException | ArithmeticException e) {
            // A time the simulator cannot read is still passed on verbatim in the messages that carry it.
            log.debug("Unreadable time in recorded file. line=[{}] time=[{}]", lines, time);
        }
    }

    /**
     * A book message of either protocol, validated whole; null if the line is not book data (heartbeat, gap
     * marker, ...).
     *
     * @throws IllegalArgumentException if it is book data but malformed
     */
    private Message parse(final JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        if (node.has("channel")) {
            if (!"l2_data".equals(node.path("channel").asText())) {
                return null;
            }
            final String time = rawText(node, "timestamp");
            final List<Event> events = new ArrayList<>();
            for (final JsonNode event : node.path("events")) {
                final String type = event.path("type").asText("");
                if (!"snapshot".equals(type) && !"update".equals(type)) {
                    throw new IllegalArgumentException("unknown event type " + type);
                }
                final List<Change> changes = new ArrayList<>();
                for (final JsonNode update : event.path("updates")) {
                    final String side = update.path("side").asText("");
                    if (!"bid".equals(side) && !"offer".equals(side)) {
                        throw new IllegalArgumentException("unknown side " + side);
                    }
                    changes.add(change("bid".equals(side), text(update, "price_level"),
                            text(update, "new_quantity"), update.path("event_time").isTextual()
                                    ? safe(update.path("event_time").asText()) : null));
                }
                events.add(new Event(product(event), "snapshot".equals(type), changes));
            }
            return events.isEmpty() ? null : new Message(safe(time), time, events);
        }
        final String type = node.path("type").asText("");
        if ("snapshot".equals(type)) {
            final List<Change> changes = new ArrayList<>();
            for (final JsonNode level : node.path("bids")) {
                changes.add(change(true, element(level, 0), element(level, 1), null));
            }
            for (final JsonNode level : node.path("asks")) {
                changes.add(change(false, element(level, 0), element(level, 1), null));
            }
            // A valid time needs no escaping, so the clock's text is also the raw one.
            final String time = node.path("time").isTextual() ? node.path("time").asText() : timeText;
            return new Message(safe(time), time, List.of(new Event(product(node), true, changes)));
        }
        if ("l2update".equals(type)) {
            final List<Change> changes = new ArrayList<>();
            for (final JsonNode change : node.path("changes")) {
                final String side = element(change, 0);
                if (!"buy".equals(side) && !"sell".equals(side)) {
                    throw new IllegalArgumentException("unknown side " + side);
                }
                changes.add(change("buy".equals(side), element(change, 1), element(change, 2), null));
            }
            final String time = rawText(node, "time");
            return new Message(safe(time), time, List.of(new Event(product(node), false, changes)));
        }
        return null;
    }

    private int product(final JsonNode node) {
        final String id = node.path("product_id").asText("");
        final int p = productIds.indexOf(id);
        if (p < 0) {
            throw new IllegalArgumentException("unknown product_id " + id);
        }
        return p;
    }

    private String text(final JsonNode node, final String field) {
        return safe(rawText(node, field));
    }

    /** A text field as the JSON says it (unescaped). */
    private static String rawText(final JsonNode node, final String field) {
        final JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("missing or non-text " + field);
        }
        return value.asText();
    }

    private static String element(final JsonNode array, final int index) {
        final JsonNode value = array.get(index);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("missing or non-text element " + index);
        }
        return value.asText();
    }

    /** The text JSON-escaped, so that whatever a file holds cannot break the messages it is copied into. */
    private String safe(final String text) {
        return new String(escaper.quoteAsString(text));
    }

    private static Change change(final boolean bid, final String priceText, final String sizeText,
                                 final String eventTime) {
        final BigDecimal price = new BigDecimal(priceText);
        final BigDecimal size = new BigDecimal(sizeText);
        if (price.signum() <= 0 || size.signum() < 0) {
            throw new IllegalArgumentException("price must be positive and size not negative: " + priceText + " "
                    + sizeText);
        }
        return new Change(bid, price, priceText, sizeText, size.signum() == 0, eventTime);
    }

    private void closeReader() {
        try {
            reader.close();
        } catch (final IOException e) {
            log.debug("Closing the recorded file failed. file=[{}]", file, e);
        }
    }

    // ---- model -----------------------------------------------------------------------------------------------

    /** One level change; texts verbatim from the file (validated as decimals). */
    private record Change(boolean bid, BigDecimal price, String priceText, String sizeText, boolean remove,
                          String eventTime) {
    }

    /** One product's snapshot (its levels, bids first) or update. */
    private record Event(int product, boolean snapshot, List<Change> changes) {
    }

    /**
     * One book message of the file: its time, JSON-escaped for copying into messages and as read ({@code rawTime},
     * for the truth log), and its events in order.
     */
    private record Message(String time, String rawTime, List<Event> events) {
    }

    /** One product's book, price to {@code [priceText, sizeText]}, best first on both sides. */
    private static final class TextBook {
        final TreeMap<BigDecimal, String[]> bids = new TreeMap<>(Collections.reverseOrder());
        final TreeMap<BigDecimal, String[]> asks = new TreeMap<>();

        void apply(final Event e) {
            if (e.snapshot) {
                bids.clear();
                asks.clear();
            }
            for (final Change change : e.changes) {
                final TreeMap<BigDecimal, String[]> side = change.bid ? bids : asks;
                if (change.remove) {
                    side.remove(change.price);
                } else {
                    side.put(change.price, new String[] {change.priceText, change.sizeText});
                }
            }
        }
    }
}
