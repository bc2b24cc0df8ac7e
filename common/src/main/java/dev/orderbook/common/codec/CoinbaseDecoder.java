package dev.orderbook.common.codec;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import dev.orderbook.common.decimal.DecimalError;
import dev.orderbook.common.decimal.Decimals;
import dev.orderbook.common.model.Product;
import dev.orderbook.common.model.ProductRegistry;
import dev.orderbook.common.model.Side;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes Coinbase market-data messages of either protocol (shared/COINBASE.md) into a reusable {@link FeedMessage}.
 *
 * <p>How: Jackson's streaming parser validates the JSON strictly; the characters of each price and size are copied
 * into a reused arena and converted to fixed-point {@code long}s only once the whole message is known to be valid
 * and its product (and so its scale) is known. Field order within an object therefore does not matter, and a
 * message with one bad change is rejected whole, never half-applied. No {@code String}, {@code BigDecimal} or boxed
 * value is made per level; the arrays grow to the largest message seen and are then reused.
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

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxStringLength(DEFAULT_MAX_MESSAGE_BYTES)
                    .maxNestingDepth(16)
                    .build())
            .build();

    private static final int NONE = 0;
    // Exchange feed types.
    private static final int T_SNAPSHOT = 1;
    private static final int T_L2UPDATE = 2;
    private static final int T_HEARTBEAT = 3;
    private static final int T_SUBSCRIPTIONS = 4;
    private static final int T_ERROR = 5;
    private static final int T_GAP = 6;
    private static final int T_OTHER = 7;
    // Advanced Trade channels.
    private static final int C_L2_DATA = 1;
    private static final int C_SUBSCRIPTIONS = 2;
    private static final int C_HEARTBEATS = 3;
    private static final int C_OTHER = 4;
    // Advanced Trade event types.
    private static final byte E_BAD = -1;

    private static final byte SIDE_UNKNOWN = -1;
    private static final int ABSENT = -1;

    private final ProductRegistry products;
    private final int maxMessageBytes;

    // Arena of characters: prices, sizes, product ids and unknown side names, referenced by offset and length.
    private char[] arena = new char[8192];
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

    // Raw events (Advanced Trade events; one synthetic event for the Exchange feed).
    private int rawEventCount;
    private byte[] rawEventType = new byte[4];
    private int[] rawEventProductOff = new int[4];
    private int[] rawEventProductLen = new int[4];
    private int[] rawEventStart = new int[4];
    private int[] rawEventEnd = new int[4];
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
        if (products == null) {
            throw new IllegalArgumentException("products may not be null");
        }
        if (maxMessageBytes <= 0) {
            throw new IllegalArgumentException("maxMessageBytes must be positive, was " + maxMessageBytes);
        }
        this.products = products;
        this.maxMessageBytes = maxMessageBytes;
    }

    public ProductRegistry products() {
        return products;
    }

    /** Decodes a whole array of UTF-8 JSON. */
    public FeedMessage decode(final byte[] json, final FeedMessage out) {
        return decode(json, 0, json.length, out);
    }

    /**
     * Decodes one message from UTF-8 JSON bytes {@code json[offset, offset+length)} into {@code out}.
     *
     * @return {@code out}, overwritten; its {@link FeedMessage#kind()} says what it is, or why it is invalid
     */
    public FeedMessage decode(final byte[] json, final int offset, final int length, final FeedMessage out) {
        out.reset();
        if (length > maxMessageBytes) {
            out.fail(DecodeError.OVERSIZED, length + " bytes > limit " + maxMessageBytes);
            return out;
        }
        resetScratch();
        try (JsonParser p = FACTORY.createParser(json, offset, length)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                out.fail(DecodeError.NOT_AN_OBJECT, "message must be a JSON object");
                return out;
            }
            final String failure = parseTopLevel(p, out);
            if (failure != null) {
                out.fail(DecodeError.WRONG_TYPE, failure);
                return out;
            }
            if (p.nextToken() != null) {
                out.fail(DecodeError.INVALID_JSON, "trailing content after the JSON object");
                return out;
            }
        } catch (final IOException | RuntimeException e) {
            out.fail(DecodeError.INVALID_JSON, firstLine(e.getMessage()));
            return out;
        }
        if (channel != NONE) {
            finishAdvanced(out);
        } else if (type != NONE) {
            finishExchange(out);
        } else {
            out.fail(DecodeError.MISSING_FIELD, "neither \"type\" nor \"channel\"");
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
    }

    /** Returns null on success, or a description of a field with the wrong JSON type. */
    private String parseTopLevel(final JsonParser p, final FeedMessage out) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String name = p.currentName();
            final JsonToken t = p.nextToken();
            switch (name) {
                case "type":
                    if (t != JsonToken.VALUE_STRING) {
                        return "\"type\" must be a string";
                    }
                    type = classifyType(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                    break;
                case "channel":
                    if (t != JsonToken.VALUE_STRING) {
                        return "\"channel\" must be a string";
                    }
                    channel = classifyChannel(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                    break;
                case "product_id":
                    if (t != JsonToken.VALUE_STRING) {
                        return "\"product_id\" must be a string";
                    }
                    productLen = p.getTextLength();
                    productOff = append(p.getTextCharacters(), p.getTextOffset(), productLen);
                    break;
                case "changes":
                    if (t != JsonToken.START_ARRAY) {
                        return "\"changes\" must be an array";
                    }
                    changesStart = rawCount;
                    final String changesFailure = parseExchangeChanges(p);
                    if (changesFailure != null) {
                        return changesFailure;
                    }
                    changesEnd = rawCount;
                    break;
                case "bids":
                case "asks": {
                    if (t != JsonToken.START_ARRAY) {
                        return "\"" + name + "\" must be an array";
                    }
                    final boolean bids = "bids".equals(name);
                    final int start = rawCount;
                    final String levelsFailure = parseSnapshotLevels(p, bids ? Side.BID_CODE : Side.ASK_CODE, name);
                    if (levelsFailure != null) {
                        return levelsFailure;
                    }
                    if (bids) {
                        bidsStart = start;
                        bidsEnd = rawCount;
                    } else {
                        asksStart = start;
                        asksEnd = rawCount;
                    }
                    break;
                }
                case "time":
                case "timestamp":
                    if (t == JsonToken.VALUE_STRING) {
                        out.time.setLength(0);
                        out.time.append(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "sequence":
                    if (t == JsonToken.VALUE_NUMBER_INT) {
                        heartbeatSequence = p.getLongValue();
                    }
                    break;
                case "sequence_num":
                    if (t != JsonToken.VALUE_NUMBER_INT) {
                        return "\"sequence_num\" must be an integer";
                    }
                    out.sequence = p.getLongValue();
                    break;
                case "events":
                    if (t != JsonToken.START_ARRAY) {
                        return "\"events\" must be an array";
                    }
                    final String eventsFailure = parseAdvancedEvents(p);
                    if (eventsFailure != null) {
                        return eventsFailure;
                    }
                    break;
                case "channels":
                    if (t == JsonToken.START_ARRAY) {
                        parseExchangeChannels(p);
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "message":
                    message = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    p.skipChildren();
                    break;
                case "reason":
                    reason = t == JsonToken.VALUE_STRING ? p.getText() : null;
                    p.skipChildren();
                    break;
                default:
                    p.skipChildren();
                    break;
            }
        }
        return null;
    }

    /** Exchange {@code changes}: an array of {@code [side, price, size]} string triples. */
    private String parseExchangeChanges(final JsonParser p) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_ARRAY) {
                return "each entry of \"changes\" must be an array [side, price, size]";
            }
            final int i = newRaw();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                return "change " + (i - changesStart) + ": side must be a string";
            }
            rawSide[i] = classifySide(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), i);
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                return "change " + (i - changesStart) + ": price must be a string";
            }
            rawPriceLen[i] = p.getTextLength();
            rawPriceOff[i] = append(p.getTextCharacters(), p.getTextOffset(), rawPriceLen[i]);
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                return "change " + (i - changesStart) + ": size must be a string";
            }
            rawSizeLen[i] = p.getTextLength();
            rawSizeOff[i] = append(p.getTextCharacters(), p.getTextOffset(), rawSizeLen[i]);
            skipRestOfArray(p);
        }
        return null;
    }

    /** Exchange snapshot {@code bids}/{@code asks}: an array of {@code [price, size]} string pairs. */
    private String parseSnapshotLevels(final JsonParser p, final byte side, final String field) throws IOException {
        JsonToken t;
        int n = 0;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_ARRAY) {
                return "each entry of \"" + field + "\" must be an array [price, size]";
            }
            final int i = newRaw();
            rawSide[i] = side;
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                return field + " level " + n + ": price must be a string";
            }
            rawPriceLen[i] = p.getTextLength();
            rawPriceOff[i] = append(p.getTextCharacters(), p.getTextOffset(), rawPriceLen[i]);
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                return field + " level " + n + ": size must be a string";
            }
            rawSizeLen[i] = p.getTextLength();
            rawSizeOff[i] = append(p.getTextCharacters(), p.getTextOffset(), rawSizeLen[i]);
            skipRestOfArray(p);
            n++;
        }
        return null;
    }

    /** Advanced Trade {@code events}: objects with type, product_id and updates, or subscriptions. */
    private String parseAdvancedEvents(final JsonParser p) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_OBJECT) {
                return "each entry of \"events\" must be an object";
            }
            final int e = newRawEvent();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                final JsonToken v = p.nextToken();
                switch (name) {
                    case "type":
                        if (v != JsonToken.VALUE_STRING) {
                            return "event " + e + ": \"type\" must be a string";
                        }
                        rawEventType[e] = classifyEventType(p.getTextCharacters(), p.getTextOffset(),
                                p.getTextLength());
                        break;
                    case "product_id":
                        if (v != JsonToken.VALUE_STRING) {
                            return "event " + e + ": \"product_id\" must be a string";
                        }
                        rawEventProductLen[e] = p.getTextLength();
                        rawEventProductOff[e] = append(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                        break;
                    case "updates": {
                        if (v != JsonToken.START_ARRAY) {
                            return "event " + e + ": \"updates\" must be an array";
                        }
                        rawEventStart[e] = rawCount;
                        final String failure = parseAdvancedUpdates(p, e);
                        if (failure != null) {
                            return failure;
                        }
                        rawEventEnd[e] = rawCount;
                        rawEventHasUpdates[e] = true;
                        break;
                    }
                    case "subscriptions":
                        if (v == JsonToken.START_OBJECT) {
                            parseAdvancedSubscriptions(p);
                        } else {
                            p.skipChildren();
                        }
                        break;
                    default:
                        p.skipChildren();
                        break;
                }
            }
        }
        return null;
    }

    /** Advanced Trade {@code updates}: objects with side, price_level and new_quantity. */
    private String parseAdvancedUpdates(final JsonParser p, final int event) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_OBJECT) {
                return "event " + event + ": each update must be an object";
            }
            final int i = newRaw();
            final int n = i - rawEventStart[event];
            rawPriceOff[i] = ABSENT;
            rawSizeOff[i] = ABSENT;
            boolean sawSide = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                final JsonToken v = p.nextToken();
                switch (name) {
                    case "side":
                        if (v != JsonToken.VALUE_STRING) {
                            return "event " + event + " update " + n + ": side must be a string";
                        }
                        rawSide[i] = classifySide(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), i);
                        sawSide = true;
                        break;
                    case "price_level":
                        if (v != JsonToken.VALUE_STRING) {
                            return "event " + event + " update " + n + ": price_level must be a string";
                        }
                        rawPriceLen[i] = p.getTextLength();
                        rawPriceOff[i] = append(p.getTextCharacters(), p.getTextOffset(), rawPriceLen[i]);
                        break;
                    case "new_quantity":
                        if (v != JsonToken.VALUE_STRING) {
                            return "event " + event + " update " + n + ": new_quantity must be a string";
                        }
                        rawSizeLen[i] = p.getTextLength();
                        rawSizeOff[i] = append(p.getTextCharacters(), p.getTextOffset(), rawSizeLen[i]);
                        break;
                    default:
                        p.skipChildren();
                        break;
                }
            }
            if (!sawSide || rawPriceOff[i] == ABSENT || rawSizeOff[i] == ABSENT) {
                // Marked so that convert() reports MISSING_FIELD (a negative price length means "missing").
                rawSide[i] = SIDE_UNKNOWN;
                rawPriceLen[i] = -1;
            }
        }
        return null;
    }

    private void parseAdvancedSubscriptions(final JsonParser p) throws IOException {
        if (subscriptions == null) {
            subscriptions = new LinkedHashMap<>();
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            final String channelName = p.currentName();
            final List<String> ids = subscriptions.computeIfAbsent(channelName, k -> new ArrayList<>());
            if (p.nextToken() == JsonToken.START_ARRAY) {
                JsonToken t;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t == JsonToken.VALUE_STRING) {
                        ids.add(p.getText());
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
    }

    /** Exchange {@code channels}: {@code [{"name":..., "product_ids":[...]}]}. */
    private void parseExchangeChannels(final JsonParser p) throws IOException {
        if (subscriptions == null) {
            subscriptions = new LinkedHashMap<>();
        }
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            String name = null;
            final List<String> ids = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String field = p.currentName();
                final JsonToken v = p.nextToken();
                if ("name".equals(field) && v == JsonToken.VALUE_STRING) {
                    name = p.getText();
                } else if ("product_ids".equals(field) && v == JsonToken.START_ARRAY) {
                    JsonToken id;
                    while ((id = p.nextToken()) != JsonToken.END_ARRAY) {
                        if (id == JsonToken.VALUE_STRING) {
                            ids.add(p.getText());
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
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
                final Product product = resolveProduct(productOff, productLen, out, "snapshot");
                if (product == null) {
                    return;
                }
                final int e = out.addEvent(EventType.SNAPSHOT, 0);
                out.eventProduct[e] = product;
                out.ensureChangeCapacity((bidsEnd - bidsStart) + (asksEnd - asksStart));
                if (!convert(bidsStart, bidsEnd, product, out, "bids") || !convert(asksStart, asksEnd, product, out,
                        "asks")) {
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
                final Product product = resolveProduct(productOff, productLen, out, "l2update");
                if (product == null) {
                    return;
                }
                final int e = out.addEvent(EventType.UPDATE, 0);
                out.eventProduct[e] = product;
                out.ensureChangeCapacity(changesEnd - changesStart);
                if (!convert(changesStart, changesEnd, product, out, "changes")) {
                    return;
                }
                out.eventEnd[e] = out.changeCount;
                out.kind = MessageKind.BOOK;
                return;
            }
            case T_HEARTBEAT: {
                final Product product = resolveProduct(productOff, productLen, out, "heartbeat");
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
                final Product product = resolveProduct(productOff, productLen, out, "gap marker");
                if (product == null) {
                    return;
                }
                out.gapProduct = product;
                out.gapReason = reason == null ? "unspecified" : reason;
                out.kind = MessageKind.GAP;
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
            final Product product = resolveProduct(rawEventProductOff[e], rawEventProductLen[e], out, "event " + e);
            if (product == null) {
                return;
            }
            final int ev = out.addEvent(eventType, out.changeCount);
            out.eventProduct[ev] = product;
            if (!convert(rawEventStart[e], rawEventEnd[e], product, out, "event " + e + " update")) {
                return;
            }
            out.eventEnd[ev] = out.changeCount;
        }
        out.kind = MessageKind.BOOK;
    }

    private Product resolveProduct(final int off, final int len, final FeedMessage out, final String what) {
        if (off == ABSENT) {
            out.fail(DecodeError.MISSING_FIELD, what + " needs \"product_id\"");
            return null;
        }
        if (len == 0) {
            out.fail(DecodeError.BAD_PRODUCT, what + ": empty product_id");
            return null;
        }
        final Product product = products.get(arena, off, len);
        if (product == null) {
            final String id = new String(arena, off, len);
            if (ProductRegistry.isValidProductId(id) && !products.isOpen()) {
                out.fail(DecodeError.UNKNOWN_PRODUCT, what + ": product " + id + " is not configured");
            } else {
                out.fail(DecodeError.BAD_PRODUCT, what + ": malformed product_id \"" + abbreviate(id) + "\"");
            }
        }
        return product;
    }

    /** Converts raw changes {@code [from, to)} into {@code out}; false (and {@code out} failed) on a bad value. */
    private boolean convert(final int from, final int to, final Product product, final FeedMessage out,
                            final String what) {
        final int priceScale = product.priceScale();
        final int sizeScale = product.sizeScale();
        final char[] chars = arena;
        final byte[] sides = out.sideCode;
        final long[] prices = out.priceTicks;
        final long[] sizes = out.sizeLots;
        int n = out.changeCount;
        for (int i = from; i < to; i++) {
            final byte side = rawSide[i];
            if (side == SIDE_UNKNOWN) {
                if (rawPriceLen[i] < 0) {
                    out.fail(DecodeError.MISSING_FIELD, what + " " + (i - from)
                            + ": needs side, price_level and new_quantity");
                } else {
                    out.fail(DecodeError.UNKNOWN_SIDE, what + " " + (i - from) + ": side \""
                            + abbreviate(new String(chars, rawSideOff[i], rawSideLen[i])) + "\"");
                }
                return false;
            }
            final long price = Decimals.parse(chars, rawPriceOff[i], rawPriceLen[i], priceScale);
            if (price <= 0) {
                out.fail(DecodeError.BAD_PRICE, what + " " + (i - from) + ": price \""
                        + abbreviate(new String(chars, rawPriceOff[i], rawPriceLen[i])) + "\": "
                        + (price == 0 ? "must be positive" : DecimalError.ofCode(price).reason()));
                return false;
            }
            final long size = Decimals.parse(chars, rawSizeOff[i], rawSizeLen[i], sizeScale);
            if (size < 0) {
                out.fail(DecodeError.BAD_SIZE, what + " " + (i - from) + ": size \""
                        + abbreviate(new String(chars, rawSizeOff[i], rawSizeLen[i])) + "\": "
                        + DecimalError.ofCode(size).reason());
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

    private int append(final char[] src, final int off, final int len) {
        if (arenaLength + len > arena.length) {
            arena = Arrays.copyOf(arena, Math.max(arena.length * 2, arenaLength + len));
        }
        System.arraycopy(src, off, arena, arenaLength, len);
        final int at = arenaLength;
        arenaLength += len;
        return at;
    }

    private static void skipRestOfArray(final JsonParser p) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new IOException("unexpected end of input");
            }
            p.skipChildren();
        }
    }

    private byte classifySide(final char[] c, final int off, final int len, final int raw) {
        if (len == 3) {
            if (c[off] == 'b' && c[off + 1] == 'u' && c[off + 2] == 'y') {
                return Side.BID_CODE;
            }
            if (c[off] == 'b' && c[off + 1] == 'i' && c[off + 2] == 'd') {
                return Side.BID_CODE;
            }
        } else if (len == 4) {
            if (c[off] == 's' && c[off + 1] == 'e' && c[off + 2] == 'l' && c[off + 3] == 'l') {
                return Side.ASK_CODE;
            }
        } else if (len == 5) {
            if (c[off] == 'o' && c[off + 1] == 'f' && c[off + 2] == 'f' && c[off + 3] == 'e' && c[off + 4] == 'r') {
                return Side.ASK_CODE;
            }
        }
        rawSideLen[raw] = Math.min(len, 64);
        rawSideOff[raw] = append(c, off, rawSideLen[raw]);
        rawPriceLen[raw] = 0;
        return SIDE_UNKNOWN;
    }

    private static int classifyType(final char[] c, final int off, final int len) {
        if (equals(c, off, len, "l2update")) {
            return T_L2UPDATE;
        }
        if (equals(c, off, len, "snapshot")) {
            return T_SNAPSHOT;
        }
        if (equals(c, off, len, "heartbeat")) {
            return T_HEARTBEAT;
        }
        if (equals(c, off, len, "subscriptions")) {
            return T_SUBSCRIPTIONS;
        }
        if (equals(c, off, len, "error")) {
            return T_ERROR;
        }
        if (equals(c, off, len, GAP_TYPE)) {
            return T_GAP;
        }
        return T_OTHER;
    }

    private static int classifyChannel(final char[] c, final int off, final int len) {
        if (equals(c, off, len, "l2_data")) {
            return C_L2_DATA;
        }
        if (equals(c, off, len, "subscriptions")) {
            return C_SUBSCRIPTIONS;
        }
        if (equals(c, off, len, "heartbeats")) {
            return C_HEARTBEATS;
        }
        return C_OTHER;
    }

    private static byte classifyEventType(final char[] c, final int off, final int len) {
        if (equals(c, off, len, "update")) {
            return EventType.UPDATE;
        }
        if (equals(c, off, len, "snapshot")) {
            return EventType.SNAPSHOT;
        }
        return E_BAD;
    }

    private static boolean equals(final char[] c, final int off, final int len, final String s) {
        if (len != s.length()) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (c[off + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(final String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static String firstLine(final String s) {
        if (s == null) {
            return "unreadable JSON";
        }
        final int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
