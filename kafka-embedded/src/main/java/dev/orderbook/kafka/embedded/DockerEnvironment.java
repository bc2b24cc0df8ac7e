package dev.orderbook.kafka.embedded;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Tells, cheaply and without touching the network, whether a Docker engine is reachable: a local Unix socket
 * that accepts a connection (a stale socket file refuses it), or an explicit non-Unix {@code DOCKER_HOST}, whose
 * reachability is left to Testcontainers to report. Stateless and thread-safe.
 */
final class DockerEnvironment {

    static final String DOCKER_HOST_ENV = "DOCKER_HOST";
    private static final String UNIX_SCHEME = "unix://";

    private DockerEnvironment() {
    }

    /**
     * Probes for a Docker engine.
     *
     * @param env the process environment ({@code DOCKER_HOST}, {@code HOME}, {@code XDG_RUNTIME_DIR})
     * @return true if a Docker engine looks reachable
     */
    static boolean isDockerAvailable(final Map<String, String> env) {
        final String dockerHost = env.get(DOCKER_HOST_ENV);
        if (dockerHost != null && !dockerHost.isBlank()) {
            final String trimmed = dockerHost.trim();
            if (trimmed.toLowerCase(Locale.ROOT).startsWith(UNIX_SCHEME)) {
                return acceptsConnections(Path.of(trimmed.substring(UNIX_SCHEME.length())));
            }
            // tcp://, ssh://, npipe://: set on purpose; probing a remote engine is Testcontainers' job.
            return true;
        }
        return candidateSockets(env).stream().anyMatch(DockerEnvironment::acceptsConnections);
    }

    /** Where Docker Engine, rootless Docker, Docker Desktop, Colima and Rancher Desktop put their socket. */
    static List<Path> candidateSockets(final Map<String, String> env) {
        final List<Path> sockets = new ArrayList<>();
        sockets.add(Path.of("/var/run/docker.sock"));
        final String runtimeDir = env.get("XDG_RUNTIME_DIR");
        if (runtimeDir != null && !runtimeDir.isBlank()) {
            sockets.add(Path.of(runtimeDir, "docker.sock"));
        }
        final String home = env.getOrDefault("HOME", System.getProperty("user.home"));
        if (home != null && !home.isBlank()) {
            sockets.add(Path.of(home, ".docker", "run", "docker.sock"));
            sockets.add(Path.of(home, ".docker", "desktop", "docker.sock"));
            sockets.add(Path.of(home, ".colima", "default", "docker.sock"));
            sockets.add(Path.of(home, ".rd", "docker.sock"));
        }
        return sockets;
    }

    /**
     * Connects to a Unix domain socket and closes the connection at once.
     *
     * @param socket the socket file
     * @return true if something accepted the connection
     */
    static boolean acceptsConnections(final Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            return channel.connect(UnixDomainSocketAddress.of(socket));
        } catch (final IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }
}
