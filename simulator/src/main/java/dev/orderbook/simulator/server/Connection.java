package dev.orderbook.simulator.server;

import dev.orderbook.simulator.market.Protocol;
import dev.orderbook.simulator.market.protocol.FeedEncoder;
import dev.orderbook.simulator.market.protocol.MessageSink;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client connection's protocol state: what it subscribed to, its encoder and, on Advanced Trade, its
 * {@code sequence_num} counter. Kept in the session's user properties under {@link #USER_PROPERTY}.
 *
 * <p>Threading: everything but {@link #pendingBytes} belongs to the sender thread. Messages go out with
 * asynchronous sends, so neither the sender thread nor a Grizzly I/O thread ever waits for a slow client; the
 * bytes in flight are counted and a client that falls too far behind is disconnected, as Coinbase does
 * ({@code ErrSlowConsume}).
 */
final class Connection {
    /** Key of the connection in {@link Session#getUserProperties()}. */
    static final String USER_PROPERTY = Connection.class.getName();

    private static final Logger log = LoggerFactory.getLogger(Connection.class);
    private static final String SEQUENCE_KEY = "\"sequence_num\":";

    final long id;
    final Session session;
    final long openedNanos;
    final Protocol protocol;
    /** The synthetic market's encoder of this connection; null when the market is a recorded file. */
    final FeedEncoder encoder;
    /** Level-2 subscription per market product index. */
    final boolean[] level2;
    /** Sender thread only: the Exchange book channel this connection subscribed to ({@code level2} once authenticated). */
    String exchangeBookChannel = "level2_batch";
    /** Per product: data and heartbeats withheld by the {@code silenceProduct} fault until resubscribed. */
    final boolean[] silenced;
    /** Exchange feed: heartbeat subscription per market product index. */
    final boolean[] heartbeat;
    /** Advanced Trade: subscribed to {@code heartbeats}. */
    boolean heartbeats;
    boolean subscribed;
    /** {@link System#nanoTime()} of the next heartbeat, 0 while none is subscribed. */
    long nextHeartbeatNanos;
    long heartbeatCounter;
    /** Snapshots and updates go through this sink; it stamps the connection's own sequence numbers. */
    final MessageSink sink = this::sendSequenced;

    private final boolean advanced;
    private final long maxPendingBytes;
    private final AtomicLong pendingBytes = new AtomicLong();
    private long nextSequenceNum;
    private boolean skipNext;
    private boolean closing;

    Connection(final long id, final Session session, final long openedNanos, final Protocol protocol,
               final FeedEncoder encoder, final int productCount, final long maxPendingBytes) {
        this.id = id;
        this.session = session;
        this.openedNanos = openedNanos;
        this.protocol = protocol;
        this.encoder = encoder;
        this.level2 = new boolean[productCount];
        this.silenced = new boolean[productCount];
        this.heartbeat = new boolean[productCount];
        this.advanced = protocol == Protocol.ADVANCED;
        this.maxPendingBytes = maxPendingBytes;
    }

    boolean isOpen() {
        return !closing && session.isOpen();
    }

    /** True if book data of product {@code p} is to be sent: subscribed, not silenced, open. */
    boolean receivesData(final int p) {
        return level2[p] && !silenced[p] && isOpen();
    }

    /** Advanced Trade: the next sequence number to send, skipping one if a gap was asked for. */
    long takeSequenceNum() {
        if (skipNext) {
            skipNext = false;
            nextSequenceNum++;
        }
        return nextSequenceNum++;
    }

    /** Advanced Trade: the next message's {@code sequence_num} jumps by one more than usual. */
    void skipSequenceNum() {
        skipNext = true;
    }

    /** Bytes handed to the WebSocket and not yet written. */
    long pendingBytes() {
        return pendingBytes.get();
    }

    /**
     * Sends an encoder's message; on Advanced Trade its {@code sequence_num} is replaced by this connection's,
     * because the server interleaves messages of its own (confirmations, heartbeats) with the encoder's.
     */
    void sendSequenced(final CharSequence message) {
        send(advanced ? restamp(message.toString()) : message.toString());
    }

    private String restamp(final String text) {
        final int key = text.indexOf(SEQUENCE_KEY);
        if (key < 0) {
            return text;
        }
        final int start = key + SEQUENCE_KEY.length();
        int end = start;
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
            end++;
        }
        return text.substring(0, start) + takeSequenceNum() + text.substring(end);
    }

    /** Sends one text frame asynchronously; disconnects the client if too much is already waiting. */
    void send(final String text) {
        if (!isOpen()) {
            return;
        }
        final long bytes = text.length();
        if (pendingBytes.addAndGet(bytes) > maxPendingBytes) {
            log.warn("Disconnecting slow consumer. connection=[{}] pendingBytes=[{}]", id, pendingBytes.get());
            close(CloseReason.CloseCodes.VIOLATED_POLICY, "ErrSlowConsume");
            return;
        }
        try {
            session.getAsyncRemote().sendText(text, result -> {
                pendingBytes.addAndGet(-bytes);
                if (!result.isOK()) {
                    log.debug("Send failed. connection=[{}]", id, result.getException());
                }
            });
        } catch (final RuntimeException e) {
            // The client went away between the open check and the send; its close event follows.
            pendingBytes.addAndGet(-bytes);
            log.debug("Send refused. connection=[{}]", id, e);
        }
    }

    /**
     * Resets the TCP connection without a close frame ({@link TcpAbort}); false if that is not possible here.
     * Nothing more is sent either way once it succeeded.
     */
    boolean abort() {
        if (closing) {
            return true;
        }
        if (TcpAbort.abort(session)) {
            closing = true;
            return true;
        }
        return false;
    }

    /** Closes the session with a close frame; does nothing if it is closing already. */
    void close(final CloseReason.CloseCode code, final String reason) {
        if (closing) {
            return;
        }
        closing = true;
        try {
            session.close(new CloseReason(code, reason));
        } catch (final IOException | RuntimeException e) {
            log.debug("Close failed. connection=[{}]", id, e);
        }
    }
}
