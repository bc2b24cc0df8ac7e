package dev.orderbook.ingestor.kafka;

import java.time.Duration;

/**
 * What a {@link RawPublisher} may ask of the source of its frames when continuity for a product is lost: a fresh
 * snapshot, or a new connection. The live feed client does both; a file source can do neither ({@link #NONE}), the
 * file's next snapshot being the only remedy.
 */
public interface FeedControl {
    /** A source that cannot be asked for anything. */
    FeedControl NONE = new FeedControl() {
        @Override
        public void resnapshot(final String productId, final String reason) {
        }

        @Override
        public void dropConnection(final String reason, final String detail, final Duration reconnectDelayAtLeast) {
        }
    };

    /** Asks for a fresh snapshot of one product. Must not block; callable from any thread. */
    void resnapshot(String productId, String reason);

    /**
     * Asks to drop the connection and reconnect (fresh snapshots of every product), no sooner than
     * {@code reconnectDelayAtLeast}. Must not block.
     */
    void dropConnection(String reason, String detail, Duration reconnectDelayAtLeast);
}
