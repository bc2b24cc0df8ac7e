package dev.orderbook.contract;

import dev.orderbook.codec.CoinbaseDecoder;

/**
 * The size limits every service, topic and client agrees on, so that a 5 MB BTC-USD snapshot travels whole from the
 * WebSocket to the book (COINBASE.md "Sizes that matter"). Each is a floor for the next: a message fits a record,
 * a record fits a fetch, a dead letter (a record plus its reason headers) fits the dead-letter topic.
 */
public final class Limits {
    /** Largest exchange message: the WebSocket client's buffer, the decoder's limit. */
    public static final int MAX_MESSAGE_BYTES = CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES;
    /**
     * Largest raw record (a message plus key, headers and batch framing): the raw topic's {@code max.message.bytes},
     * the producers' {@code max.request.size}, the broker's {@code message.max.bytes} in tests and the demo.
     */
    public static final int MAX_RECORD_BYTES = MAX_MESSAGE_BYTES + 64 * 1024;
    /** Consumers of the raw topic fetch at least this much per partition, so one record always fits a fetch. */
    public static final int FETCH_BYTES = MAX_RECORD_BYTES + 64 * 1024;
    /** A dead letter is a whole raw record plus reason headers. */
    public static final int DEAD_LETTER_MAX_RECORD_BYTES = FETCH_BYTES + 64 * 1024;
    /** Summaries, alerts and control requests are small JSON objects. */
    public static final int SMALL_RECORD_BYTES = 1024 * 1024;

    private Limits() {
    }
}
