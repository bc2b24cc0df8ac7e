package dev.orderbook.contract;

/**
 * The Kafka topics and record headers of shared/DESIGN.md, named once. Services take the names from configuration,
 * with these as defaults.
 */
public final class Topics {
    /** Raw exchange messages, key = product id, value = the message bytes as received. System of record. */
    public static final String RAW_DEFAULT = "coinbase.l2.raw";
    /** One summary per top-of-book change, key = product id. */
    public static final String SUMMARIES_DEFAULT = "orderbook.summaries";
    /** Summaries whose spread exceeds the alert threshold. */
    public static final String ALERTS_DEFAULT = "orderbook.alerts";
    /** Records that could not be applied: the raw bytes plus reason headers. */
    public static final String DLQ_DEFAULT = "orderbook.dlq";

    /** Raw-topic header: when the ingestor received the message, epoch nanoseconds, 8 bytes big-endian. */
    public static final String HEADER_RECEIVE_TIME_NS = "ob-receive-time-ns";
    /** Raw-topic header: the ingest session, new on every connection, UTF-8. */
    public static final String HEADER_SESSION_ID = "ob-session-id";
    /** Raw-topic header: the message's number within its session, from 1, 8 bytes big-endian. */
    public static final String HEADER_SESSION_SEQUENCE = "ob-session-seq";
    /** DLQ header: the {@link dev.orderbook.codec.DecodeError} name, UTF-8. */
    public static final String HEADER_DLQ_REASON = "ob-dlq-reason";
    /** DLQ header: a human-readable detail, UTF-8. */
    public static final String HEADER_DLQ_DETAIL = "ob-dlq-detail";

    private Topics() {
    }

    /** Encodes a long header value, 8 bytes big-endian. */
    public static byte[] longHeader(final long value) {
        final byte[] b = new byte[8];
        for (int i = 7; i >= 0; i--) {
            b[i] = (byte) (value >>> (8 * (7 - i)));
        }
        return b;
    }

    /**
     * Decodes a long header value.
     *
     * @throws IllegalArgumentException unless it is exactly 8 bytes
     */
    public static long longHeader(final byte[] value) {
        if (value == null || value.length != 8) {
            throw new IllegalArgumentException("a long header is 8 bytes, was " + (value == null ? "null" : value.length));
        }
        long v = 0;
        for (final byte b : value) {
            v = (v << 8) | (b & 0xFF);
        }
        return v;
    }
}
