package dev.orderbook.kafka.embedded;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class StandaloneBrokerIT {

    private static final long TIMEOUT_MS = 30_000;

    @Test
    void shouldPrintOneReadyLineServeUntilInterruptedAndKeepGivenDir(@TempDir final Path tempDir) throws Exception {
        // Given
        final Path dir = tempDir.resolve("broker");
        final int port = freePort();
        final ByteArrayOutputStream output = new ByteArrayOutputStream();
        final PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);
        final AtomicInteger exitCode = new AtomicInteger(-1);
        final Thread runner = new Thread(() -> exitCode.set(StandaloneBroker.run(port, dir, out)), "standalone-it");

        // When
        runner.start();
        final String line = awaitFirstLine(output);

        // Then
        assertThat(line).isEqualTo("Kafka broker (KRaft) ready at 127.0.0.1:" + port + "; Ctrl-C to stop");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + port))) {
            assertThat(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS)).hasSize(1);
        }

        runner.interrupt();
        runner.join(TIMEOUT_MS);
        assertThat(runner.isAlive()).isFalse();
        assertThat(exitCode).hasValue(StandaloneBroker.EXIT_OK);
        assertThat(output.toString(StandardCharsets.UTF_8)).isEqualTo(line + System.lineSeparator());
        assertThat(dir.resolve("meta.properties")).isRegularFile();
        try (ServerSocket released = new ServerSocket()) {
            released.bind(new InetSocketAddress("127.0.0.1", port));
        }
    }

    @Test
    void shouldReportOneFailureLineWhenPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            final ByteArrayOutputStream output = new ByteArrayOutputStream();

            final int exitCode = StandaloneBroker.run(
                taken.getLocalPort(), null, new PrintStream(output, true, StandardCharsets.UTF_8));

            assertThat(exitCode).isEqualTo(StandaloneBroker.EXIT_START_FAILED);
            assertThat(output.toString(StandardCharsets.UTF_8))
                .startsWith("Kafka broker failed to start: Port " + taken.getLocalPort())
                .hasLineCount(1);
        }
    }

    private static String awaitFirstLine(final ByteArrayOutputStream output) throws InterruptedException {
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (System.nanoTime() < deadlineNs) {
            final String text = output.toString(StandardCharsets.UTF_8);
            final int end = text.indexOf(System.lineSeparator());
            if (end >= 0) {
                return text.substring(0, end);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("No line printed within " + TIMEOUT_MS + " ms");
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }
}
