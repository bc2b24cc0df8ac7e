package dev.orderbook.book.replay;

import dev.orderbook.contract.GapReason;
import dev.orderbook.contract.summary.StateReason;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * An independent reference of the offline replay, written from the specification alone and kept deliberately
 * simple: a Jackson tree per line, {@link BigDecimal} arithmetic and a {@link TreeMap} per book side. It shares no
 * code with the production codec, engine or summary formatter; {@link ReplayDifferentialTest} checks that both give
 * byte-identical output.
 *
 * <p>Feed it lines one at a time with {@link #accept}; it keeps the summary and alert output, the line number of
 * every bad line, and for every output line the input line that produced it.
 */
final class ReferenceReplay {
    /** Strict JSON: Jackson's defaults (no comments, NaN, leading zeros...) plus no trailing tokens. */
    static final ObjectMapper MAPPER = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final Pattern PRODUCT_ID = Pattern.compile("[A-Z0-9](?:[A-Z0-9-]{0,30}[A-Z0-9])?");
    private static final Pattern DECIMAL = Pattern.compile("[0-9]+(\\.[0-9]+)?");
    private static final int MAX_DECIMALS = 10;
    private static final BigDecimal MAX_DECIMAL = new BigDecimal(BigInteger.valueOf(Long.MAX_VALUE), MAX_DECIMALS);
    private static final BigDecimal TEN_THOUSAND = BigDecimal.valueOf(10_000);
    private static final BigDecimal TWO = BigDecimal.valueOf(2);
    private static final int BPS_DECIMALS = 4;

    /** Book state, written in lower case. */
    enum State {
        LIVE, STALE, CROSSED;

        String json() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One price level of a snapshot or one change of an update. */
    record Level(boolean bid, BigDecimal price, BigDecimal size) {
    }

    /** An Exchange snapshot/l2update, or one Advanced Trade event. */
    record BookEvent(String productId, boolean snapshot, List<Level> levels) {
    }

    /**
     * A valid line.
     *
     * @param sequence     Advanced Trade {@code sequence_num}, null for Exchange messages
     * @param events       book events in order (empty for heartbeats and ignored messages)
     * @param gapProductId the product of a gap marker, else null
     */
    record Message(boolean advancedTrade, BigInteger sequence, String time, List<BookEvent> events,
                   String gapProductId, String gapReason) {
        Message(final boolean advancedTrade, final BigInteger sequence, final String time,
                final List<BookEvent> events, final String gapProductId) {
            this(advancedTrade, sequence, time, events, gapProductId, null);
        }

    }

    /** The top of a reference book, for tests that build inputs from the current state. */
    record Top(State state, BigDecimal bestBid, BigDecimal bestAsk) {
    }

    /** Thrown for a bad line; no stack trace (there are many). */
    static final class BadLine extends Exception {
        private static final long serialVersionUID = 1L;

        BadLine(final String reason) {
            super(reason, null, false, false);
        }
    }

    private static final class Book {
        final String productId;
        final TreeMap<BigDecimal, BigDecimal> bids = new TreeMap<>(Comparator.reverseOrder());
        final TreeMap<BigDecimal, BigDecimal> asks = new TreeMap<>();
        State state = State.STALE;
        /** The summary's state_reason: null when live. */
        String reason = "no-snapshot";
        String lastWrittenTop;

        Book(final String productId) {
            this.productId = productId;
        }

        boolean crossed() {
            return !bids.isEmpty() && !asks.isEmpty() && bids.firstKey().compareTo(asks.firstKey()) >= 0;
        }
    }

    private final BigDecimal defaultAlertBps;
    private final Map<String, BigDecimal> alertBpsByProduct;
    private final Map<String, Book> books = new LinkedHashMap<>();
    private final StringBuilder summaries = new StringBuilder(1 << 20);
    private final StringBuilder alerts = new StringBuilder(1 << 16);
    private final List<Long> summarySources = new ArrayList<>();
    private final List<Long> alertSources = new ArrayList<>();
    private final List<Long> badLineNumbers = new ArrayList<>();
    private final Map<State, Long> summariesByState = new TreeMap<>();
    private BigInteger previousSequence;
    private long lineNumber;
    private long sequenceGaps;
    private long gapMarkers;
    private long skippedUpdates;
    private long appliedChanges;

    /**
     * @param defaultAlertBps   alert threshold in basis points
     * @param alertBpsByProduct per-product thresholds overriding it
     */
    ReferenceReplay(final String defaultAlertBps, final Map<String, String> alertBpsByProduct) {
        this.defaultAlertBps = new BigDecimal(defaultAlertBps);
        final Map<String, BigDecimal> thresholds = new LinkedHashMap<>();
        alertBpsByProduct.forEach((product, bps) -> thresholds.put(product, new BigDecimal(bps)));
        this.alertBpsByProduct = thresholds;
    }

    /** Processes the next input line (without its line end). */
    void accept(final String line) {
        accept(line, isBlank(line) ? null : parseOrNull(line));
    }

    /**
     * Processes the next input line, already read by {@link #parseOrNull} (a pure function of the line), so a
     * caller that had to read the line anyway need not have it read twice.
     */
    void accept(final String line, final Message parsed) {
        lineNumber++;
        if (isBlank(line)) {
            return;
        }
        if (parsed == null) {
            badLineNumbers.add(lineNumber);
            // A dropped line may have carried changes: the books it was about are stale, with no time.
            final List<String> doubted = productsInDoubt(line);
            if (doubted == null) {
                for (final Book book : books.values()) {
                    stale(book, "bad-input");
                    writeIfChanged(book, null);
                }
            } else {
                for (final String productId : doubted) {
                    final Book book = book(productId);
                    stale(book, "bad-input");
                    writeIfChanged(book, null);
                }
            }
            return;
        }
        final Message message = parsed;
        if (message.advancedTrade() && message.sequence() != null) {
            if (previousSequence != null && message.sequence().compareTo(previousSequence.add(BigInteger.ONE)) > 0) {
                sequenceGaps++;
                for (final Book book : books.values()) {
                    stale(book, "sequence-gap");
                    writeIfChanged(book, message.time());
                }
            }
            previousSequence = message.sequence();
        }
        for (final BookEvent event : message.events()) {
            apply(event, message.time());
        }
        if (message.gapProductId() != null) {
            gapMarkers++;
            final Book book = book(message.gapProductId());
            stale(book, StateReason.gap(GapReason.ofWireName(message.gapReason())).wireName());
            writeIfChanged(book, message.time());
        }
    }

    private void apply(final BookEvent event, final String time) {
        final Book book = book(event.productId());
        if (event.snapshot()) {
            book.bids.clear();
            book.asks.clear();
            for (final Level level : event.levels()) {
                if (level.size().signum() != 0) {
                    side(book, level.bid()).put(level.price(), level.size());
                }
            }
            book.state = book.crossed() ? State.CROSSED : State.LIVE;
            book.reason = book.crossed() ? "crossed" : null;
        } else if (book.state == State.LIVE) {
            for (final Level change : event.levels()) {
                if (change.size().signum() == 0) {
                    side(book, change.bid()).remove(change.price());
                } else {
                    side(book, change.bid()).put(change.price(), change.size());
                }
                appliedChanges++;
            }
            if (book.crossed()) {
                book.state = State.CROSSED;
                book.reason = "crossed";
            }
        } else {
            skippedUpdates++;
        }
        writeIfChanged(book, time);
    }

    private static void stale(final Book book, final String reason) {
        book.state = State.STALE;
        book.reason = reason;
    }

    private Book book(final String productId) {
        return books.computeIfAbsent(productId, Book::new);
    }

    private static TreeMap<BigDecimal, BigDecimal> side(final Book book, final boolean bid) {
        return bid ? book.bids : book.asks;
    }

    private void writeIfChanged(final Book book, final String time) {
        final Map.Entry<BigDecimal, BigDecimal> bid = book.bids.firstEntry();
        final Map.Entry<BigDecimal, BigDecimal> ask = book.asks.firstEntry();
        final String top = book.state + " " + book.reason + " " + (bid == null ? "-" : plain(bid.getKey()) + " " + plain(bid.getValue()))
                + " " + (ask == null ? "-" : plain(ask.getKey()) + " " + plain(ask.getValue()));
        if (top.equals(book.lastWrittenTop)) {
            return;
        }
        book.lastWrittenTop = top;
        final boolean both = bid != null && ask != null;
        final BigDecimal spread = both ? ask.getKey().subtract(bid.getKey()) : null;
        final StringBuilder json = new StringBuilder(256);
        json.append("{\"product_id\":").append(jsonString(book.productId))
                .append(",\"time\":").append(time == null ? "null" : jsonString(time))
                .append(",\"bid_price\":").append(quoted(bid == null ? null : bid.getKey()))
                .append(",\"bid_size\":").append(quoted(bid == null ? null : bid.getValue()))
                .append(",\"ask_price\":").append(quoted(ask == null ? null : ask.getKey()))
                .append(",\"ask_size\":").append(quoted(ask == null ? null : ask.getValue()))
                .append(",\"spread\":").append(quoted(spread))
                .append(",\"spread_bps\":").append(both ? plain(spread.multiply(TEN_THOUSAND)
                        .divide(ask.getKey(), BPS_DECIMALS, RoundingMode.HALF_UP)) : "null")
                .append(",\"mid\":").append(quoted(both ? bid.getKey().add(ask.getKey()).divide(TWO) : null))
                .append(",\"bid_levels\":").append(book.bids.size())
                .append(",\"ask_levels\":").append(book.asks.size())
                .append(",\"state\":\"").append(book.state.json()).append('"');
        if (both && bid.getValue().add(ask.getValue()).signum() > 0) {
            final BigDecimal total = bid.getValue().add(ask.getValue());
            final BigDecimal micro = bid.getKey().add(spread.multiply(bid.getValue())
                    .divide(total, MAX_DECIMALS, RoundingMode.HALF_UP));
            json.append(",\"microprice\":").append(quoted(micro))
                    .append(",\"imbalance\":").append(plainNumber(bid.getValue().subtract(ask.getValue())
                            .divide(total, BPS_DECIMALS, RoundingMode.HALF_UP)));
        } else {
            json.append(",\"microprice\":null,\"imbalance\":null");
        }
        json.append(",\"state_reason\":").append(book.reason == null ? "null" : jsonString(book.reason));
        json.append("}\n");
        summaries.append(json);
        summarySources.add(lineNumber);
        summariesByState.merge(book.state, 1L, Long::sum);
        final BigDecimal threshold = alertBpsByProduct.getOrDefault(book.productId, defaultAlertBps);
        if (book.state == State.LIVE && both
                && spread.multiply(TEN_THOUSAND).compareTo(threshold.multiply(ask.getKey())) > 0) {
            alerts.append(json);
            alertSources.add(lineNumber);
        }
    }

    private static String quoted(final BigDecimal value) {
        return value == null ? "null" : "\"" + plain(value) + "\"";
    }

    private static String plainNumber(final BigDecimal value) {
        return value.signum() == 0 ? "0" : plain(value);
    }

    private static String plain(final BigDecimal value) {
        return value.stripTrailingZeros().toPlainString();
    }

    private static String jsonString(final String value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (final JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isBlank(final String line) {
        for (int i = 0; i < line.length(); i++) {
            final char c = line.charAt(i);
            if (c != ' ' && c != '\t' && c != '\r') {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Parsing, straight from the specification.

    /**
     * Which books a bad line puts in doubt, straight from the specification: null for every book (not JSON, not an
     * object, neither a string channel nor a string type, an l2_data message whose events are not an array or name
     * an element without a valid product id, a snapshot/l2update without a valid product id, a gap marker), the
     * named products for l2_data / snapshot / l2update, and none for any other channel or type.
     */
    static List<String> productsInDoubt(final String line) {
        final JsonNode root;
        try {
            root = MAPPER.readTree(line);
        } catch (final JsonProcessingException e) {
            return null;
        }
        if (root == null || !root.isObject()) {
            return null;
        }
        final JsonNode channel = root.get("channel");
        if (channel != null && channel.isTextual()) {
            if (!channel.textValue().equals("l2_data")) {
                return List.of();
            }
            final JsonNode events = root.get("events");
            if (events == null || !events.isArray()) {
                return null;
            }
            final List<String> ids = new ArrayList<>();
            for (final JsonNode event : events) {
                final JsonNode id = event.get("product_id");
                if (id == null || !id.isTextual() || !PRODUCT_ID.matcher(id.textValue()).matches()) {
                    return null;
                }
                if (!ids.contains(id.textValue())) {
                    ids.add(id.textValue());
                }
            }
            return ids;
        }
        final JsonNode type = root.get("type");
        if (type == null || !type.isTextual()) {
            return null;
        }
        final String t = type.textValue();
        if (t.equals("x-orderbook-gap")) {
            return null;
        }
        if (!t.equals("snapshot") && !t.equals("l2update")) {
            return List.of();
        }
        final JsonNode id = root.get("product_id");
        if (id == null || !id.isTextual() || !PRODUCT_ID.matcher(id.textValue()).matches()) {
            return null;
        }
        return List.of(id.textValue());
    }

    /** Reads one line; null for a bad line (or a blank one). */
    static Message parseOrNull(final String line) {
        try {
            return parse(line);
        } catch (final BadLine e) {
            return null;
        }
    }

    /** Reads one non-blank line; a line the specification calls bad throws. */
    static Message parse(final String line) throws BadLine {
        final JsonNode root;
        try {
            root = MAPPER.readTree(line);
        } catch (final JsonProcessingException e) {
            throw new BadLine("invalid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new BadLine("not an object");
        }
        final JsonNode channel = root.get("channel");
        if (channel != null && channel.isTextual()) {
            return parseAdvancedTrade(root, channel.textValue());
        }
        final JsonNode type = root.get("type");
        if (type != null && type.isTextual()) {
            return parseExchange(root, type.textValue());
        }
        throw new BadLine("neither channel nor type");
    }

    private static Message parseExchange(final JsonNode root, final String type) throws BadLine {
        final String time = text(root.get("time"));
        switch (type) {
            case "snapshot": {
                final String productId = productId(root.get("product_id"));
                final List<Level> levels = new ArrayList<>();
                readSnapshotSide(root.get("bids"), true, levels);
                readSnapshotSide(root.get("asks"), false, levels);
                return new Message(false, null, time, List.of(new BookEvent(productId, true, levels)), null);
            }
            case "l2update": {
                final String productId = productId(root.get("product_id"));
                final JsonNode changes = array(root.get("changes"));
                final List<Level> levels = new ArrayList<>();
                for (final JsonNode change : changes) {
                    if (!change.isArray() || change.size() < 3) {
                        throw new BadLine("change is not [side, price, size, ...]");
                    }
                    final String side = text(change.get(0));
                    final boolean bid;
                    if ("buy".equals(side)) {
                        bid = true;
                    } else if ("sell".equals(side)) {
                        bid = false;
                    } else {
                        throw new BadLine("side");
                    }
                    levels.add(new Level(bid, decimal(change.get(1), true), decimal(change.get(2), false)));
                }
                return new Message(false, null, time, List.of(new BookEvent(productId, false, levels)), null);
            }
            case "x-orderbook-gap": {
                final JsonNode reason = root.get("reason");
                return new Message(false, null, time, List.of(), productId(root.get("product_id")),
                        reason != null && reason.isTextual() ? reason.textValue() : "unspecified");
            }
            case "heartbeat":
                productId(root.get("product_id"));
                return new Message(false, null, time, List.of(), null);
            default:
                return new Message(false, null, time, List.of(), null);
        }
    }

    private static void readSnapshotSide(final JsonNode side, final boolean bid, final List<Level> levels)
            throws BadLine {
        for (final JsonNode level : array(side)) {
            if (!level.isArray() || level.size() < 2) {
                throw new BadLine("level is not [price, size, ...]");
            }
            levels.add(new Level(bid, decimal(level.get(0), true), decimal(level.get(1), false)));
        }
    }

    private static Message parseAdvancedTrade(final JsonNode root, final String channel) throws BadLine {
        final JsonNode sequenceNode = root.get("sequence_num");
        final BigInteger sequence = sequenceNode != null && sequenceNode.isIntegralNumber()
                ? sequenceNode.bigIntegerValue() : null;
        final String time = text(root.get("timestamp"));
        if (!"l2_data".equals(channel)) {
            return new Message(true, sequence, time, List.of(), null);
        }
        final List<BookEvent> events = new ArrayList<>();
        for (final JsonNode event : array(root.get("events"))) {
            if (!event.isObject()) {
                throw new BadLine("event is not an object");
            }
            final String type = text(event.get("type"));
            final boolean snapshot;
            if ("snapshot".equals(type)) {
                snapshot = true;
            } else if ("update".equals(type)) {
                snapshot = false;
            } else {
                throw new BadLine("event type");
            }
            final String productId = productId(event.get("product_id"));
            final List<Level> levels = new ArrayList<>();
            for (final JsonNode update : array(event.get("updates"))) {
                if (!update.isObject()) {
                    throw new BadLine("update is not an object");
                }
                final String side = text(update.get("side"));
                final boolean bid;
                if ("bid".equals(side)) {
                    bid = true;
                } else if ("offer".equals(side)) {
                    bid = false;
                } else {
                    throw new BadLine("side");
                }
                levels.add(new Level(bid, decimal(update.get("price_level"), true),
                        decimal(update.get("new_quantity"), false)));
            }
            events.add(new BookEvent(productId, snapshot, levels));
        }
        return new Message(true, sequence, time, events, null);
    }

    private static String text(final JsonNode node) {
        return node != null && node.isTextual() ? node.textValue() : null;
    }

    private static JsonNode array(final JsonNode node) throws BadLine {
        if (node == null || !node.isArray()) {
            throw new BadLine("not an array");
        }
        return node;
    }

    private static String productId(final JsonNode node) throws BadLine {
        final String id = text(node);
        if (id == null || !PRODUCT_ID.matcher(id).matches()) {
            throw new BadLine("product id");
        }
        return id;
    }

    private static BigDecimal decimal(final JsonNode node, final boolean price) throws BadLine {
        final String text = text(node);
        if (text == null || !DECIMAL.matcher(text).matches()) {
            throw new BadLine("not a plain decimal string");
        }
        final BigDecimal value = new BigDecimal(text).stripTrailingZeros();
        if (value.scale() > MAX_DECIMALS) {
            throw new BadLine("too many decimals");
        }
        if (value.compareTo(MAX_DECIMAL) > 0) {
            throw new BadLine("too large");
        }
        if (price && value.signum() <= 0) {
            throw new BadLine("price not positive");
        }
        return value.signum() == 0 ? BigDecimal.ZERO : value;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Results and state, for the test.

    String summaries() {
        return summaries.toString();
    }

    String alerts() {
        return alerts.toString();
    }

    /** Input line number (1-based, blank lines counted) of each summary line. */
    List<Long> summarySources() {
        return Collections.unmodifiableList(summarySources);
    }

    List<Long> alertSources() {
        return Collections.unmodifiableList(alertSources);
    }

    List<Long> badLineNumbers() {
        return Collections.unmodifiableList(badLineNumbers);
    }

    long summaryCount(final State state) {
        return summariesByState.getOrDefault(state, 0L);
    }

    long summaryCount() {
        return summarySources.size();
    }

    long alertCount() {
        return alertSources.size();
    }

    long sequenceGaps() {
        return sequenceGaps;
    }

    long gapMarkers() {
        return gapMarkers;
    }

    long skippedUpdates() {
        return skippedUpdates;
    }

    long appliedChanges() {
        return appliedChanges;
    }

    long lines() {
        return lineNumber;
    }

    /** The last Advanced Trade sequence number seen, or null. */
    BigInteger previousSequence() {
        return previousSequence;
    }

    /** The book of a product, or null if no book event or gap marker named it yet. */
    Top top(final String productId) {
        final Book book = books.get(productId);
        if (book == null) {
            return null;
        }
        return new Top(book.state, book.bids.isEmpty() ? null : book.bids.firstKey(),
                book.asks.isEmpty() ? null : book.asks.firstKey());
    }

    /** The state of a product's book, or null if no book event or gap marker named it yet. */
    State state(final String productId) {
        final Book book = books.get(productId);
        return book == null ? null : book.state;
    }

    /** The prices of one side of a product's book, best first (empty if unknown). */
    List<BigDecimal> prices(final String productId, final boolean bid) {
        final Book book = books.get(productId);
        return book == null ? List.of() : List.copyOf(side(book, bid).keySet());
    }
}
