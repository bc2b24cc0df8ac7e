package dev.orderbook.ingestor.publish;

import dev.orderbook.contract.GapReason;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * What the publisher needs from the source of its frames when continuity is lost and the source can help: a fresh
 * snapshot of one product, or a new connection. The publisher only records them; whoever owns both the source and the
 * publisher (the ingestor service) takes them with {@link #drainTo} after each call and acts, so control flows one
 * way: the publisher never calls into the feed. A file source ignores them (its next snapshot is the only remedy).
 *
 * <p>Each request names the session whose frame caused it: the owner must ignore a request about a session that has
 * already ended (the worker may be behind the socket), so that a healthy new connection is not dropped for an old
 * one's trouble.
 *
 * <p>Threading: filled and drained on the publisher's thread only. Empty almost always; a drain then costs nothing.
 */
public final class FeedRequests {
    /** One request. */
    public sealed interface Request permits Resnapshot, Reconnect {
        /** The session the request is about. */
        String sessionId();
    }

    /** A fresh snapshot of one product, on the same connection. */
    public record Resnapshot(String sessionId, String productId, GapReason reason) implements Request {
    }

    /** Drop the connection and connect again (fresh snapshots of every product), no sooner than a delay. */
    public record Reconnect(String sessionId, GapReason reason, String detail, Duration delayAtLeast)
            implements Request {
    }

    private final ArrayDeque<Request> pending = new ArrayDeque<>();

    void resnapshot(final String sessionId, final String productId, final GapReason reason) {
        pending.add(new Resnapshot(sessionId, productId, reason));
    }

    void reconnect(final String sessionId, final GapReason reason, final String detail, final Duration delayAtLeast) {
        pending.add(new Reconnect(sessionId, reason, detail, delayAtLeast));
    }

    /** Hands every pending request to {@code consumer}, oldest first, and forgets them. */
    public void drainTo(final Consumer<Request> consumer) {
        Request r;
        while ((r = pending.poll()) != null) {
            consumer.accept(r);
        }
    }

    /** True when nothing is pending. */
    public boolean isEmpty() {
        return pending.isEmpty();
    }
}
