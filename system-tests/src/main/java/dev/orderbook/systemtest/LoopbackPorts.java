package dev.orderbook.systemtest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/**
 * Free ports on 127.0.0.1, for processes that must know each other's port before either listens: a broker's
 * proxied listener and the {@link TcpProxy} in front of it advertise each other. Stateless and thread-safe.
 */
public final class LoopbackPorts {

    private LoopbackPorts() {
    }

    /**
     * Returns a port that was free on 127.0.0.1 a moment ago. Nothing reserves it: bind it soon. Ports the
     * operating system hands out for port 0 come from the ephemeral range in turn, so it is rarely handed out again
     * before it is bound.
     *
     * @return a port, 1 to 65535
     * @throws UncheckedIOException if no port can be bound
     */
    public static int free() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(TcpProxy.LOOPBACK_HOST, 0));
            return socket.getLocalPort();
        } catch (final IOException e) {
            throw new UncheckedIOException("Could not find a free port on " + TcpProxy.LOOPBACK_HOST, e);
        }
    }
}
