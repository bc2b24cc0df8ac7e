package dev.orderbook.ingestor.frame;

import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.FeedMessage;

/**
 * One frame from a feed (a WebSocket text frame, or a line of a recorded file) with everything known about it: its
 * bytes as received, where it came from (session and position), when it was received, and its decoded view. A frame
 * is decoded once, by whoever reads it ({@link #decode}), and handed on whole: the publisher routes it from the view
 * and never reads the JSON again.
 *
 * <p>A flyweight, reused from frame to frame by its reader: valid only during the call it is handed to. The bytes
 * are owned by the frame (a consumer that keeps them, such as a Kafka record, may keep the array: a new one is
 * given for every frame). Single thread; not thread-safe.
 */
public final class DecodedFrame {
    private final FeedMessage message = new FeedMessage();
    private String sessionId = "";
    private long sessionSeq;
    private long receiveEpochNs;
    private byte[] bytes = new byte[0];

    /**
     * Decodes {@code utf8Json} into this frame.
     *
     * @param decoder        the reader's decoder, configured for the publisher's products and scales
     * @param sessionId      the ingest session it belongs to (a connection, or a published file); never null
     * @param sessionSeq     its number in the session, from 1
     * @param receiveEpochNs when it was received, epoch nanoseconds
     * @param utf8Json       the frame, UTF-8, as received; kept, never modified
     * @return this frame
     */
    public DecodedFrame decode(final CoinbaseDecoder decoder, final String sessionId, final long sessionSeq,
                               final long receiveEpochNs, final byte[] utf8Json) {
        this.sessionId = sessionId;
        this.sessionSeq = sessionSeq;
        this.receiveEpochNs = receiveEpochNs;
        this.bytes = utf8Json;
        decoder.decode(utf8Json, message);
        return this;
    }

    /** The decoded view; overwritten by the next {@link #decode}. */
    public FeedMessage message() {
        return message;
    }

    public String sessionId() {
        return sessionId;
    }

    public long sessionSeq() {
        return sessionSeq;
    }

    public long receiveEpochNs() {
        return receiveEpochNs;
    }

    /** The frame as received. */
    public byte[] bytes() {
        return bytes;
    }

    @Override
    public String toString() {
        return "frame sessionId=" + sessionId + " sessionSeq=" + sessionSeq + " bytes=" + bytes.length + " "
                + message;
    }
}
