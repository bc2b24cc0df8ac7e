package dev.orderbook.codec;

/** The type of a book event inside a {@link MessageKind#BOOK} message. */
public final class EventType {
    /** Replaces the whole book of the event's product. */
    public static final byte SNAPSHOT = 1;
    /** Applies level changes, in order, to the event's product. */
    public static final byte UPDATE = 2;

    private EventType() {
    }
}
