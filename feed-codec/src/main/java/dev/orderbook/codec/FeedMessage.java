package dev.orderbook.codec;

import dev.orderbook.codec.model.Product;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One decoded Coinbase message, reused from message to message (a flyweight): the decoder overwrites it on every
 * call, so read what you need before decoding the next message.
 *
 * <p>A {@link MessageKind#BOOK} message holds {@link #eventCount()} events; event {@code e} concerns
 * {@link #eventProduct(int) eventProduct(e)}, is a {@link EventType#SNAPSHOT} or {@link EventType#UPDATE}, and owns
 * the changes {@code [eventStart(e), eventEnd(e))}. Change {@code i} sets the level at {@link #priceTicks(int)} on
 * side {@link #sideCode(int)} to the absolute size {@link #sizeLots(int)} (0 removes it), in the product's
 * fixed-point scales. A snapshot's changes are its levels, bids then asks as sent. A message is only ever handed
 * out whole: if any change of it is invalid, the whole message is {@link MessageKind#INVALID} and nothing of it
 * must be applied.
 *
 * <p>Arrays grow as needed and are never shrunk, so steady-state decoding allocates nothing per level.
 * Single thread; not thread-safe.
 */
public final class FeedMessage {
    /** Value of {@link #sequence()} when the message carries none. */
    public static final long NO_SEQUENCE = -1;

    Protocol protocol;
    MessageKind kind;
    long sequence;
    final StringBuilder time = new StringBuilder(40);
    boolean hasTime;

    int eventCount;
    Product[] eventProduct = new Product[4];
    byte[] eventType = new byte[4];
    int[] eventStart = new int[4];
    int[] eventEnd = new int[4];
    int[] eventJsonStart = new int[4];
    int[] eventJsonEnd = new int[4];
    int eventsArrayOpen = -1;
    int eventsArrayClose = -1;

    int changeCount;
    byte[] sideCode = new byte[64];
    long[] priceTicks = new long[64];
    long[] sizeLots = new long[64];

    Product heartbeatProduct;
    Map<String, List<String>> subscriptions = Map.of();
    String errorMessage;
    DecodeError error;
    String errorDetail;
    Product markerProduct;
    String gapReason;

    void reset() {
        protocol = null;
        kind = null;
        sequence = NO_SEQUENCE;
        time.setLength(0);
        hasTime = false;
        eventCount = 0;
        eventsArrayOpen = -1;
        eventsArrayClose = -1;
        changeCount = 0;
        heartbeatProduct = null;
        subscriptions = Map.of();
        errorMessage = null;
        error = null;
        errorDetail = null;
        markerProduct = null;
        gapReason = null;
    }

    void ensureChangeCapacity(final int needed) {
        if (needed > sideCode.length) {
            final int capacity = Math.max(needed, sideCode.length * 2);
            sideCode = Arrays.copyOf(sideCode, capacity);
            priceTicks = Arrays.copyOf(priceTicks, capacity);
            sizeLots = Arrays.copyOf(sizeLots, capacity);
        }
    }

    int addEvent(final byte type, final int start) {
        if (eventCount == eventType.length) {
            final int capacity = eventCount * 2;
            eventProduct = Arrays.copyOf(eventProduct, capacity);
            eventType = Arrays.copyOf(eventType, capacity);
            eventStart = Arrays.copyOf(eventStart, capacity);
            eventEnd = Arrays.copyOf(eventEnd, capacity);
            eventJsonStart = Arrays.copyOf(eventJsonStart, capacity);
            eventJsonEnd = Arrays.copyOf(eventJsonEnd, capacity);
        }
        eventProduct[eventCount] = null;
        eventType[eventCount] = type;
        eventStart[eventCount] = start;
        eventEnd[eventCount] = start;
        eventJsonStart[eventCount] = -1;
        eventJsonEnd[eventCount] = -1;
        return eventCount++;
    }

    void fail(final DecodeError reason, final String detail) {
        kind = MessageKind.INVALID;
        error = reason;
        errorDetail = detail;
    }

    void setSubscriptions(final Map<String, List<String>> confirmed) {
        final Map<String, List<String>> copy = new LinkedHashMap<>();
        confirmed.forEach((channel, products) -> copy.put(channel, List.copyOf(products)));
        subscriptions = Collections.unmodifiableMap(copy);
    }

    /** The protocol the message was recognised as; null if it was not valid JSON. */
    public Protocol protocol() {
        return protocol;
    }

    public MessageKind kind() {
        return kind;
    }

    /**
     * Advanced Trade {@code sequence_num} (per connection, all channels) or Exchange heartbeat {@code sequence};
     * {@link #NO_SEQUENCE} if absent.
     */
    public long sequence() {
        return sequence;
    }

    /**
     * The exchange's time for the message, verbatim: {@code time} on the Exchange feed, the envelope's
     * {@code timestamp} on Advanced Trade; null if the message carries none (an Exchange snapshot).
     */
    public CharSequence time() {
        return hasTime ? time : null;
    }

    public int eventCount() {
        return eventCount;
    }

    public Product eventProduct(final int event) {
        return eventProduct[event];
    }

    /** {@link EventType#SNAPSHOT} or {@link EventType#UPDATE}. */
    public byte eventType(final int event) {
        return eventType[event];
    }

    /** Index of the event's first change. */
    public int eventStart(final int event) {
        return eventStart[event];
    }

    /** Index one past the event's last change. */
    public int eventEnd(final int event) {
        return eventEnd[event];
    }

    /**
     * Advanced Trade: where event {@code e}'s JSON object starts in the decoded bytes (absolute index, the
     * {@code '{'}); -1 on the Exchange feed, whose message is one event. With {@link #eventJsonEnd} and
     * {@link #eventsArrayOpen()}/{@link #eventsArrayClose()} it lets a caller cut the message into per-product copies
     * without reading it again. Valid only while the decoded bytes are.
     */
    public int eventJsonStart(final int event) {
        return eventJsonStart[event];
    }

    /** Advanced Trade: one past the end of event {@code e}'s JSON object (absolute index); -1 on the Exchange feed. */
    public int eventJsonEnd(final int event) {
        return eventJsonEnd[event];
    }

    /** Advanced Trade: the index of the {@code '['} that opens {@code events}; -1 on the Exchange feed. */
    public int eventsArrayOpen() {
        return eventsArrayOpen;
    }

    /** Advanced Trade: the index of the {@code ']'} that closes {@code events}; -1 on the Exchange feed. */
    public int eventsArrayClose() {
        return eventsArrayClose;
    }

    /** Total changes over all events. */
    public int changeCount() {
        return changeCount;
    }

    /** {@link dev.orderbook.codec.model.Side#BID_CODE} or {@link dev.orderbook.codec.model.Side#ASK_CODE}. */
    public byte sideCode(final int change) {
        return sideCode[change];
    }

    /** Price in ticks of the event's product ({@code > 0}). */
    public long priceTicks(final int change) {
        return priceTicks[change];
    }

    /** New absolute size in lots of the event's product ({@code >= 0}; 0 removes the level). */
    public long sizeLots(final int change) {
        return sizeLots[change];
    }

    /** The product of an Exchange heartbeat; null for Advanced Trade heartbeats, which are per connection. */
    public Product heartbeatProduct() {
        return heartbeatProduct;
    }

    /** For {@link MessageKind#SUBSCRIPTIONS}: channel name to confirmed product ids. Never null. */
    public Map<String, List<String>> subscriptions() {
        return subscriptions;
    }

    /** For {@link MessageKind#EXCHANGE_ERROR}: the exchange's message and reason. */
    public String errorMessage() {
        return errorMessage;
    }

    /** For {@link MessageKind#INVALID}: why. */
    public DecodeError error() {
        return error;
    }

    /** For {@link MessageKind#INVALID}: a human-readable detail naming the field or value at fault. */
    public String errorDetail() {
        return errorDetail;
    }

    /**
     * For {@link MessageKind#GAP}: the product whose continuity was lost; for {@link MessageKind#LIVENESS}: the
     * product whose feed is healthy.
     */
    public Product markerProduct() {
        return markerProduct;
    }

    /** For {@link MessageKind#GAP}: why continuity was lost (for example {@code disconnect}, {@code sequence}). */
    public String gapReason() {
        return gapReason;
    }

    @Override
    public String toString() {
        if (kind == MessageKind.INVALID) {
            return "FeedMessage[INVALID " + error + ": " + errorDetail + "]";
        }
        return "FeedMessage[" + protocol + " " + kind + " events=" + eventCount + " changes=" + changeCount + "]";
    }
}
