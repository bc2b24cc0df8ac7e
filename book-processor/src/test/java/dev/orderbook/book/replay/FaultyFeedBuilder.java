package dev.orderbook.book.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Salts a generated feed file with the faults a recorded feed holds: gap markers, old and fresh re-snapshots, a
 * deleted Advanced Trade line (a sequence gap), duplicated and replayed lines, crossing updates, emptied book sides,
 * bad lines of many kinds, and valid lines spelled unusually (escaped strings, whitespace, reordered and unknown
 * fields, odd decimal spellings, unusual times). Every line it writes goes to the {@link ReferenceReplay} at once, so
 * faults can be aimed at the current state of the books (a crossing update needs the current best ask).
 *
 * <p>It also keeps a "true market" book per product (every well-formed generated update applied, whatever the
 * book state), from which it writes fresh snapshots some lines after a book stops being live, so the books come
 * back and the rest of the file keeps testing live books. Deterministic for a seed.
 */
final class FaultyFeedBuilder {
    /** What was injected, counted for the test's coverage checks. */
    enum Fault {
        GAP_MARKER, OLD_SNAPSHOT, FRESH_SNAPSHOT, CROSSING_UPDATE, EMPTIED_SIDE, DELETED_LINE, DUPLICATED_LINE,
        REPLAYED_OLD_LINE, RESTYLED_LINE, BAD_LINE, REPLACED_BY_BAD_LINE, BAD_SNAPSHOT, VALID_VARIANT,
        IGNORED_MESSAGE, BLANK_LINE
    }

    /**
     * Inputs on which the production replay disagrees with the specification (found by this test; see the
     * focused tests in {@link ReplayDifferentialTest}). The builder leaves out those in its {@code avoid} set, so
     * the rest of the comparison can still run while they are open.
     */
    enum Disagreement {
        /** Object keys spelled with JSON escapes (a backslash-u escape inside "product_id") are not recognised. */
        ESCAPED_KEYS,
        /** Exchange sides {@code bid}/{@code offer} and Advanced Trade sides {@code buy}/{@code sell} are accepted. */
        FOREIGN_SIDE_NAMES,
        /** An Advanced Trade {@code l2_data} message without {@code events} is accepted as if it had none. */
        MISSING_EVENTS,
        /** Control characters in {@code time} are escaped unlike Jackson (a tab as backslash-u0009, not \t). */
        CONTROL_CHARACTERS_IN_TIME,
        /** An empty {@code time} string is written as {@code null}. */
        EMPTY_TIME
    }

    private static final String MAX_DECIMAL = "922337203.6854775807";
    private static final String MIN_DECIMAL = "0.0000000001";
    private static final String[] BAD_PRICES = {"1.00000000001", "922337203.6854775808", "1e5", "1E5", "-1", "+1",
        "0", "0.0", "000", "", " 1", "1 ", "1.", ".5", "1,5", "0x10", "\u0661\u0662", "NaN", "Infinity", "-0",
        "1.5.1", "99999999999"};
    private static final String[] BAD_SIZES = {"-0", "-0.5", "1e-3", "abc", "", "99999999999", "0.00000000001",
        "1.5 ", "+0", "NaN", "\u0663", "0.1e1"};
    private static final String[] BAD_EXCHANGE_SIDES = {"BUY", "Buy", "", " buy", "sell ", "ask", "0"};
    private static final String[] FOREIGN_EXCHANGE_SIDES = {"bid", "offer"};
    private static final String[] BAD_ADVANCED_SIDES = {"ask", "BID", "Offer", "", "bid ", "0"};
    private static final String[] FOREIGN_ADVANCED_SIDES = {"buy", "sell"};
    private static final String[] BAD_PRODUCT_IDS = {"btc-usd", "-BTC-USD", "BTC-USD-", "BTC USD", "",
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", "BTC_USD", "BTC-usd", "BTC-USD\n", "\u00c9TH-USD"};
    private static final String[] BAD_EVENT_TYPES = {"snap", "Update", "l2update", "", "SNAPSHOT", "updates"};
    private static final String[] EXOTIC_TIMES = {"", " ", "t\"quoted\"", "back\\slash", "tab\there", "new\nline",
        "ctl\u0001\u001f", "del\u007f", "\u00e9 \u00fc \u4e2d\u6587", "emoji \ud83d\ude00", "</script>",
        "line\u2028sep", "slash/ok", "2026-11-23T19:00:00.123456789Z"};
    private static final String[] EXTRA_FIELD_NAMES = {"x_extra", "client_oid", "meta", "num_orders", "note"};
    private static final String[] NOT_OBJECTS = {"null", "\"x\"", "42", "true", "[]", "[{}]", "-1.5e3"};
    private static final String[] INVALID_JSON = {"{'type':'heartbeat','product_id':'BTC-USD'}",
        "{\"type\":\"heartbeat\",\"product_id\":\"BTC-USD\",}", "{\"type\":\"heartbeat\" \"product_id\":\"BTC-USD\"}",
        "{\"type\":\"ticker\",\"x\":tru}", "{\"type\":\"ticker\",\"x\":NaN}", "{\"type\":\"ticker\",\"x\":01}",
        "{\"type\":\"ticker\",\"x\":1.}", "{\"type\":\"ticker\",\"x\":}", "{\"type\":\"ticker\"/*c*/}",
        "{\"type\":\"ticker\",\"x\":[1,]}", "{\"type\":\"ticker\",\"x\":\"\\x41\"}",
        "{\"type\":\"ticker\",\"x\":\"\\u12G4\"}",
        "{\"type\":\"ticker\",\"x\":\"unterminated}", "{\"type\":\"ticker\"]", "{type:\"ticker\"}", "{", "}",
        "{\"type\":\"ticker\",\"x\":+1}", "{\"type\":\"ticker\",\"x\":.5}"};
    private static final int RECENT_LINES = 200;
    private static final int MAX_EMPTIED_LEVELS = 2_000;
    private static final int MAX_HEAL_DELAY_LINES = 300;

    private final boolean advancedTrade;
    private final Set<Disagreement> avoid;
    private final String[] exoticTimes;
    private final List<String> productIds;
    private final ReferenceReplay reference;
    private final SplittableRandom random;
    private final StringBuilder feed = new StringBuilder(1 << 24);
    private final Map<String, TrueBook> trueBooks = new LinkedHashMap<>();
    private final Map<String, String> firstSnapshots = new HashMap<>();
    private final Map<String, Long> healAt = new LinkedHashMap<>();
    private final ArrayDeque<String> recent = new ArrayDeque<>();
    private final Map<Fault, Long> faults = new EnumMap<>(Fault.class);
    private String lastTime = "2026-11-23T19:00:00.000000Z";
    private boolean warmedUp;

    /** Both sides of the true market book of a product. */
    private static final class TrueBook {
        final TreeMap<BigDecimal, BigDecimal> bids = new TreeMap<>(Comparator.reverseOrder());
        final TreeMap<BigDecimal, BigDecimal> asks = new TreeMap<>();
    }

    /** One level change to write: side, price and size as wire strings. */
    private record Change(boolean bid, String price, String size) {
    }

    /** How to spell a JSON value: escape share of string characters, whitespace, field order. */
    private record Style(double escapeShare, boolean spaces, boolean shuffle) {
        static final Style COMPACT = new Style(0, false, false);
    }

    /**
     * @param avoid the known disagreements whose inputs to leave out
     * @param seed  of every random choice
     */
    FaultyFeedBuilder(final boolean advancedTrade, final List<String> productIds, final ReferenceReplay reference,
                      final Set<Disagreement> avoid, final long seed) {
        this.advancedTrade = advancedTrade;
        this.avoid = Set.copyOf(avoid);
        final boolean controlCharacters = !avoid.contains(Disagreement.CONTROL_CHARACTERS_IN_TIME);
        final boolean empty = !avoid.contains(Disagreement.EMPTY_TIME);
        this.exoticTimes = Arrays.stream(EXOTIC_TIMES)
                .filter(t -> controlCharacters || t.chars().allMatch(c -> c >= 0x20))
                .filter(t -> empty || !t.isEmpty())
                .toArray(String[]::new);
        this.productIds = List.copyOf(productIds);
        this.reference = reference;
        this.random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + 17);
        for (final String id : productIds) {
            trueBooks.put(id, new TrueBook());
        }
    }

    /** Writes the faulty feed for the generated lines (no line ends); returns it as NDJSON text. */
    String build(final List<String> generated) {
        for (int i = 0; i < generated.size(); i++) {
            final String line = generated.get(i);
            final ReferenceReplay.Message message = ReferenceReplay.parseOrNull(line);
            if (!warmedUp) {
                emitOriginal(line, message);
                remember(line, message);
                warmedUp = productIds.stream().allMatch(id -> reference.state(id) != null);
                continue;
            }
            healDue(i);
            injectAround(line, message);
            remember(line, message);
            scheduleHeals(i);
        }
        return feed.toString();
    }

    Map<Fault, Long> faults() {
        return faults;
    }

    long count(final Fault fault) {
        return faults.getOrDefault(fault, 0L);
    }

    private void tally(final Fault fault, final long n) {
        faults.merge(fault, n, Long::sum);
    }

    private void emit(final String line) {
        feed.append(line).append('\n');
        reference.accept(line);
    }

    /** Writes a generated line unchanged; {@code message} is the reference's reading of it. */
    private void emitOriginal(final String line, final ReferenceReplay.Message message) {
        feed.append(line).append('\n');
        reference.accept(line, message);
    }

    private void injectAround(final String line, final ReferenceReplay.Message message) {
        final boolean bookUpdate = isBookUpdate(message);
        final double r = random.nextDouble();
        double p = 0;
        if (r < (p += 0.002)) {
            emit(gapMarker());
            tally(Fault.GAP_MARKER, 1);
            emitOriginal(line, message);
        } else if (r < (p += 0.0007)) {
            emit(oldSnapshot(pick(productIds)));
            tally(Fault.OLD_SNAPSHOT, 1);
            emitOriginal(line, message);
        } else if (r < (p += 0.0015)) {
            crossingUpdate(pick(productIds));
            emitOriginal(line, message);
        } else if (r < (p += 0.0003)) {
            emptySide(pick(productIds));
            emitOriginal(line, message);
        } else if (r < (p += advancedTrade ? 0.0006 : 0.0002)) {
            if (message != null && (advancedTrade || bookUpdate)) {
                tally(Fault.DELETED_LINE, 1);
            } else {
                emitOriginal(line, message);
            }
        } else if (r < (p += 0.003)) {
            emitOriginal(line, message);
            emitOriginal(line, message);
            tally(Fault.DUPLICATED_LINE, 1);
        } else if (r < (p += 0.0005) && !recent.isEmpty()) {
            emit(pickRecent());
            tally(Fault.REPLAYED_OLD_LINE, 1);
            emitOriginal(line, message);
        } else if (r < (p += 0.01)) {
            emit(restyle(line));
            tally(Fault.RESTYLED_LINE, 1);
        } else if (r < (p += 0.006)) {
            emit(badLine(line, message));
            tally(Fault.BAD_LINE, 1);
            emitOriginal(line, message);
        } else if (r < (p += 0.0008)) {
            emit(badLine(line, message));
            tally(Fault.REPLACED_BY_BAD_LINE, 1);
        } else if (r < (p += 0.0005)) {
            emit(badSnapshot(pick(productIds)));
            tally(Fault.BAD_SNAPSHOT, 1);
            emitOriginal(line, message);
        } else if (r < (p += 0.004) && bookUpdate) {
            emit(validVariant(line));
            tally(Fault.VALID_VARIANT, 1);
        } else if (r < (p += 0.002)) {
            emit(ignoredMessage());
            tally(Fault.IGNORED_MESSAGE, 1);
            emitOriginal(line, message);
        } else if (r < (p += 0.001)) {
            emit(pick(new String[] {"", " ", "\t \t", "\r", "  \r"}));
            tally(Fault.BLANK_LINE, 1);
            emitOriginal(line, message);
        } else {
            emitOriginal(line, message);
        }
    }

    private static boolean isBookUpdate(final ReferenceReplay.Message message) {
        return message != null && !message.events().isEmpty()
                && message.events().stream().noneMatch(ReferenceReplay.BookEvent::snapshot);
    }

    /** Keeps the true market, the latest time, the first snapshot per product and the recent lines. */
    private void remember(final String line, final ReferenceReplay.Message message) {
        recent.addLast(line);
        if (recent.size() > RECENT_LINES) {
            recent.removeFirst();
        }
        if (message == null) {
            return;
        }
        if (message.time() != null) {
            lastTime = message.time();
        }
        for (final ReferenceReplay.BookEvent event : message.events()) {
            final TrueBook book = trueBooks.computeIfAbsent(event.productId(), id -> new TrueBook());
            if (event.snapshot()) {
                firstSnapshots.putIfAbsent(event.productId(), line);
                book.bids.clear();
                book.asks.clear();
            }
            for (final ReferenceReplay.Level level : event.levels()) {
                final TreeMap<BigDecimal, BigDecimal> side = level.bid() ? book.bids : book.asks;
                if (level.size().signum() == 0) {
                    side.remove(level.price());
                } else {
                    side.put(level.price(), level.size());
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Bringing books back: a fresh snapshot of the true market some lines after a book stops being live.

    private void scheduleHeals(final long lineIndex) {
        for (final String id : productIds) {
            if (reference.state(id) != ReferenceReplay.State.LIVE && !healAt.containsKey(id)) {
                healAt.put(id, lineIndex + 2 + random.nextInt(MAX_HEAL_DELAY_LINES));
            }
        }
    }

    private void healDue(final long lineIndex) {
        final List<String> due = new ArrayList<>();
        for (final Iterator<Map.Entry<String, Long>> it = healAt.entrySet().iterator(); it.hasNext(); ) {
            final Map.Entry<String, Long> entry = it.next();
            if (entry.getValue() <= lineIndex) {
                due.add(entry.getKey());
                it.remove();
            }
        }
        if (due.isEmpty()) {
            return;
        }
        if (advancedTrade && due.size() > 1 && random.nextBoolean()) {
            final ArrayNode events = ReferenceReplay.MAPPER.createArrayNode();
            for (final String id : due) {
                events.add(advancedSnapshotEvent(id, freshLevels(id)));
            }
            if (random.nextBoolean()) {
                // An update right after the snapshots in the same message: applied if the snapshot left the book live.
                final TrueBook book = trueBooks.get(due.get(0));
                events.add(advancedUpdateEvent(due.get(0), List.of(new Change(true,
                        book.bids.firstKey().toPlainString(), "0.12345"))));
            }
            emit(maybeRestyle(advancedEnvelope("l2_data", events)));
            tally(Fault.FRESH_SNAPSHOT, due.size());
            return;
        }
        for (final String id : due) {
            emit(maybeRestyle(freshSnapshot(id)));
            tally(Fault.FRESH_SNAPSHOT, 1);
        }
    }

    /** The true market's levels of a product, now and then spelled with the quirks a snapshot may have. */
    private List<Change> freshLevels(final String productId) {
        final TrueBook book = trueBooks.get(productId);
        final List<Change> levels = new ArrayList<>();
        final boolean dropBids = random.nextInt(50) == 0;
        final boolean dropAsks = !dropBids && random.nextInt(50) == 0;
        if (!dropBids) {
            book.bids.forEach((price, size) -> levels.add(new Change(true, price.toPlainString(),
                    size.toPlainString())));
        }
        if (!dropAsks) {
            book.asks.forEach((price, size) -> levels.add(new Change(false, price.toPlainString(),
                    size.toPlainString())));
        }
        if (random.nextInt(30) == 0 && !dropAsks) {
            // A bid at the best ask: the snapshot itself is crossed.
            levels.add(new Change(true, book.asks.firstKey().toPlainString(), "1"));
        }
        if (random.nextInt(4) == 0) {
            // Zero-size levels (skipped) at prices that are not in the book.
            levels.add(new Change(true, MIN_DECIMAL, "0"));
            levels.add(new Change(false, MAX_DECIMAL, "0.000"));
        }
        if (random.nextInt(4) == 0 && !levels.isEmpty()) {
            // The same price twice, spelled differently: the last one wins.
            final Change first = levels.get(0);
            levels.add(new Change(first.bid(), first.price() + (first.price().contains(".") ? "00" : ".0"),
                    pick(new String[] {"7.5", "0.001", "123"})));
        }
        if (random.nextInt(4) == 0) {
            shuffle(levels);
        }
        return levels;
    }

    private String freshSnapshot(final String productId) {
        final List<Change> levels = freshLevels(productId);
        if (advancedTrade) {
            final ArrayNode events = ReferenceReplay.MAPPER.createArrayNode();
            events.add(advancedSnapshotEvent(productId, levels));
            return advancedEnvelope("l2_data", events);
        }
        return exchangeSnapshot(productId, levels, random.nextInt(4) == 0);
    }

    private String exchangeSnapshot(final String productId, final List<Change> levels, final boolean withTime) {
        final ObjectNode root = ReferenceReplay.MAPPER.createObjectNode();
        root.put("type", "snapshot");
        root.put("product_id", productId);
        final ArrayNode bids = root.putArray("bids");
        final ArrayNode asks = root.putArray("asks");
        for (final Change level : levels) {
            final ArrayNode entry = (level.bid() ? bids : asks).addArray().add(level.price()).add(level.size());
            if (random.nextInt(100) == 0) {
                entry.add("3");
            }
        }
        if (withTime) {
            root.put("time", lastTime);
        }
        return compact(root);
    }

    private ObjectNode advancedSnapshotEvent(final String productId, final List<Change> levels) {
        final ObjectNode event = ReferenceReplay.MAPPER.createObjectNode();
        event.put("type", "snapshot");
        event.put("product_id", productId);
        final ArrayNode updates = event.putArray("updates");
        for (final Change level : levels) {
            updates.add(advancedUpdate(level));
        }
        return event;
    }

    private ObjectNode advancedUpdateEvent(final String productId, final List<Change> changes) {
        final ObjectNode event = ReferenceReplay.MAPPER.createObjectNode();
        event.put("type", "update");
        event.put("product_id", productId);
        final ArrayNode updates = event.putArray("updates");
        for (final Change change : changes) {
            updates.add(advancedUpdate(change));
        }
        return event;
    }

    private ObjectNode advancedUpdate(final Change change) {
        final ObjectNode update = ReferenceReplay.MAPPER.createObjectNode();
        update.put("side", change.bid() ? "bid" : "offer");
        update.put("event_time", lastTime);
        update.put("price_level", change.price());
        update.put("new_quantity", change.size());
        return update;
    }

    /** An Advanced Trade message numbered like the last one: it makes no sequence gap. */
    private String advancedEnvelope(final String channel, final ArrayNode events) {
        final ObjectNode root = ReferenceReplay.MAPPER.createObjectNode();
        root.put("channel", channel);
        root.put("timestamp", lastTime);
        final BigInteger sequence = reference.previousSequence();
        root.put("sequence_num", sequence == null ? BigInteger.ZERO : sequence);
        root.set("events", events);
        return compact(root);
    }

    private String updateMessage(final String productId, final List<Change> changes) {
        if (advancedTrade) {
            final ArrayNode events = ReferenceReplay.MAPPER.createArrayNode();
            events.add(advancedUpdateEvent(productId, changes));
            return advancedEnvelope("l2_data", events);
        }
        final ObjectNode root = ReferenceReplay.MAPPER.createObjectNode();
        root.put("type", "l2update");
        root.put("product_id", productId);
        final ArrayNode array = root.putArray("changes");
        for (final Change change : changes) {
            array.addArray().add(change.bid() ? "buy" : "sell").add(change.price()).add(change.size());
        }
        root.put("time", lastTime);
        return compact(root);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Continuity faults.

    private String gapMarker() {
        final String productId = pick(productIds);
        final ObjectNode root = ReferenceReplay.MAPPER.createObjectNode();
        switch (random.nextInt(3)) {
            case 0:
                root.put("type", "x-orderbook-gap");
                root.put("product_id", productId);
                root.put("reason", "test");
                break;
            case 1:
                root.put("reason", "test");
                root.put("product_id", productId);
                root.put("time", lastTime);
                root.put("type", "x-orderbook-gap");
                break;
            default:
                root.put("type", "x-orderbook-gap");
                root.put("product_id", productId);
                root.put("reason", "sequence gap \"detected\"");
                root.put("time", pick(exoticTimes));
                root.set(pick(EXTRA_FIELD_NAMES), extraValue());
                break;
        }
        return styled(root, randomStyle());
    }

    /** The first snapshot of a product again: valid but old. */
    private String oldSnapshot(final String productId) {
        final String line = firstSnapshots.get(productId);
        if (!advancedTrade || random.nextInt(10) < 3) {
            return line; // verbatim; on Advanced Trade its old sequence_num makes the next message a gap
        }
        final ObjectNode root = (ObjectNode) readTree(line);
        final BigInteger sequence = reference.previousSequence();
        root.put("sequence_num", sequence == null ? BigInteger.ZERO : sequence);
        root.put("timestamp", lastTime);
        return compact(root);
    }

    /** An update that sets a bid at or above the best ask (or the reverse), aimed at the reference's book. */
    private void crossingUpdate(final String productId) {
        final ReferenceReplay.Top top = reference.top(productId);
        if (top == null || top.state() != ReferenceReplay.State.LIVE || top.bestBid() == null
                || top.bestAsk() == null) {
            return;
        }
        final String bestBid = top.bestBid().toPlainString();
        final String bestAsk = top.bestAsk().toPlainString();
        final List<Change> changes;
        switch (random.nextInt(5)) {
            case 0:
                changes = List.of(new Change(true, bestAsk, "0.5"));
                break;
            case 1:
                changes = List.of(new Change(false, bestBid, "0.25"));
                break;
            case 2:
                changes = List.of(new Change(true, top.bestAsk().add(BigDecimal.ONE).toPlainString(), "2"));
                break;
            case 3:
                // Crosses, then uncrosses within the same message: not crossed after the message.
                changes = List.of(new Change(true, bestAsk, "1"), new Change(true, bestAsk, "0"));
                break;
            default:
                // An ask at the best bid, then that bid removed: a narrow but valid book.
                changes = List.of(new Change(false, bestBid, "1"), new Change(true, bestBid, "0.000"));
                break;
        }
        emit(updateMessage(productId, changes));
        tally(Fault.CROSSING_UPDATE, 1);
    }

    /** Every level of one side removed in one message (zero spelled several ways). */
    private void emptySide(final String productId) {
        if (reference.state(productId) != ReferenceReplay.State.LIVE) {
            return;
        }
        final boolean bid = random.nextBoolean();
        final List<BigDecimal> prices = reference.prices(productId, bid);
        if (prices.isEmpty() || prices.size() > MAX_EMPTIED_LEVELS) {
            return;
        }
        final List<Change> changes = new ArrayList<>();
        for (final BigDecimal price : prices) {
            changes.add(new Change(bid, price.toPlainString(), pick(new String[] {"0", "0.0", "0.00000000"})));
        }
        emit(updateMessage(productId, changes));
        tally(Fault.EMPTIED_SIDE, 1);
    }

    private String pickRecent() {
        final int skip = random.nextInt(recent.size());
        final Iterator<String> it = recent.iterator();
        for (int i = 0; i < skip; i++) {
            it.next();
        }
        return it.next();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Bad lines: each one is bad for a single, clear reason of the specification.

    private String badLine(final String line, final ReferenceReplay.Message message) {
        if (isBookUpdate(message) && random.nextInt(4) != 0) {
            final ObjectNode root = (ObjectNode) readTree(line);
            if (advancedTrade) {
                corruptAdvancedUpdate(root);
                if (random.nextInt(3) == 0) {
                    // A bad line's sequence number must not count: this one would be a gap.
                    final BigInteger sequence = reference.previousSequence();
                    root.put("sequence_num", (sequence == null ? BigInteger.ZERO : sequence)
                            .add(BigInteger.valueOf(7)));
                }
            } else {
                corruptExchangeUpdate(root);
            }
            return styled(root, random.nextInt(3) == 0 ? randomStyle() : Style.COMPACT);
        }
        return genericBadLine(line);
    }

    private void corruptExchangeUpdate(final ObjectNode root) {
        final ArrayNode changes = (ArrayNode) root.get("changes");
        // Mostly the last change: nothing before it may be applied either.
        final int k = random.nextBoolean() ? changes.size() - 1 : random.nextInt(changes.size());
        final ArrayNode change = (ArrayNode) changes.get(k);
        switch (random.nextInt(9)) {
            case 0:
                change.set(1, TextNode.valueOf(pick(BAD_PRICES)));
                break;
            case 1:
                change.set(2, TextNode.valueOf(pick(BAD_SIZES)));
                break;
            case 2:
                change.set(1, nonString());
                break;
            case 3:
                change.set(2, nonString());
                break;
            case 4:
                change.set(0, random.nextInt(4) == 0 ? nonString() : TextNode.valueOf(badSide(BAD_EXCHANGE_SIDES,
                        FOREIGN_EXCHANGE_SIDES)));
                break;
            case 5:
                if (random.nextBoolean()) {
                    while (change.size() > random.nextInt(3)) {
                        change.remove(change.size() - 1);
                    }
                } else {
                    changes.set(k, pick(new JsonNode[] {TextNode.valueOf("buy"), IntNode.valueOf(1),
                        ReferenceReplay.MAPPER.createObjectNode().put("side", "buy"), NullNode.getInstance()}));
                }
                break;
            case 6:
                badProductId(root);
                break;
            case 7:
                if (random.nextBoolean()) {
                    root.remove("changes");
                } else {
                    root.set("changes", pick(new JsonNode[] {TextNode.valueOf("x"), NullNode.getInstance(),
                        ReferenceReplay.MAPPER.createObjectNode(), IntNode.valueOf(3)}));
                }
                break;
            default:
                if (random.nextBoolean()) {
                    root.remove("type");
                } else {
                    root.set("type", pick(new JsonNode[] {IntNode.valueOf(5), NullNode.getInstance(),
                        BooleanNode.TRUE}));
                }
                break;
        }
    }

    private void corruptAdvancedUpdate(final ObjectNode root) {
        final ArrayNode events = (ArrayNode) root.get("events");
        final int e = random.nextInt(events.size());
        final ObjectNode event = (ObjectNode) events.get(e);
        final ArrayNode updates = (ArrayNode) event.get("updates");
        final int kind = updates.isEmpty() ? 6 + random.nextInt(5) : random.nextInt(11);
        final int k = updates.isEmpty() ? 0
                : random.nextBoolean() ? updates.size() - 1 : random.nextInt(updates.size());
        switch (kind) {
            case 0:
                ((ObjectNode) updates.get(k)).put("price_level", pick(BAD_PRICES));
                break;
            case 1:
                ((ObjectNode) updates.get(k)).put("new_quantity", pick(BAD_SIZES));
                break;
            case 2:
                ((ObjectNode) updates.get(k)).set("price_level", nonString());
                break;
            case 3:
                ((ObjectNode) updates.get(k)).set("new_quantity", nonString());
                break;
            case 4:
                ((ObjectNode) updates.get(k)).set("side", random.nextInt(4) == 0 ? nonString()
                        : TextNode.valueOf(badSide(BAD_ADVANCED_SIDES, FOREIGN_ADVANCED_SIDES)));
                break;
            case 5:
                if (random.nextBoolean()) {
                    ((ObjectNode) updates.get(k)).remove(pick(new String[] {"side", "price_level", "new_quantity"}));
                } else {
                    updates.set(k, pick(new JsonNode[] {TextNode.valueOf("bid"), IntNode.valueOf(1),
                        ReferenceReplay.MAPPER.createArrayNode().add("bid").add("1").add("1")}));
                }
                break;
            case 6:
                badProductId(event);
                break;
            case 7:
                if (random.nextBoolean()) {
                    event.remove("type");
                } else {
                    event.set("type", random.nextInt(4) == 0 ? nonString() : TextNode.valueOf(pick(BAD_EVENT_TYPES)));
                }
                break;
            case 8:
                if (random.nextBoolean() && !avoid.contains(Disagreement.MISSING_EVENTS)) {
                    root.remove("events");
                } else if (random.nextBoolean()) {
                    root.set("events", pick(new JsonNode[] {TextNode.valueOf("x"), NullNode.getInstance(),
                        ReferenceReplay.MAPPER.createObjectNode()}));
                } else {
                    events.set(e, pick(new JsonNode[] {TextNode.valueOf("update"), IntNode.valueOf(1),
                        ReferenceReplay.MAPPER.createArrayNode()}));
                }
                break;
            case 9:
                if (random.nextBoolean()) {
                    event.remove("updates");
                } else {
                    event.set("updates", pick(new JsonNode[] {TextNode.valueOf("x"), NullNode.getInstance(),
                        ReferenceReplay.MAPPER.createObjectNode()}));
                }
                break;
            default:
                // Neither a string channel nor a type.
                root.set("channel", pick(new JsonNode[] {IntNode.valueOf(5), NullNode.getInstance(),
                    ReferenceReplay.MAPPER.createArrayNode().add("l2_data")}));
                break;
        }
    }

    private String badSide(final String[] bad, final String[] foreign) {
        return avoid.contains(Disagreement.FOREIGN_SIDE_NAMES) || random.nextBoolean() ? pick(bad) : pick(foreign);
    }

    private void badProductId(final ObjectNode node) {
        if (random.nextInt(4) == 0) {
            if (random.nextBoolean()) {
                node.remove("product_id");
            } else {
                node.set("product_id", nonString());
            }
        } else {
            node.put("product_id", pick(BAD_PRODUCT_IDS));
        }
    }

    private JsonNode nonString() {
        return pick(new JsonNode[] {IntNode.valueOf(100), DecimalNode.valueOf(new BigDecimal("100.5")),
            NullNode.getInstance(), BooleanNode.TRUE, ReferenceReplay.MAPPER.createArrayNode().add("1"),
            ReferenceReplay.MAPPER.createObjectNode().put("value", "1")});
    }

    private String genericBadLine(final String line) {
        final String productId = pick(productIds);
        switch (random.nextInt(9)) {
            case 0:
                return pick(NOT_OBJECTS);
            case 1:
                return line.startsWith("{") ? "[" + line + "]" : "[1]";
            case 2:
                return line + pick(new String[] {" x", "}", "{}", ",", " 1", "]", " null"});
            case 3:
                return line.substring(0, 1 + random.nextInt(Math.max(1, line.length() - 1)));
            case 4:
                // A raw control character inside a string is not JSON.
                return "{\"type\":\"heartbeat\",\"product_id\":\"" + productId + "\",\"time\":\"a"
                        + pick(new String[] {"\t", "\u0001", "\u001f", "\b"}) + "b\"}";
            case 5:
                return pick(INVALID_JSON);
            case 6:
                return styled(ReferenceReplay.MAPPER.createObjectNode().put("product_id", productId)
                        .put("reason", "neither type nor channel"), randomStyle());
            case 7:
                final ObjectNode heartbeat = ReferenceReplay.MAPPER.createObjectNode().put("type", "heartbeat")
                        .put("sequence", 1).put("last_trade_id", 1).put("time", lastTime);
                badProductId(heartbeat);
                return styled(heartbeat, randomStyle());
            default:
                final ObjectNode gap = ReferenceReplay.MAPPER.createObjectNode().put("type", "x-orderbook-gap")
                        .put("reason", "test");
                badProductId(gap);
                return styled(gap, randomStyle());
        }
    }

    /** A snapshot of the true market with one bad level: the whole snapshot must be dropped. */
    private String badSnapshot(final String productId) {
        final List<Change> levels = freshLevels(productId);
        if (levels.isEmpty()) {
            levels.add(new Change(true, "1", "1"));
        }
        final int k = random.nextInt(levels.size());
        final Change level = levels.get(k);
        // A bad price only on a level with a size; a bad size anywhere.
        final boolean zeroSize = new BigDecimal(level.size()).signum() == 0;
        levels.set(k, random.nextBoolean() && !zeroSize ? new Change(level.bid(), pick(BAD_PRICES), level.size())
                : new Change(level.bid(), level.price(), pick(BAD_SIZES)));
        if (advancedTrade) {
            final ArrayNode events = ReferenceReplay.MAPPER.createArrayNode();
            events.add(advancedSnapshotEvent(productId, levels));
            return advancedEnvelope("l2_data", events);
        }
        return exchangeSnapshot(productId, levels, random.nextBoolean());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Valid lines spelled unusually, and messages that must be ignored.

    private String validVariant(final String line) {
        final ObjectNode root = (ObjectNode) readTree(line);
        final String timeField = advancedTrade ? "timestamp" : "time";
        switch (random.nextInt(5)) {
            case 0:
                forEachChange(root, this::respell);
                break;
            case 1:
                addExtras(root);
                break;
            case 2:
                root.remove(timeField);
                break;
            case 3:
                root.put(timeField, pick(exoticTimes));
                break;
            default:
                appendExtremeLevel(root);
                break;
        }
        return random.nextBoolean() ? styled(root, randomStyle()) : compact(root);
    }

    /** Calls {@code action} with every change of an update line: an Exchange array or an Advanced Trade object. */
    private void forEachChange(final ObjectNode root, final Consumer<JsonNode> action) {
        if (advancedTrade) {
            for (final JsonNode event : root.get("events")) {
                for (final JsonNode update : event.get("updates")) {
                    action.accept(update);
                }
            }
        } else {
            for (final JsonNode change : root.get("changes")) {
                action.accept(change);
            }
        }
    }

    private void respell(final JsonNode change) {
        if (random.nextBoolean()) {
            return;
        }
        if (change instanceof ArrayNode) {
            final ArrayNode array = (ArrayNode) change;
            array.set(1, TextNode.valueOf(respell(array.get(1).textValue())));
            array.set(2, TextNode.valueOf(respell(array.get(2).textValue())));
        } else {
            final ObjectNode object = (ObjectNode) change;
            object.put("price_level", respell(object.get("price_level").textValue()));
            object.put("new_quantity", respell(object.get("new_quantity").textValue()));
        }
    }

    /** The same value spelled with leading zeros and/or trailing zeros beyond 10 decimal places. */
    private String respell(final String decimal) {
        final int kind = random.nextInt(3);
        String out = decimal;
        if (kind != 1) {
            final int decimals = out.contains(".") ? out.length() - out.indexOf('.') - 1 : 0;
            out = (decimals == 0 ? out + "." : out) + "0".repeat(Math.max(1, 11 + random.nextInt(8) - decimals));
        }
        if (kind != 0) {
            out = "0".repeat(1 + random.nextInt(3)) + out;
        }
        return out;
    }

    private void addExtras(final ObjectNode root) {
        root.set(pick(EXTRA_FIELD_NAMES), extraValue());
        if (advancedTrade) {
            final JsonNode event = root.get("events").get(0);
            ((ObjectNode) event).set(pick(EXTRA_FIELD_NAMES), extraValue());
            forEachChange(root, update -> {
                if (random.nextInt(3) == 0) {
                    ((ObjectNode) update).set(pick(EXTRA_FIELD_NAMES), extraValue());
                }
            });
        } else {
            forEachChange(root, change -> {
                if (random.nextInt(3) == 0) {
                    ((ArrayNode) change).add(pick(new String[] {"", "3", "x", "{}"}));
                }
            });
        }
    }

    private JsonNode extraValue() {
        switch (random.nextInt(6)) {
            case 0:
                return TextNode.valueOf("}]\",\\{ \"type\":\"snapshot\"");
            case 1:
                final ObjectNode nested = ReferenceReplay.MAPPER.createObjectNode();
                nested.putArray("a").add("}").add("]").addObject().putNull("b").put("c", true).put("d", -0.0015);
                nested.putObject("e");
                nested.put("channel", "l2_data");
                return nested;
            case 2:
                return BigIntegerNode.valueOf(new BigInteger("123456789012345678901234567890"));
            case 3:
                return DoubleNode.valueOf(random.nextBoolean() ? -0.0015 : 1.5e300);
            case 4:
                return random.nextBoolean() ? ReferenceReplay.MAPPER.createArrayNode()
                        : ReferenceReplay.MAPPER.createObjectNode();
            default:
                final ArrayNode arrays = ReferenceReplay.MAPPER.createArrayNode();
                arrays.addArray().addArray().add("x");
                arrays.addArray();
                return arrays;
        }
    }

    /** A level at the smallest or largest representable price (deep in the book; size zero removes nothing). */
    private void appendExtremeLevel(final ObjectNode root) {
        final boolean bid = random.nextBoolean();
        final Change change = bid ? new Change(true, MIN_DECIMAL, pick(new String[] {"1", MIN_DECIMAL, "0"}))
                : new Change(false, MAX_DECIMAL, pick(new String[] {"0", MIN_DECIMAL, MAX_DECIMAL}));
        if (advancedTrade) {
            ((ArrayNode) root.get("events").get(0).get("updates")).add(advancedUpdate(change));
        } else {
            ((ArrayNode) root.get("changes")).addArray().add(bid ? "buy" : "sell").add(change.price())
                    .add(change.size());
        }
    }

    private String ignoredMessage() {
        final String productId = pick(productIds);
        final List<String> options = new ArrayList<>(List.of(
                "{\"type\":\"ticker\",\"product_id\":\"" + productId + "\",\"price\":\"1.5\"}",
                "{\"type\":\"error\",\"message\":\"Failed to subscribe\",\"reason\":\"test\"}",
                "{\"type\":\"heartbeat\",\"sequence\":1,\"last_trade_id\":1,\"product_id\":\"ZZZ-USD\",\"time\":\"t\"}",
                "{\"type\":\"subscriptions\",\"channels\":[]}",
                "{\"type\":\"status\",\"products\":[{\"id\":\"" + productId + "\",\"status\":\"online\"}]}"));
        if (!advancedTrade) {
            options.add("{\"type\":\"l2update\",\"product_id\":\"" + productId + "\",\"changes\":[],\"time\":\""
                    + lastTime + "\"}");
            return styled(readTree(pick(options)), randomStyle());
        }
        final ArrayNode tickers = ReferenceReplay.MAPPER.createArrayNode();
        tickers.addObject().put("type", "update").putArray("tickers");
        final ArrayNode emptyUpdate = ReferenceReplay.MAPPER.createArrayNode();
        emptyUpdate.addObject().put("type", "update").put("product_id", productId).putArray("updates");
        final ArrayNode heartbeat = ReferenceReplay.MAPPER.createArrayNode();
        heartbeat.addObject().put("current_time", "x").put("heartbeat_counter", 1);
        options.add(advancedEnvelope("ticker", tickers));
        options.add(advancedEnvelope("l2_data", ReferenceReplay.MAPPER.createArrayNode()));
        options.add(advancedEnvelope("l2_data", emptyUpdate));
        options.add(advancedEnvelope("heartbeats", heartbeat));
        options.add(advancedEnvelope("subscriptions", ReferenceReplay.MAPPER.createArrayNode()));
        return styled(readTree(pick(options)), randomStyle());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Writing JSON in unusual but valid spellings: escaped characters, whitespace, any field order. One line.

    private String restyle(final String line) {
        final JsonNode root;
        try {
            root = ReferenceReplay.MAPPER.readTree(line);
        } catch (final JsonProcessingException e) {
            return line; // a generated bad line that is not JSON: keep it
        }
        if (random.nextInt(4) == 0 && root.isObject()) {
            addExtrasAnywhere((ObjectNode) root);
        }
        final StringBuilder out = new StringBuilder(line.length() * 2);
        if (random.nextInt(5) == 0) {
            out.append(pick(new String[] {" ", "\t", "  \t"}));
        }
        write(root, out, randomStyle());
        if (random.nextInt(5) == 0) {
            out.append(pick(new String[] {" ", "\t", "\r", " \r"}));
        }
        return out.toString();
    }

    private String maybeRestyle(final String line) {
        return random.nextInt(5) == 0 ? restyle(line) : line;
    }

    private void addExtrasAnywhere(final ObjectNode root) {
        root.set(pick(EXTRA_FIELD_NAMES), extraValue());
        final JsonNode events = root.get("events");
        if (events != null && events.isArray() && !events.isEmpty() && events.get(0).isObject()) {
            ((ObjectNode) events.get(0)).set(pick(EXTRA_FIELD_NAMES), extraValue());
        }
    }

    private Style randomStyle() {
        return new Style(pick(new Double[] {0.0, 0.03, 0.15, 0.6}), random.nextBoolean(), random.nextBoolean());
    }

    private String styled(final JsonNode node, final Style style) {
        final StringBuilder out = new StringBuilder(256);
        write(node, out, style);
        return out.toString();
    }

    private static String compact(final JsonNode node) {
        try {
            return ReferenceReplay.MAPPER.writeValueAsString(node);
        } catch (final JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode readTree(final String line) {
        try {
            return ReferenceReplay.MAPPER.readTree(line);
        } catch (final JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(final JsonNode node, final StringBuilder out, final Style style) {
        if (node.isObject()) {
            final List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            if (style.shuffle()) {
                shuffle(names);
            }
            out.append('{');
            for (int i = 0; i < names.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                space(out, style);
                writeString(names.get(i), out, avoid.contains(Disagreement.ESCAPED_KEYS) ? Style.COMPACT : style);
                space(out, style);
                out.append(':');
                space(out, style);
                write(node.get(names.get(i)), out, style);
                space(out, style);
            }
            out.append('}');
        } else if (node.isArray()) {
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                if (i > 0) {
                    out.append(',');
                }
                space(out, style);
                write(node.get(i), out, style);
                space(out, style);
            }
            out.append(']');
        } else if (node.isTextual()) {
            writeString(node.textValue(), out, style);
        } else {
            out.append(node); // numbers, booleans, null: their JSON text
        }
    }

    private void space(final StringBuilder out, final Style style) {
        if (style.spaces() && random.nextInt(3) == 0) {
            out.append(pick(new String[] {" ", "\t", "  ", " \t "}));
        }
    }

    private void writeString(final String value, final StringBuilder out, final Style style) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < value.length()) {
                // A surrogate pair is escaped whole or not at all (a lone half is not valid UTF-8).
                final char low = value.charAt(++i);
                if (style.escapeShare() > 0 && random.nextDouble() < style.escapeShare()) {
                    unicodeEscape(c, out);
                    unicodeEscape(low, out);
                } else {
                    out.append(c).append(low);
                }
            } else if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                final String shortEscape = shortEscape(c);
                if (shortEscape != null && random.nextBoolean()) {
                    out.append(shortEscape);
                } else {
                    unicodeEscape(c, out);
                }
            } else if (style.escapeShare() > 0 && random.nextDouble() < style.escapeShare()) {
                if (c == '/' && random.nextBoolean()) {
                    out.append("\\/");
                } else {
                    unicodeEscape(c, out);
                }
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    private void unicodeEscape(final char c, final StringBuilder out) {
        final String hex = Integer.toHexString(0x10000 | c).substring(1);
        out.append("\\u").append(random.nextBoolean() ? hex : hex.toUpperCase(Locale.ROOT));
    }

    private static String shortEscape(final char c) {
        switch (c) {
            case '\b':
                return "\\b";
            case '\f':
                return "\\f";
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            case '\t':
                return "\\t";
            default:
                return null;
        }
    }

    private <T> T pick(final T[] values) {
        return values[random.nextInt(values.length)];
    }

    private <T> T pick(final List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    private <T> void shuffle(final List<T> values) {
        for (int i = values.size() - 1; i > 0; i--) {
            final int j = random.nextInt(i + 1);
            final T swap = values.get(i);
            values.set(i, values.get(j));
            values.set(j, swap);
        }
    }
}
