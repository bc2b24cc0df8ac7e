package dev.orderbook.kafka.embedded;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class DockerEnvironmentTest {

    @Test
    void shouldReportDockerWhenDockerHostSocketAcceptsConnections(@TempDir final Path dir) throws IOException {
        final Path socket = dir.resolve("docker.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));

            assertThat(DockerEnvironment.isDockerAvailable(Map.of("DOCKER_HOST", "unix://" + socket))).isTrue();
        }
    }

    @Test
    void shouldNotReportDockerForStaleSocketFile(@TempDir final Path dir) throws IOException {
        final Path socket = dir.resolve("docker.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();

        assertThat(DockerEnvironment.acceptsConnections(socket)).isFalse();
    }

    @Test
    void shouldNotReportDockerForMissingDockerHostSocket(@TempDir final Path dir) {
        final Path socket = dir.resolve("missing.sock");

        assertThat(DockerEnvironment.isDockerAvailable(Map.of("DOCKER_HOST", "unix://" + socket))).isFalse();
    }

    @Test
    void shouldNotReportDockerForRegularFile(@TempDir final Path dir) throws IOException {
        final Path notASocket = Files.createFile(dir.resolve("docker.sock"));

        assertThat(DockerEnvironment.acceptsConnections(notASocket)).isFalse();
    }

    @Test
    void shouldTrustExplicitTcpDockerHostWithoutConnecting() {
        assertThat(DockerEnvironment.isDockerAvailable(Map.of("DOCKER_HOST", "tcp://docker.invalid:2375"))).isTrue();
    }

    @Test
    void shouldLookForRootlessAndDesktopSocketsUnderHomeAndRuntimeDir() {
        final Map<String, String> env = Map.of("HOME", "/home/dev", "XDG_RUNTIME_DIR", "/run/user/1000");

        assertThat(DockerEnvironment.candidateSockets(env)).contains(
            Path.of("/var/run/docker.sock"),
            Path.of("/run/user/1000/docker.sock"),
            Path.of("/home/dev/.docker/run/docker.sock"));
    }
}
