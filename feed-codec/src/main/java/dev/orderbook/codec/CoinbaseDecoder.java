package dev.orderbook.codec;

import dev.orderbook.codec.decimal.DecimalError;
import dev.orderbook.codec.decimal.Decimals;
import dev.orderbook.codec.model.Product;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.codec.model.Side;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes Coinbase market-data messages of either protocol (shared/COINBASE.md) into a reusable {@link FeedMessage}.
 *
 * <p>How: a strict, allocation-free JSON reader ({@link JsonReader}) walks the UTF-8 bytes once; for each price and
 * size it records where the digits lie in the input, and converts them to fixed-point {@code long}s straight from
 * those bytes only once the whole message is known to be valid JSON and its product (and so its scale) is known.
 * Field order within an object therefore does not matter, and a message with one bad change is rejected whole,
 * never half-applied. No {@code String}, {@code BigDecimal}, char decoding or boxed value is made per level; the
 * scratch arrays grow to the largest message seen and are then reused.
 *
 * <p>Never throws on bad input: every failure is a {@link MessageKind#INVALID} message with a {@link DecodeError}
 * and a detail. Unknown message types and channels are {@link MessageKind#IGNORED}, as Coinbase asks.
 *
 * <p>Single thread; not thread-safe. One decoder per thread, each with its own {@link ProductRegistry}.
 */
public final class CoinbaseDecoder {
    /** Default bound on one message: a BTC-USD snapshot is about 5 MB. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    /** Our own message type for a gap marker, in files and on the raw topic. */
    public static final String GAP_TYPE = "x-orderbook-gap";
    /** Our own message type for a liveness record: the ingestor's feed of a product is healthy. Raw topic only. */
    public static final String LIVENESS_TYPE = "x-orderbook-liveness";

    private static final byte[] F_TYPE = ascii("type");
    private static final byte[] F_CHANNEL = ascii("channel");
    private static final byte[] F_PRODUCT_ID = ascii("product_id");
    private static final byte[] F_CHANGES = ascii("changes");
    private static final byte[] F_BIDS = ascii("bids");
    private static final byte[] F_ASKS = ascii("asks");
    private static final byte[] F_TIME = ascii("time");
    private static final byte[] F_TIMESTAMP = ascii("timestamp");
    private static final byte[] F_SEQUENCE = ascii("sequence");
    private static final byte[] F_SEQUENCE_NUM = ascii("sequence_num");
    private static final byte[] F_EVENTS = ascii("events");
    private static final byte[] F_CHANNELS = ascii("channels");
    private static final byte[] F_MESSAGE = ascii("message");
    private static final byte[] F_REASON = ascii("reason");
    private static final byte[] F_UPDATES = ascii("updates");
    private static final byte[] F_SUBSCRIPTIONS = ascii("subscriptions");
    private static final byte[] F_SIDE = ascii("side");
    private static final byte[] F_PRICE_LEVEL = ascii("price_level");
    private static final byte[] F_NEW_QUANTITY = ascii("new_quantity");
    private static final byte[] F_NAME = ascii("name");
    private static final byte[] F_PRODUCT_IDS = ascii("product_ids");

    private static final byte[] V_L2UPDATE = ascii("l2update");
    private static final byte[] V_SNAPSHOT = ascii("snapshot");
    private static final byte[] V_UPDATE = ascii("update");
    private static final byte[] V_HEARTBEAT = ascii("heartbeat");
    private static final byte[] V_SUBSCRIPTIONS = ascii("subscriptions");
    private static final byte[] V_ERROR = ascii("error");
    private static final byte[] V_GAP = ascii(GAP_TYPE);
    private static final byte[] V_LIVENESS = ascii(LIVENESS_TYPE);
    private static final byte[] V_L2_DATA = ascii("l2_data");
    private static final byte[] V_HEARTBEATS = ascii("heartbeats");

    private static final int NONE = 0;
    // Exchange feed types.
    private static final int T_SNAPSHOT = 1;
    private static final int T_L2UPDATE = 2;
    private static final int T_HEARTBEAT = 3;
    private static final int T_SUBSCRIPTIONS = 4;
    private static final int T_ERROR = 5;
    private static final int T_GAP = 6;
    private static final int T_OTHER = 7;
    private static final int T_LIVENESS = 8;
    // Advanced Trade channels.
    private static final int C_L2_DATA = 1;
    private static final int C_SUBSCRIPTIONS = 2;
    private static final int C_HEARTBEATS = 3;
    private static final int C_OTHER = 4;
    // Advanced Trade event type that is neither snapshot nor update.
    private static final byte E_BAD = -1;

    private static final byte SIDE_UNKNOWN = -1;
    private static final byte SIDE_MISSING = -2;
    private static final int ABSENT = Integer.MIN_VALUE;

    private final ProductRegistry products;
    private final int maxMessageBytes;
    private final JsonReader json = new JsonReader();
    private final int[] compactStarts = new int[3];
    private final int[] compactEnds = new int[3];
    private static final int COMPACT_MAX_PAIRS = 8;
    private final int[] keyStarts = new int[COMPACT_MAX_PAIRS];
    private final int[] keyEnds = new int[COMPACT_MAX_PAIRS];
    private final int[] valueStarts = new int[COMPACT_MAX_PAIRS];
    private final int[] valueEnds = new int[COMPACT_MAX_PAIRS];
    // Advanced Trade's update exactly as Coinbase writes it; its values are side, event_time, price and size.
    private static final JsonReader.StringTemplate ADVANCED_UPDATE = new JsonReader.StringTemplate(
            "{\"side\":\"", "\",\"event_time\":\"", "\",\"price_level\":\"", "\",\"new_quantity\":\"", "\"}");
    private static final int UPDATE_SIDE = 0;
    private static final int UPDATE_PRICE = 2;
    private static final int UPDATE_SIZE = 3;
    private final int[] templateStarts = new int[4];
    private final int[] templateEnds = new int[4];
    // False only in tests, which check that the fast paths decode exactly as the general path does.
    private final boolean fastPaths;

    // Input of the message being decoded; values with escapes are unescaped into the arena instead.
    private byte[] input;
    // Arena: product ids, unknown side names, and escaped values. An offset o >= 0 points into the input, an
    // offset o < 0 into the arena at -(o + 1).
    private byte[] arena = new byte[1024];
    private int arenaLength;

    // Raw changes in order of appearance.
    private int rawCount;
    private byte[] rawSide = new byte[64];
    private int[] rawPriceOff = new int[64];
    private int[] rawPriceLen = new int[64];
    private int[] rawSizeOff = new int[64];
    private int[] rawSizeLen = new int[64];
    private int[] rawSideOff = new int[64];
    private int[] rawSideLen = new int[64];

    // Raw events (Advanced Trade events).
    private int rawEventCount;
    private byte[] rawEventType = new byte[4];
    private int[] rawEventProductOff = new int[4];
    private int[] rawEventProductLen = new int[4];
    private int[] rawEventStart = new int[4];
    private int[] rawEventEnd = new int[4];
    private int[] rawEventJsonStart = new int[4];
    private int[] rawEventJsonEnd = new int[4];
    private int eventsOpen;
    private int eventsClose;
    private boolean[] rawEventHasUpdates = new boolean[4];

    // Top-level fields of the message being decoded.
    private int type;
    private int channel;
    private int productOff;
    private int productLen;
    private int changesStart;
    private int changesEnd;
    private int bidsStart;
    private int bidsEnd;
    private int asksStart;
    private int asksEnd;
    private long heartbeatSequence;
    private String message;
    private String reason;
    private Map<String, List<String>> subscriptions;
    private boolean sawEvents;

    /** A decoder with {@link #DEFAULT_MAX_MESSAGE_BYTES}. */
    public CoinbaseDecoder(final ProductRegistry products) {
        this(products, DEFAULT_MAX_MESSAGE_BYTES);
    }

    /**
     * @param products resolves product ids and their scales; a closed registry makes other products
     *     {@link DecodeError#UNKNOWN_PRODUCT}. May not be null.
     * @param maxMessageBytes larger messages are {@link DecodeError#OVERSIZED} without being parsed
     */
    public CoinbaseDecoder(final ProductRegistry products, final int maxMessageBytes) {
        this(products, maxMessageBytes, true);
    }

    /** @param fastPaths false to decode every level by the general path (tests compare the two) */
    CoinbaseDecoder(final ProductRegistry products, final int maxMessageBytes, final boolean fastPaths) {
        if (products == null) {
            throw new IllegalArgumentException("products may not be null");
        }
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be positive, was " + maxMessageBytes);
        }
        this.products = products;
        this.maxMessageBytes = maxMessageBytes;
        this.fastPaths = fastPaths;
    }

    public ProductRegistry products() {
        return products;
    }

    /** Decodes a whole array of UTF-8 JSON. */
    public FeedMessage decode(final byte[] bytes, final FeedMessage out) {
        return decode(bytes, 0, bytes.length, out);
    }

    /**
     * Decodes one message from UTF-8 JSON bytes {@code bytes[offset, offset+length)} into {@code out}. The bytes are
     * only read during the call.
     *
     * @return {@code out}, overwritten; its {@link FeedMessage#kind()} says what it is, or why it is invalid
     */
    public FeedMessage decode(final byte[] bytes, final int offset, final int length, final FeedMessage out) {
        out.reset();
        if (length > maxMessageBytes) {
            out.fail(DecodeError.OVERSIZED, length + " bytes > limit " + maxMessageBytes);
            return out;
        }
        resetScratch();
        input = bytes;
        json.reset(bytes, offset, length);
        try {
            if (json.peek() != '{') {
                // Validate whatever it is, so that non-JSON is reported as such rather than as a wrong type.
                json.skipValue();
                out.fail(json.atEnd() ? DecodeError.NOT_AN_OBJECT : DecodeError.INVALID_JSON,
                        "message must be a JSON object");
                return out;
            }
            final String failure = parseTopLevel(out);
            if (failure != null) {
                // Parsing stopped at the wrong type; the rest may not even be JSON, which is the truer reason.
                json.reset(bytes, offset, length);
                json.skipValue();
                out.fail(json.atEnd() ? DecodeError.WRONG_TYPE : DecodeError.INVALID_JSON,
                        json.atEnd() ? failure : "trailing content after the JSON object");
            } else if (!json.atEnd()) {
                out.fail(DecodeError.INVALID_JSON, "trailing content after the JSON object");
            } else if (channel != NONE) {
                finishAdvanced(out);
            } else if (type != NONE) {
                finishExchange(out);
            } else {
                out.fail(DecodeError.MISSING_FIELD, "neither \"type\" nor \"channel\"");
            }
        } catch (final JsonReader.SyntaxError e) {
            out.fail(DecodeError.INVALID_JSON, e.getMessage());
        } finally {
            input = null;
        }
        return out;
    }

    private void resetScratch() {
        arenaLength = 0;
        rawCount = 0;
        rawEventCount = 0;
        type = NONE;
        channel = NONE;
        productOff = ABSENT;
        productLen = 0;
        changesStart = ABSENT;
        changesEnd = ABSENT;
        bidsStart = ABSENT;
        bidsEnd = ABSENT;
        asksStart = ABSENT;
        asksEnd = ABSENT;
        heartbeatSequence = FeedMessage.NO_SEQUENCE;
        message = null;
        reason = null;
        subscriptions = null;
        sawEvents = false;
    }

    /** Returns null on success, or a description of a field with the wrong JSON type. */
    private String parseTopLevel(final FeedMessage out) {
        final JsonReader r = json;
        r.enterObject();
        while (r.nextField()) {
            if (r.regionEquals(F_TYPE)) {
                if (r.peek() != '"') {
                    return "\"type\" must be a string";
                }
                r.readString();
                type = classifyType();
            } else if (r.regionEquals(F_CHANGES)) {
                if (r.peek() != '[') {
                    return "\"changes\" must be an array";
                }
                changesStart = rawCount;
                final String failure = parseExchangeChanges();
                if (failure != null) {
                    return failure;
                }
                changesEnd = rawCount;
            } else if (r.regionEquals(F_PRODUCT_ID)) {
                if (r.peek() != '"') {
                    return "\"product_id\" must be a string";
                }
                r.readString();
                productLen = copyStringToArena();
                productOff = arenaLength - productLen;
            } else if (r.regionEquals(F_TIME) || r.regionEquals(F_TIMESTAMP)) {
                if (r.peek() == '"') {
                    r.readString();
                    out.time.setLength(0);
                    out.hasTime = true;
                    r.appendStringTo(out.time);
                } else {
                    r.skipValue();
                }
            } else if (r.regionEquals(F_CHANNEL)) {
                if (r.peek() != '"') {
                    return "\"channel\" must be a string";
                }
                r.readString();
                channel = classifyChannel();
            } else if (r.regionEquals(F_EVENTS)) {
                if (r.peek() != '[') {
                    return "\"events\" must be an array";
                }
                if (sawEvents) {
                    // Two arrays would leave it unclear which one a per-product copy of the message should keep.
                    return "\"events\" given twice";
                }
                eventsOpen = r.position();
                final String failure = parseAdvancedEvents();
                if (failure != null) {
                    return failure;
                }
                eventsClose = r.consumedUpTo() - 1;
                sawEvents = true;
            } else if (r.regionEquals(F_SEQUENCE_NUM)) {
                final byte c = r.peek();
                if (c != '-' && (c < '0' || c > '9')) {
                    return "\"sequence_num\" must be an integer";
                }
                final long v = r.readLong();
                if (v < 0) {
                    return "\"sequence_num\" must be a non-negative integer";
                }
                out.sequence = v;
            } else if (r.regionEquals(F_BIDS) || r.regionEquals(F_ASKS)) {
                final boolean bids = r.regionEquals(F_BIDS);
                if (r.peek() != '[') {
                    return bids ? "\"bids\" must be an array" : "\"asks\" must be an array";
                }
                final int start = rawCount;
                final String failure = parseSnapshotLevels(bids ? Side.BID_CODE : Side.ASK_CODE, bids ? "bids" : "asks");
                if (failure != null) {
                    return failure;
                }
                if (bids) {
                    bidsStart = start;
                    bidsEnd = rawCount;
                } else {
                    asksStart = start;
                    asksEnd = rawCount;
                }
            } else if (r.regionEquals(F_SEQUENCE)) {
                final byte c = r.peek();
                if (c == '-' || (c >= '0' && c <= '9')) {
                    heartbeatSequence = r.readLong();
                } else {
                    r.skipValue();
                }
            } else if (r.regionEquals(F_CHANNELS)) {
                if (r.peek() == '[') {
                    parseExchangeChannels();
                } else {
                    r.skipValue();
                }
            } else if (r.regionEquals(F_MESSAGE)) {
                message = stringOrSkip();
            } else if (r.regionEquals(F_REASON)) {
                reason = stringOrSkip();
            } else {
                r.skipValue();
            }
        }
        return null;
    }

    private String stringOrSkip() {
        if (json.peek() == '"') {
            json.readString();
            return json.stringValue();
        }
        json.skipValue();
        return null;
    }

    /** Exchange {@code changes}: an array of {@code [side, price, size]} string triples. */
    private String parseExchangeChanges() {
        final JsonReader r = json;
        r.enterArray();
        final int[] starts = compactStarts;
        final int[] ends = compactEnds;
        while (r.nextElement()) {
            if (fastPaths && r.compactStringArray(3, starts, ends)) {
                final int i = newRaw();
                rawSide[i] = classifyPlainSide(input, starts[0], ends[0], i, false);
                rawPriceOff[i] = starts[1];
                rawPriceLen[i] = ends[1] - starts[1];
                rawSizeOff[i] = starts[2];
                rawSizeLen[i] = ends[2] - starts[2];
                continue;
            }
            final int n = rawCount - changesStart;
            if (r.peek() != '[') {
                return "each entry of \"changes\" must be an array [side, price, size]";
            }
            r.enterArray();
            final int i = newRaw();
            if (!r.nextElement() || r.peek() != '"') {
                return "change " + n + ": side must be a string";
            }
            r.readString();
            rawSide[i] = classifySide(i, false);
            if (!r.nextElement() || r.peek() != '"') {
                return "change " + n + ": price must be a string";
            }
            r.readString();
            recordPrice(i);
            if (!r.nextElement() || r.peek() != '"') {
                return "change " + n + ": size must be a string";
            }
            r.readString();
            recordSize(i);
            r.skipRestOfArray();
        }
        return null;
    }

    /** Exchange snapshot {@code bids}/{@code asks}: an array of {@code [price, size]} string pairs. */
    private String parseSnapshotLevels(final byte side, final String field) {
        final JsonReader r = json;
        r.enterArray();
        int n = 0;
        final int[] starts = compactStarts;
        final int[] ends = compactEnds;
        while (r.nextElement()) {
            if (fastPaths && r.compactStringArray(2, starts, ends)) {
                final int i = newRaw();
                rawSide[i] = side;
                rawPriceOff[i] = starts[0];
                rawPriceLen[i] = ends[0] - starts[0];
                rawSizeOff[i] = starts[1];
                rawSizeLen[i] = ends[1] - starts[1];
                n++;
                continue;
            }
            if (r.peek() != '[') {
                return "each entry of \"" + field + "\" must be an array [price, size]";
            }
            r.enterArray();
            final int i = newRaw();
            rawSide[i] = side;
            if (!r.nextElement() || r.peek() != '"') {
                return field + " level " + n + ": price must be a string";
            }
            r.readString();
            recordPrice(i);
            if (!r.nextElement() || r.peek() != '"') {
                return field + " level " + n + ": size must be a string";
            }
            r.readString();
            recordSize(i);
            r.skipRestOfArray();
            n++;
        }
        return null;
    }

    /** Advanced Trade {@code events}: objects with type, product_id and updates, or subscriptions. */
    private String parseAdvancedEvents() {
        final JsonReader r = json;
        r.enterArray();
        while (r.nextElement()) {
            final int e = newRawEvent();
            if (r.peek() != '{') {
                return "each entry of \"events\" must be an object";
            }
            rawEventJsonStart[e] = r.position();
            r.enterObject();
            while (r.nextField()) {
                if (r.regionEquals(F_UPDATES)) {
                    if (r.peek() != '[') {
                        return "event " + e + ": \"updates\" must be an array";
                    }
                    rawEventStart[e] = rawCount;
                    final String failure = parseAdvancedUpdates(e);
                    if (failure != null) {
                        return failure;
                    }
                    rawEventEnd[e] = rawCount;
                    rawEventHasUpdates[e] = true;
                } else if (r.regionEquals(F_TYPE)) {
                    if (r.peek() != '"') {
                        return "event " + e + ": \"type\" must be a string";
                    }
                    r.readString();
                    rawEventType[e] = classifyEventType();
                } else if (r.regionEquals(F_PRODUCT_ID)) {
                    if (r.peek() != '"') {
                        return "event " + e + ": \"product_id\" must be a string";
                    }
                    r.readString();
                    rawEventProductLen[e] = copyStringToArena();
                    rawEventProductOff[e] = arenaLength - rawEventProductLen[e];
                } else if (r.regionEquals(F_SUBSCRIPTIONS)) {
                    if (r.peek() == '{') {
                        parseAdvancedSubscriptions();
                    } else {
                        r.skipValue();
                    }
                } else {
                    r.skipValue();
                }
            }
            rawEventJsonEnd[e] = r.consumedUpTo();
        }
        return null;
    }

    /** Advanced Trade {@code updates}: objects with side, price_level and new_quantity. */
    private String parseAdvancedUpdates(final int event) {
        final JsonReader r = json;
        r.enterArray();
        final int[] starts = templateStarts;
        final int[] ends = templateEnds;
        while (r.nextElement()) {
            if (fastPaths && r.stringTemplate(ADVANCED_UPDATE, starts, ends)) {
                // What addCompactUpdate would record for these four pairs; event_time is not used.
                final int i = newRaw();
                rawSide[i] = classifyPlainSide(input, starts[UPDATE_SIDE], ends[UPDATE_SIDE], i, true);
                rawPriceOff[i] = starts[UPDATE_PRICE];
                rawPriceLen[i] = ends[UPDATE_PRICE] - starts[UPDATE_PRICE];
                rawSizeOff[i] = starts[UPDATE_SIZE];
                rawSizeLen[i] = ends[UPDATE_SIZE] - starts[UPDATE_SIZE];
                continue;
            }
            final int pairs = fastPaths
                    ? r.compactStringObject(COMPACT_MAX_PAIRS, keyStarts, keyEnds, valueStarts, valueEnds) : -1;
            if (pairs > 0) {
                addCompactUpdate(pairs);
                continue;
            }
            final int n = rawCount - rawEventStart[event];
            if (r.peek() != '{') {
                return "event " + event + ": each update must be an object";
            }
            r.enterObject();
            final int i = newRaw();
            rawSide[i] = SIDE_MISSING;
            rawPriceOff[i] = ABSENT;
            rawSizeOff[i] = ABSENT;
            while (r.nextField()) {
                if (r.regionEquals(F_PRICE_LEVEL)) {
                    if (r.peek() != '"') {
                        return "event " + event + " update " + n + ": price_level must be a string";
                    }
                    r.readString();
                    recordPrice(i);
                } else if (r.regionEquals(F_NEW_QUANTITY)) {
                    if (r.peek() != '"') {
                        return "event " + event + " update " + n + ": new_quantity must be a string";
                    }
                    r.readString();
                    recordSize(i);
                } else if (r.regionEquals(F_SIDE)) {
                    if (r.peek() != '"') {
                        return "event " + event + " update " + n + ": side must be a string";
                    }
                    r.readString();
                    rawSide[i] = classifySide(i, true);
                } else {
                    r.skipValue();
                }
            }
            if (rawPriceOff[i] == ABSENT || rawSizeOff[i] == ABSENT) {
                rawSide[i] = SIDE_MISSING;
            }
        }
        return null;
    }

    /** One compact Advanced Trade update, its fields as found by {@link JsonReader#compactStringObject}. */
    private void addCompactUpdate(final int pairs) {
        final int i = newRaw();
        final byte[] in = input;
        rawSide[i] = SIDE_MISSING;
        rawPriceOff[i] = ABSENT;
        rawSizeOff[i] = ABSENT;
        for (int k = 0; k < pairs; k++) {
            final int ks = keyStarts[k];
            final int keyLength = keyEnds[k] - ks;
            if (keyLength == F_SIDE.length && regionIs(in, ks, F_SIDE)) {
                rawSide[i] = classifyPlainSide(in, valueStarts[k], valueEnds[k], i, true);
            } else if (keyLength == F_PRICE_LEVEL.length && regionIs(in, ks, F_PRICE_LEVEL)) {
                rawPriceOff[i] = valueStarts[k];
                rawPriceLen[i] = valueEnds[k] - valueStarts[k];
            } else if (keyLength == F_NEW_QUANTITY.length && regionIs(in, ks, F_NEW_QUANTITY)) {
                rawSizeOff[i] = valueStarts[k];
                rawSizeLen[i] = valueEnds[k] - valueStarts[k];
            }
        }
        if (rawPriceOff[i] == ABSENT || rawSizeOff[i] == ABSENT) {
            rawSide[i] = SIDE_MISSING;
        }
    }

    private static boolean regionIs(final byte[] bytes, final int start, final byte[] name) {
        for (int j = 0; j < name.length; j++) {
            if (bytes[start + j] != name[j]) {
                return false;
            }
        }
        return true;
    }

    private void parseAdvancedSubscriptions() {
        if (subscriptions == null) {
            subscriptions = new LinkedHashMap<>();
        }
        final JsonReader r = json;
        r.enterObject();
        while (r.nextField()) {
            final String channelName = r.stringValue();
            final List<String> ids = subscriptions.computeIfAbsent(channelName, k -> new ArrayList<>());
            if (r.peek() == '[') {
                r.enterArray();
                while (r.nextElement()) {
                    if (r.peek() == '"') {
                        r.readString();
                        ids.add(r.stringValue());
                    } else {
                        r.skipValue();
                    }
                }
            } else {
                r.skipValue();
            }
        }
    }

    /** Exchange {@code channels}: {@code [{"name":..., "product_ids":[...]}]}. */
    private void parseExchangeChannels() {
        if (subscriptions == null) {
            subscriptions = new LinkedHashMap<>();
        }
        final JsonReader r = json;
        r.enterArray();
        while (r.nextElement()) {
            if (r.peek() != '{') {
                r.skipValue();
                continue;
            }
            r.enterObject();
            String name = null;
            final List<String> ids = new ArrayList<>();
            while (r.nextField()) {
                if (r.regionEquals(F_NAME) && r.peek() == '"') {
                    r.readString();
                    name = r.stringValue();
                } else if (r.regionEquals(F_PRODUCT_IDS) && r.peek() == '[') {
                    r.enterArray();
                    while (r.nextElement()) {
                        if (r.peek() == '"') {
                            r.readString();
                            ids.add(r.stringValue());
                        } else {
                            r.skipValue();
                        }
                    }
                } else {
                    r.skipValue();
                }
            }
            if (name != null) {
                subscriptions.computeIfAbsent(name, k -> new ArrayList<>()).addAll(ids);
            }
        }
    }

    private void finishExchange(final FeedMessage out) {
        out.protocol = Protocol.EXCHANGE;
        switch (type) {
            case T_SNAPSHOT: {
                if (bidsStart == ABSENT || asksStart == ABSENT) {
                    out.fail(DecodeError.MISSING_FIELD, "snapshot needs \"bids\" and \"asks\"");
                    return;
                }
                final Product product = resolveProduct(productOff, productLen, out, "snapshot", -1);
                if (product == null) {
                    return;
                }
                final int e = out.addEvent(EventType.SNAPSHOT, 0);
                out.eventProduct[e] = product;
                out.ensureChangeCapacity((bidsEnd - bidsStart) + (asksEnd - asksStart));
                if (!convert(bidsStart, bidsEnd, product, out, "bids", -1)
                        || !convert(asksStart, asksEnd, product, out, "asks", -1)) {
                    return;
                }
                out.eventEnd[e] = out.changeCount;
                out.kind = MessageKind.BOOK;
                return;
            }
            case T_L2UPDATE: {
                if (changesStart == ABSENT) {
                    out.fail(DecodeError.MISSING_FIELD, "l2update needs \"changes\"");
                    return;
                }
                final Product product = resolveProduct(productOff, productLen, out, "l2update", -1);
                if (product == null) {
                    return;
                }
                final int e = out.addEvent(EventType.UPDATE, 0);
                out.eventProduct[e] = product;
                out.ensureChangeCapacity(changesEnd - changesStart);
                if (!convert(changesStart, changesEnd, product, out, "changes", -1)) {
                    return;
                }
                out.eventEnd[e] = out.changeCount;
                out.kind = MessageKind.BOOK;
                return;
            }
            case T_HEARTBEAT: {
                final Product product = resolveProduct(productOff, productLen, out, "heartbeat", -1);
                if (product == null) {
                    return;
                }
                out.heartbeatProduct = product;
                out.sequence = heartbeatSequence;
                out.kind = MessageKind.HEARTBEAT;
                return;
            }
            case T_SUBSCRIPTIONS:
                out.setSubscriptions(subscriptions == null ? Map.of() : subscriptions);
                out.kind = MessageKind.SUBSCRIPTIONS;
                return;
            case T_ERROR:
                out.errorMessage = message == null ? "" : (reason == null ? message : message + ": " + reason);
                out.kind = MessageKind.EXCHANGE_ERROR;
                return;
            case T_GAP: {
                final Product product = resolveProduct(productOff, productLen, out, "gap marker", -1);
                if (product == null) {
                    return;
                }
                out.markerProduct = product;
                out.gapReason = reason == null ? "unspecified" : reason;
                out.kind = MessageKind.GAP;
                return;
            }
            case T_LIVENESS: {
                final Product product = resolveProduct(productOff, productLen, out, "liveness record", -1);
                if (product == null) {
                    return;
                }
                out.markerProduct = product;
                out.kind = MessageKind.LIVENESS;
                return;
            }
            default:
                out.kind = MessageKind.IGNORED;
        }
    }

    private void finishAdvanced(final FeedMessage out) {
        out.protocol = Protocol.ADVANCED;
        if (type == T_ERROR) {
            out.errorMessage = message == null ? "" : message;
            out.kind = MessageKind.EXCHANGE_ERROR;
            return;
        }
        switch (channel) {
            case C_L2_DATA:
                break;
            case C_SUBSCRIPTIONS:
                out.setSubscriptions(subscriptions == null ? Map.of() : subscriptions);
                out.kind = MessageKind.SUBSCRIPTIONS;
                return;
            case C_HEARTBEATS:
                out.kind = MessageKind.HEARTBEAT;
                return;
            default:
                out.kind = MessageKind.IGNORED;
                return;
        }
        if (!sawEvents) {
            out.fail(DecodeError.MISSING_FIELD, "l2_data needs \"events\"");
            return;
        }
        out.ensureChangeCapacity(rawCount);
        for (int e = 0; e < rawEventCount; e++) {
            final byte eventType = rawEventType[e];
            if (eventType == NONE) {
                out.fail(DecodeError.MISSING_FIELD, "event " + e + ": no \"type\"");
                return;
            }
            if (eventType == E_BAD) {
                out.fail(DecodeError.BAD_EVENT_TYPE, "event " + e + ": type is not snapshot or update");
                return;
            }
            if (!rawEventHasUpdates[e]) {
                out.fail(DecodeError.MISSING_FIELD, "event " + e + ": no \"updates\"");
                return;
            }
            final Product product = resolveProduct(rawEventProductOff[e], rawEventProductLen[e], out, "event", e);
            if (product == null) {
                return;
            }
            final int ev = out.addEvent(eventType, out.changeCount);
            out.eventProduct[ev] = product;
            out.eventJsonStart[ev] = rawEventJsonStart[e];
            out.eventJsonEnd[ev] = rawEventJsonEnd[e];
            if (!convert(rawEventStart[e], rawEventEnd[e], product, out, "event update", e)) {
                return;
            }
            out.eventEnd[ev] = out.changeCount;
        }
        out.eventsArrayOpen = eventsOpen;
        out.eventsArrayClose = eventsClose;
        out.kind = MessageKind.BOOK;
    }

    /**
     * @param what names the message part for error details; with {@code event >= 0} the event's index is added
     *     (built only on failure, so the hot path allocates no description)
     */
    private Product resolveProduct(final int off, final int len, final FeedMessage out, final String kind,
                                   final int event) {
        if (off == ABSENT) {
            out.fail(DecodeError.MISSING_FIELD, describe(kind, event) + " needs \"product_id\"");
            return null;
        }
        if (len == 0) {
            out.fail(DecodeError.BAD_PRODUCT, describe(kind, event) + ": empty product_id");
            return null;
        }
        final Product product = products.get(arena, off, len);
        if (product == null) {
            final String id = new String(arena, off, len, StandardCharsets.UTF_8);
            if (ProductRegistry.isValidProductId(id) && !products.isOpen()) {
                out.fail(DecodeError.UNKNOWN_PRODUCT, describe(kind, event) + ": product " + id + " is not configured");
            } else if (ProductRegistry.isValidProductId(id)) {
                out.fail(DecodeError.UNKNOWN_PRODUCT, describe(kind, event) + ": product " + id
                        + " is one too many (at most " + ProductRegistry.MAX_PRODUCTS + " products)");
            } else {
                out.fail(DecodeError.BAD_PRODUCT, describe(kind, event) + ": malformed product_id \"" + abbreviate(id) + "\"");
            }
        }
        return product;
    }

    /** Converts raw changes {@code [from, to)} into {@code out}; false (and {@code out} failed) on a bad value. */
    private boolean convert(final int from, final int to, final Product product, final FeedMessage out,
                            final String kind, final int event) {
        final int priceScale = product.priceScale();
        final int sizeScale = product.sizeScale();
        final byte[] in = input;
        final byte[] sides = out.sideCode;
        final long[] prices = out.priceTicks;
        final long[] sizes = out.sizeLots;
        final byte[] rawSide = this.rawSide;
        final int[] rawPriceOff = this.rawPriceOff;
        final int[] rawPriceLen = this.rawPriceLen;
        final int[] rawSizeOff = this.rawSizeOff;
        final int[] rawSizeLen = this.rawSizeLen;
        int n = out.changeCount;
        for (int i = from; i < to; i++) {
            final byte side = rawSide[i];
            if (side < 0) {
                failSide(out, describe(kind, event), i - from, i);
                return false;
            }
            final int po = rawPriceOff[i];
            final long price = po >= 0 ? Decimals.parse(in, po, rawPriceLen[i], priceScale)
                    : Decimals.parse(arena, -(po + 1), rawPriceLen[i], priceScale);
            if (price <= 0) {
                out.fail(DecodeError.BAD_PRICE, describe(kind, event) + " " + (i - from) + ": price \""
                        + text(po, rawPriceLen[i]) + "\": "
                        + (price == 0 ? "must be positive" : DecimalError.ofCode(price).reason()));
                return false;
            }
            final int so = rawSizeOff[i];
            final long size = so >= 0 ? Decimals.parse(in, so, rawSizeLen[i], sizeScale)
                    : Decimals.parse(arena, -(so + 1), rawSizeLen[i], sizeScale);
            if (size < 0) {
                out.fail(DecodeError.BAD_SIZE, describe(kind, event) + " " + (i - from) + ": size \""
                        + text(so, rawSizeLen[i]) + "\": " + DecimalError.ofCode(size).reason());
                return false;
            }
            sides[n] = side;
            prices[n] = price;
            sizes[n] = size;
            n++;
        }
        out.changeCount = n;
        return true;
    }

    private void failSide(final FeedMessage out, final String what, final int n, final int raw) {
        if (rawSide[raw] == SIDE_MISSING) {
            out.fail(DecodeError.MISSING_FIELD, what + " " + n + ": needs side, price_level and new_quantity");
        } else {
            out.fail(DecodeError.UNKNOWN_SIDE, what + " " + n + ": side \""
                    + abbreviate(new String(arena, rawSideOff[raw], rawSideLen[raw], StandardCharsets.UTF_8)) + "\"");
        }
    }

    /** "event update 2" style descriptions for error details; "changes" for the Exchange feed. */
    private static String describe(final String kind, final int event) {
        if (event < 0) {
            return kind;
        }
        final int space = kind.indexOf(' ');
        return space < 0 ? kind + " " + event : kind.substring(0, space) + " " + event + kind.substring(space);
    }

    private String text(final int off, final int len) {
        final String s = off >= 0 ? new String(input, off, len, StandardCharsets.UTF_8)
                : new String(arena, -(off + 1), len, StandardCharsets.UTF_8);
        return abbreviate(s);
    }

    private void recordPrice(final int i) {
        recordValue(rawPriceOff, rawPriceLen, i);
    }

    private void recordSize(final int i) {
        recordValue(rawSizeOff, rawSizeLen, i);
    }

    /** Where the decimal just read lies: in the input, or (escaped, rare) unescaped in the arena. */
    private void recordValue(final int[] offsets, final int[] lengths, final int i) {
        final JsonReader r = json;
        if (r.strEscaped) {
            final byte[] v = r.unescape();
            offsets[i] = -(appendToArena(v, 0, v.length) + 1);
            lengths[i] = v.length;
        } else {
            offsets[i] = r.strStart;
            lengths[i] = r.strEnd - r.strStart;
        }
    }

    /** Copies the last string read (unescaped) to the arena; returns its length. */
    private int copyStringToArena() {
        final JsonReader r = json;
        if (r.strEscaped) {
            final byte[] v = r.unescape();
            appendToArena(v, 0, v.length);
            return v.length;
        }
        final int len = r.strEnd - r.strStart;
        appendToArena(r.bytes(), r.strStart, len);
        return len;
    }

    private int appendToArena(final byte[] src, final int off, final int len) {
        if (arenaLength + len > arena.length) {
            arena = Arrays.copyOf(arena, Math.max(arena.length * 2, arenaLength + len));
        }
        System.arraycopy(src, off, arena, arenaLength, len);
        final int at = arenaLength;
        arenaLength += len;
        return at;
    }

    private int newRaw() {
        if (rawCount == rawSide.length) {
            final int capacity = rawCount * 2;
            rawSide = Arrays.copyOf(rawSide, capacity);
            rawPriceOff = Arrays.copyOf(rawPriceOff, capacity);
            rawPriceLen = Arrays.copyOf(rawPriceLen, capacity);
            rawSizeOff = Arrays.copyOf(rawSizeOff, capacity);
            rawSizeLen = Arrays.copyOf(rawSizeLen, capacity);
            rawSideOff = Arrays.copyOf(rawSideOff, capacity);
            rawSideLen = Arrays.copyOf(rawSideLen, capacity);
        }
        return rawCount++;
    }

    private int newRawEvent() {
        if (rawEventCount == rawEventType.length) {
            final int capacity = rawEventCount * 2;
            rawEventType = Arrays.copyOf(rawEventType, capacity);
            rawEventProductOff = Arrays.copyOf(rawEventProductOff, capacity);
            rawEventProductLen = Arrays.copyOf(rawEventProductLen, capacity);
            rawEventStart = Arrays.copyOf(rawEventStart, capacity);
            rawEventEnd = Arrays.copyOf(rawEventEnd, capacity);
            rawEventJsonStart = Arrays.copyOf(rawEventJsonStart, capacity);
            rawEventJsonEnd = Arrays.copyOf(rawEventJsonEnd, capacity);
            rawEventHasUpdates = Arrays.copyOf(rawEventHasUpdates, capacity);
        }
        final int e = rawEventCount++;
        rawEventType[e] = NONE;
        rawEventProductOff[e] = ABSENT;
        rawEventProductLen[e] = 0;
        rawEventStart[e] = rawCount;
        rawEventEnd[e] = rawCount;
        rawEventHasUpdates[e] = false;
        return e;
    }

    /**
     * Classifies the side just read: {@code buy}/{@code sell} on the Exchange feed, {@code bid}/{@code offer} on
     * Advanced Trade, and nothing else (the other protocol's names included).
     */
    private byte classifySide(final int raw, final boolean advanced) {
        final JsonReader r = json;
        if (!r.strEscaped) {
            return classifyPlainSide(input, r.strStart, r.strEnd, raw, advanced);
        }
        final byte[] unescaped = r.unescape();
        return classifyPlainSide(unescaped, 0, unescaped.length, raw, advanced);
    }

    /** The side in {@code c[from, to)}; an unknown one is kept in the arena for the error message. */
    private byte classifyPlainSide(final byte[] c, final int from, final int to, final int raw,
                                   final boolean advanced) {
        final int len = to - from;
        if (advanced) {
            if (len == 3 && c[from] == 'b' && c[from + 1] == 'i' && c[from + 2] == 'd') {
                return Side.BID_CODE;
            }
            if (len == 5 && c[from] == 'o' && c[from + 1] == 'f' && c[from + 2] == 'f' && c[from + 3] == 'e'
                    && c[from + 4] == 'r') {
                return Side.ASK_CODE;
            }
        } else {
            if (len == 3 && c[from] == 'b' && c[from + 1] == 'u' && c[from + 2] == 'y') {
                return Side.BID_CODE;
            }
            if (len == 4 && c[from] == 's' && c[from + 1] == 'e' && c[from + 2] == 'l' && c[from + 3] == 'l') {
                return Side.ASK_CODE;
            }
        }
        final int kept = Math.min(64, len);
        rawSideOff[raw] = appendToArena(c, from, kept);
        rawSideLen[raw] = kept;
        return SIDE_UNKNOWN;
    }

    private boolean stringIs(final byte[] value) {
        final JsonReader r = json;
        if (!r.strEscaped) {
            return r.regionEquals(value);
        }
        return Arrays.equals(r.unescape(), value);
    }

    private int classifyType() {
        if (stringIs(V_L2UPDATE)) {
            return T_L2UPDATE;
        }
        if (stringIs(V_SNAPSHOT)) {
            return T_SNAPSHOT;
        }
        if (stringIs(V_HEARTBEAT)) {
            return T_HEARTBEAT;
        }
        if (stringIs(V_SUBSCRIPTIONS)) {
            return T_SUBSCRIPTIONS;
        }
        if (stringIs(V_ERROR)) {
            return T_ERROR;
        }
        if (stringIs(V_GAP)) {
            return T_GAP;
        }
        if (stringIs(V_LIVENESS)) {
            return T_LIVENESS;
        }
        return T_OTHER;
    }

    private int classifyChannel() {
        if (stringIs(V_L2_DATA)) {
            return C_L2_DATA;
        }
        if (stringIs(V_SUBSCRIPTIONS)) {
            return C_SUBSCRIPTIONS;
        }
        if (stringIs(V_HEARTBEATS)) {
            return C_HEARTBEATS;
        }
        return C_OTHER;
    }

    private byte classifyEventType() {
        if (stringIs(V_UPDATE)) {
            return EventType.UPDATE;
        }
        if (stringIs(V_SNAPSHOT)) {
            return EventType.SNAPSHOT;
        }
        return E_BAD;
    }

    private static byte[] ascii(final String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String abbreviate(final String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
