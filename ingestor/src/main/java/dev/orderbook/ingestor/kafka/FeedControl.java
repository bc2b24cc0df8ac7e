package dev.orderbook.ingestor.kafka;

import java.time.Duration;

/**
 * What a {@link RawPublisher} may ask of the source of its frames when continuity for a product is lost: a fresh
 * snapshot, or a new connection. The live feed client does both; a file source can do neither ({@link #NONE}), the
 * file's next snapshot being the only remedy.
 *
 * <p>Each request names the session whose frame caused it: a source must ignore a request about a session that has
 * already ended (the worker may be behind the socket), so that a healthy new connection is not dropped for an old
 * one's trouble.
 */
public interface FeedControl {
    /** A source that cannot be asked for anything. */
    FeedControl NONE = new FeedControl() {
        @Override
        public void resnapshot(final String sessionId, final String productId, final String reason) {
        }

        @Override
        public void dropConnection(final String sessionId, final String reason, final String detail,
                                   final Duration reconnectDelayAtLeast) {
        }
    };

    /** Asks for a fresh snapshot of one product, if {@code sessionId} is still the current session. Never blocks. */
    void resnapshot(String sessionId, String productId, String reason);

    /**
     * Asks to drop the connection and reconnect (fresh snapshots of every product), no sooner than
     * {@code reconnectDelayAtLeast}, if {@code sessionId} is still the current session. Never blocks.
     */
    void dropConnection(String sessionId, String reason, String detail, Duration reconnectDelayAtLeast);
}
