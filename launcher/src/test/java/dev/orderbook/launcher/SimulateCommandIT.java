package dev.orderbook.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./orderbook simulate} with a truth log and an admin server, run in-process until interrupted. */
class SimulateCommandIT {
    private static final Pattern ADMIN_LINE =
            Pattern.compile("(?m)^Simulator admin at (http://127\\.0\\.0\\.1:\\d+/)$");

    @RegisterExtension
    final CapturedStreams streams = new CapturedStreams();

    @TempDir
    Path dir;

    @Test
    void simulateShouldPrintTheAdminUrlServeItAndWriteTheTruthLogUntilInterrupted() throws Exception {
        final Path truthLog = dir.resolve("truth.ndjson");
        final AtomicInteger exitCode = new AtomicInteger(-1);
        final Thread runner = new Thread(() -> exitCode.set(OrderbookCli.commandLine(java.util.Map.of()).execute("simulate",
                "--port", "0", "--admin-port", "0", "--truth-log", truthLog.toString(), "--rate", "200")));
        runner.start();
        try {
            // When it has started
            final String adminUrl = awaitAdminUrl();
            // Then the admin server answers and the truth log fills
            final HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(adminUrl + "health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"ok\"", "\"products\":[\"BTC-USD\",\"ETH-USD\"]");
            assertThat(streams.out()).containsPattern("(?m)^Coinbase simulator \\(EXCHANGE\\) at "
                    + "ws://127\\.0\\.0\\.1:\\d+/\\RSimulator admin at ");
            assertThat(awaitTruthLines(truthLog)).allMatch(line -> line.startsWith("{\"product_id\":\""));
        } finally {
            runner.interrupt();
            runner.join(10_000);
        }
        assertThat(runner.isAlive()).isFalse();
        assertThat(exitCode.get()).isZero();
    }

    private String awaitAdminUrl() throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            final Matcher matcher = ADMIN_LINE.matcher(streams.out());
            if (matcher.find()) {
                return matcher.group(1);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no admin line within 10 s; printed: " + streams.out() + streams.err());
    }

    private static List<String> awaitTruthLines(final Path file) throws Exception {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            final List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (!lines.isEmpty()) {
                return lines;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no truth line within 10 s");
    }
}
