package dev.orderbook.ingestor.coinbase;

import dev.orderbook.codec.EventType;
import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.MessageKind;
import dev.orderbook.contract.GapReason;
import dev.orderbook.ingestor.frame.DecodedFrame;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Records every listener call as an {@link Event}, with the calling thread's name. Book messages are decoded on
 * arrival (a snapshot is noted per product). Thread-safe: the client calls it on its worker, tests read it.
 */
class RecordingFeedListener implements FeedListener {
    /** One listener call; fields not relevant to the call are null or -1. */
    record Event(String type, String sessionId, long sessionSequence, String text, String productId, String detail,
                 boolean snapshot, String threadName) {
    }

    private final List<Event> events = new ArrayList<>();

    @Override
    public synchronized void onConnected(final String sessionId) {
        add(new Event("connected", sessionId, -1, null, null, null, false, threadName()));
    }

    @Override
    public synchronized void onFrame(final DecodedFrame frame) {
        // The client's own decoding, as a consumer sees it.
        final FeedMessage m = frame.message();
        final String sessionId = frame.sessionId();
        final long sessionSequence = frame.sessionSeq();
        final String text = new String(frame.bytes(), StandardCharsets.UTF_8);
        if (m.kind() == MessageKind.BOOK) {
            for (int e = 0; e < m.eventCount(); e++) {
                add(new Event("message", sessionId, sessionSequence, text, m.eventProduct(e).id(), null,
                        m.eventType(e) == EventType.SNAPSHOT, threadName()));
            }
        } else {
            add(new Event("message", sessionId, sessionSequence, text, null, m.kind().name(), false,
                    threadName()));
        }
    }

    @Override
    public synchronized void onGap(final String productId, final GapReason reason) {
        add(new Event("gap", null, -1, null, productId, reason.wireName(), false, threadName()));
    }

    @Override
    public synchronized void onFatal(final Throwable error) {
        add(new Event("fatal", null, -1, null, null, String.valueOf(error), false, threadName()));
    }

    @Override
    public synchronized void onSubscriptionProblem(final String detail) {
        add(new Event("problem", null, -1, null, null, detail, false, threadName()));
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** Waits until an event matches, and returns the events so far. */
    synchronized List<Event> awaitEvent(final Predicate<Event> condition, final Duration timeout)
            throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (events.stream().noneMatch(condition)) {
            final long leftMs = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0) {
                throw new AssertionError("no matching event within " + timeout + "; events: " + summary());
            }
            wait(leftMs);
        }
        return List.copyOf(events);
    }

    /** A short description of the events, for failure messages (message texts left out). */
    synchronized String summary() {
        final StringBuilder out = new StringBuilder();
        for (final Event e : events) {
            if (!"message".equals(e.type()) || e.snapshot()) {
                out.append('\n').append(e.type()).append(' ').append(e.sessionId()).append(' ')
                        .append(e.productId()).append(' ').append(e.detail());
            }
        }
        return out.append("\n(").append(events.size()).append(" events)").toString();
    }

    private void add(final Event event) {
        events.add(event);
        notifyAll();
    }

    private static String threadName() {
        return Thread.currentThread().getName();
    }
}
