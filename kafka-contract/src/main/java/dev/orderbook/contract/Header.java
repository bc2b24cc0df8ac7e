package dev.orderbook.contract;

/**
 * Every record header the services write or read, named once. Raw-topic headers carry what the exchange does not
 * (when a message was received, which ingest session and position it belongs to); dead-letter headers say why a
 * record could not be used. Long values are 8 bytes big-endian ({@link #longHeader(long)}), text is UTF-8.
 */
public enum Header {
    /** Raw topic: when the ingestor received the message, epoch nanoseconds (long). Copied onto summaries. */
    RECEIVE_TIME_NS("ob-receive-time-ns"),
    /** Raw topic: the ingest session (UTF-8), new on every connection to the exchange (or published file). */
    SESSION_ID("ob-session-id"),
    /** Raw topic: the frame's number within its session, from 1 (long); the split parts of one frame share it. */
    SESSION_SEQ("ob-session-seq"),
    /**
     * Raw topic: the record's number among the records of its product within its session, from 1, without holes
     * (long). The processor checks it: a jump means records of the product were lost.
     */
    PRODUCT_SEQ("ob-product-seq"),
    /**
     * Raw topic: the leadership epoch of the ingestor that wrote the record (long): the generation of the ingestors'
     * group in which it was elected (0 for a published file). The processor refuses a record of an older epoch than
     * its product's chain while that chain is alive: a deposed ingestor's late records never land on its
     * successor's book.
     */
    LEADER_EPOCH("ob-leader-epoch"),
    /** Dead letters: the {@link DeadLetterReason} name (UTF-8). */
    DLQ_REASON("ob-dlq-reason"),
    /** Dead letters: a human-readable detail (UTF-8). */
    DLQ_DETAIL("ob-dlq-detail"),
    /** Dead letters: which service wrote it ({@code ingestor}, {@code processor}), UTF-8. */
    DLQ_SOURCE("ob-dlq-source");

    private final String key;

    Header(final String key) {
        this.key = key;
    }

    /** The header's name on the wire. */
    public String key() {
        return key;
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
            throw new IllegalArgumentException("a long header is 8 bytes, was "
                    + (value == null ? "null" : value.length));
        }
        long v = 0;
        for (final byte b : value) {
            v = (v << 8) | (b & 0xFF);
        }
        return v;
    }
}
