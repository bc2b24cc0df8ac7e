package dev.orderbook.simulator.server;

import jakarta.websocket.Session;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;

/**
 * Resets a WebSocket's TCP connection under Tyrus and Grizzly: no close frame, no FIN, an RST (linger 0), as a
 * crashed server or a middlebox dropping the connection would. Neither Tyrus nor its Grizzly container exposes
 * the socket, so it is reached through their internals ({@code TyrusRemoteEndpoint.webSocket},
 * {@code TyrusWebSocket.protocolHandler}, {@code ProtocolHandler.writer}, {@code GrizzlyWriter.connection},
 * {@code NIOConnection.getChannel()}, {@code closeSilently()}), checked against Tyrus 2.2.2 on Grizzly 4; if they change, {@link #abort} says so and the
 * caller falls back to an ordinary close.
 *
 * <p>Stateless; call it on the sender thread.
 */
final class TcpAbort {
    private static final Logger log = LoggerFactory.getLogger(TcpAbort.class);

    private TcpAbort() {
    }

    /**
     * Resets the session's TCP connection.
     *
     * @return true if the socket was reset; false if it could not be reached (then nothing was done)
     */
    static boolean abort(final Session session) {
        try {
            final Object webSocket = field(session.getBasicRemote(), "webSocket");
            final Object protocolHandler = field(webSocket, "protocolHandler");
            final Object writer = field(protocolHandler, "writer");
            final Object connection = field(writer, "connection");
            final Method getChannel = findMethod(connection.getClass(), "getChannel");
            getChannel.setAccessible(true);
            final SocketChannel channel = (SocketChannel) getChannel.invoke(connection);
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            // Closed by Grizzly itself, on its selector thread: closing the registered channel here would only
            // take effect at the selector's next wake-up. Linger 0 turns the close into a reset.
            final Method closeSilently = findMethod(connection.getClass(), "closeSilently");
            closeSilently.setAccessible(true);
            closeSilently.invoke(connection);
            return true;
        } catch (final ReflectiveOperationException | IOException | RuntimeException e) {
            log.warn("Cannot reset the TCP connection under this Tyrus/Grizzly version. session=[{}] error=[{}]",
                    session.getId(), e.toString());
            return false;
        }
    }

    private static Object field(final Object target, final String name) throws ReflectiveOperationException {
        for (Class<?> type = target.getClass(); type != null; type = type.getSuperclass()) {
            try {
                final Field field = type.getDeclaredField(name);
                field.setAccessible(true);
                final Object value = field.get(target);
                if (value == null) {
                    throw new NoSuchFieldException(name + " is null in " + type.getName());
                }
                return value;
            } catch (final NoSuchFieldException e) {
                // Declared higher up, perhaps.
            }
        }
        throw new NoSuchFieldException(name + " in " + target.getClass().getName());
    }

    private static Method findMethod(final Class<?> start, final String name) throws NoSuchMethodException {
        for (Class<?> type = start; type != null; type = type.getSuperclass()) {
            for (final Method method : type.getDeclaredMethods()) {
                if (method.getName().equals(name) && method.getParameterCount() == 0) {
                    return method;
                }
            }
        }
        throw new NoSuchMethodException(name + " in " + start.getName());
    }
}
