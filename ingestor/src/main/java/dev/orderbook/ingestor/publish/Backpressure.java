package dev.orderbook.ingestor.publish;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;

/**
 * What the publisher does when Kafka cannot take frames as fast as they come: the buffer budget is exhausted, or
 * Kafka is unavailable. It depends on the source ({@link #live} or {@link #file}); the policy only decides, the
 * publisher acts (marks products, asks the feed for a new connection).
 *
 * <ul>
 *   <li><b>Live feed</b>: the feed cannot wait. Past the budget, every product is marked and the connection dropped;
 *       frames are then discarded until the buffer has drained to half the budget, and a new session that arrives
 *       before that is dropped too. During an outage, every product is marked once, frames are discarded and each
 *       new connection is dropped, until Kafka is back.</li>
 *   <li><b>Recorded file</b>: the file can wait, nothing is lost: past the budget it waits for the buffer to drain;
 *       during an outage it waits for Kafka, up to the delivery timeout, and then fails.</li>
 * </ul>
 *
 * <p>Single thread (the publisher's).
 */
abstract class Backpressure {
    /** While the buffer is over budget or Kafka unavailable, reconnect attempts are at least this far apart. */
    static final Duration RECONNECT_DELAY = Duration.ofSeconds(1);

    /** What to do with a frame. */
    enum Admission {
        /** Send it. */
        SEND,
        /** Discard it; the connection has already been asked to drop. */
        DISCARD,
        /** Discard it and ask the feed to drop this session's connection. */
        DISCARD_AND_RECONNECT,
        /** Discard it, mark every product, and ask the feed to drop the connection: the trouble starts now. */
        MARK_ALL_AND_RECONNECT
    }

    /** Waits, while the file waits; the publisher catches up on failures meanwhile. */
    interface Waiter {
        void whileWaiting();
    }

    final KafkaSender sender;
    final long budgetBytes;

    Backpressure(final KafkaSender sender, final long budgetBytes) {
        this.sender = sender;
        this.budgetBytes = budgetBytes;
    }

    static Backpressure live(final KafkaSender sender, final long budgetBytes) {
        return new Live(sender, budgetBytes);
    }

    static Backpressure file(final KafkaSender sender, final long budgetBytes, final Duration deliveryTimeout,
                             final String bootstrap, final Waiter waiter) {
        return new File(sender, budgetBytes, deliveryTimeout, bootstrap, waiter);
    }

    /** Whether a frame of {@code bytes} more may be sent in session {@code sessionId}. */
    abstract Admission admit(long bytes, String sessionId);

    /** Kafka is unavailable; what to do with a frame of session {@code sessionId}. */
    abstract Admission whileUnavailable(String sessionId);

    /** Kafka is available again: the next outage is a new one. */
    abstract void kafkaAvailable();

    /** True while frames are being discarded for lack of buffer. */
    abstract boolean isOverloaded();

    /** Whether this source is the live feed (what a recorded gap marker in it means depends on it). */
    abstract boolean isLive();

    private static final class Live extends Backpressure {
        private static final Logger log = LoggerFactory.getLogger(Backpressure.class);
        private volatile boolean overloaded;
        private boolean outageHandled;
        private String lastDroppedSession;

        Live(final KafkaSender sender, final long budgetBytes) {
            super(sender, budgetBytes);
        }

        @Override
        Admission admit(final long bytes, final String sessionId) {
            if (overloaded) {
                if (sender.buffered() > budgetBytes / 2) {
                    return discard(sessionId);
                }
                overloaded = false;
                log.info("Buffer drained; publishing again. bufferedBytes=[{}] budgetBytes=[{}]", sender.buffered(),
                        budgetBytes);
            }
            // A record larger than the whole budget goes alone, when nothing else is in flight.
            final long inFlight = sender.buffered();
            if (inFlight > 0 && inFlight + bytes > budgetBytes) {
                overloaded = true;
                log.warn("Buffer budget exhausted (Kafka slow or down); marking gaps and dropping the connection. "
                        + "bufferedBytes=[{}] budgetBytes=[{}]", inFlight, budgetBytes);
                lastDroppedSession = sessionId;
                return Admission.MARK_ALL_AND_RECONNECT;
            }
            return Admission.SEND;
        }

        @Override
        Admission whileUnavailable(final String sessionId) {
            if (!outageHandled) {
                outageHandled = true;
                lastDroppedSession = sessionId;
                return Admission.MARK_ALL_AND_RECONNECT;
            }
            return discard(sessionId);
        }

        private Admission discard(final String sessionId) {
            if (sessionId.equals(lastDroppedSession)) {
                return Admission.DISCARD;
            }
            // Kafka needs time: reconnecting at once would only be dropped again, and Coinbase limits attempts.
            lastDroppedSession = sessionId;
            return Admission.DISCARD_AND_RECONNECT;
        }

        @Override
        void kafkaAvailable() {
            outageHandled = false;
        }

        @Override
        boolean isOverloaded() {
            return overloaded;
        }

        @Override
        boolean isLive() {
            return true;
        }
    }

    private static final class File extends Backpressure {
        private final Duration deliveryTimeout;
        private final String bootstrap;
        private final Waiter waiter;

        File(final KafkaSender sender, final long budgetBytes, final Duration deliveryTimeout, final String bootstrap,
             final Waiter waiter) {
            super(sender, budgetBytes);
            this.deliveryTimeout = deliveryTimeout;
            this.bootstrap = bootstrap;
            this.waiter = waiter;
        }

        @Override
        Admission admit(final long bytes, final String sessionId) {
            while (sender.buffered() + bytes > budgetBytes && sender.buffered() > 0) {
                waiter.whileWaiting();
                sleepMs(1);
            }
            return Admission.SEND;
        }

        /**
         * @throws IllegalStateException when Kafka stays unavailable longer than the delivery timeout
         */
        @Override
        Admission whileUnavailable(final String sessionId) {
            while (!sender.isAvailable()) {
                if (System.nanoTime() - sender.outageSinceNs() > deliveryTimeout.toNanos()) {
                    throw new IllegalStateException("Kafka at " + bootstrap + " unavailable for more than "
                            + deliveryTimeout.toSeconds() + " s");
                }
                sleepMs(10);
            }
            return Admission.SEND;
        }

        @Override
        void kafkaAvailable() {
        }

        @Override
        boolean isOverloaded() {
            return false;
        }

        @Override
        boolean isLive() {
            return false;
        }
    }

    private static void sleepMs(final long ms) {
        try {
            Thread.sleep(ms);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
    }
}
