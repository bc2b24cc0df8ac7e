package dev.orderbook.simulator.server;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket endpoint: hands every connection, client message and close to the {@link FeedSender}. One
 * instance serves all sessions.
 *
 * <p>Threading: called on Grizzly I/O threads; it only enqueues work, never sends or blocks.
 *
 * <p>Public only because Tyrus invokes its methods reflectively; it is created by {@link ExchangeSimulator}.
 */
public final class SimulatorEndpoint extends Endpoint {
    private static final Logger log = LoggerFactory.getLogger(SimulatorEndpoint.class);

    private final FeedSender sender;
    private final int maxMessageBytes;

    SimulatorEndpoint(final FeedSender sender, final int maxMessageBytes) {
        this.sender = sender;
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public void onOpen(final Session session, final EndpointConfig config) {
        session.setMaxTextMessageBufferSize(maxMessageBytes);
        final Connection connection = sender.open(session);
        session.getUserProperties().put(Connection.USER_PROPERTY, connection);
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text ->
                sender.onClientText(connection, text));
    }

    @Override
    public void onClose(final Session session, final CloseReason closeReason) {
        final Object connection = session.getUserProperties().get(Connection.USER_PROPERTY);
        if (connection instanceof Connection) {
            sender.closed((Connection) connection);
        }
    }

    @Override
    public void onError(final Session session, final Throwable error) {
        log.debug("WebSocket error. session=[{}]", session.getId(), error);
    }
}
