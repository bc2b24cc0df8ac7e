package dev.orderbook.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class OrderbookCliTest {
    @RegisterExtension
    final CapturedStreams streams = new CapturedStreams();

    private int run(final String... args) {
        return OrderbookCli.commandLine(java.util.Map.of()).execute(args);
    }

    private String err() {
        return streams.err();
    }

    @Test
    void helpShouldListEveryCommand() {
        assertThat(run("--help")).isZero();
        assertThat(streams.out()).contains("run", "replay", "bench", "generate", "broker", "simulate",
                "ingest", "process", "record", "publish");
    }

    @ParameterizedTest
    @ValueSource(strings = {"run", "replay", "bench", "generate", "broker", "simulate", "ingest", "process", "record",
        "publish"})
    void everyCommandShouldHaveHelp(final String command) {
        assertThat(run(command, "--help")).isZero();
        assertThat(streams.out()).contains("Usage: orderbook " + command);
    }

    @Test
    void ingestShouldRejectAnUnknownProtocolBeforeConnecting() {
        assertThat(run("ingest", "--bootstrap", "127.0.0.1:1", "--protocol", "fix")).isEqualTo(2);
        assertThat(err()).contains("--protocol must be exchange or advanced");
    }

    @Test
    void publishShouldRejectAnInvalidRate(@TempDir final Path dir) throws IOException {
        final Path file = Files.writeString(dir.resolve("feed.ndjson"), "{}\n");
        assertThat(run("publish", "--input", file.toString(), "--bootstrap", "127.0.0.1:1", "--rate", "fast"))
                .isEqualTo(2);
        assertThat(err()).contains("rate must be max, original or Nx");
    }

    @Test
    void publishShouldFailClearlyWhenKafkaCannotBeReached(@TempDir final Path dir) throws IOException {
        final Path file = Files.writeString(dir.resolve("feed.ndjson"), "{}\n");
        assertThat(run("publish", "--input", file.toString(), "--bootstrap", "127.0.0.1:1",
                "--kafka-timeout-seconds", "2")).isEqualTo(1);
        assertThat(err()).contains("cannot reach Kafka at 127.0.0.1:1").contains("--bootstrap");
    }

    @Test
    void benchProcessShouldHaveHelp() {
        assertThat(run("bench", "process", "--help")).isZero();
        assertThat(streams.out()).contains("changes_per_sec", "read_committed");
    }

    @Test
    void benchLatencyShouldHaveHelpAndRefuseABadRateBeforeStartingAnything() {
        assertThat(run("bench", "latency", "--help")).isZero();
        assertThat(streams.out()).contains("read_committed", "p99_ms", "--commit-interval-ms", "--linger-ms");
        assertThat(run("bench", "latency", "--rates", "0")).isEqualTo(2);
        assertThat(streams.err()).contains("--rates must be positive");
    }

    @Test
    void processShouldRejectAnUnknownGuaranteeBeforeConnecting() {
        assertThat(run("process", "--bootstrap", "127.0.0.1:1", "--guarantee", "exactly_once")).isEqualTo(2);
        assertThat(streams.err()).contains("guarantee must be exactly_once_v2 or "
                + "at_least_once");
    }

    @Test
    void benchBookShouldHaveHelp() {
        assertThat(run("bench", "book", "--help")).isZero();
        assertThat(streams.out()).contains("changes_per_sec");
    }

    @Test
    void shouldReplayGzipFileToOutputAndAlertFilesAndEndStderrWithStats(@TempDir final Path dir) throws IOException {
        final Path input = dir.resolve("feed.ndjson.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(input))) {
            out.write(String.join("\n",
                    "not json",
                    "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[[\"100\",\"1\"]],\"asks\":[[\"101\",\"1\"]]}",
                    "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"time\":\"t\",\"changes\":[[\"buy\",\"100.9\",\"2\"]]}")
                    .getBytes(StandardCharsets.UTF_8));
        }
        final Path output = dir.resolve("summaries.ndjson");
        final Path alerts = dir.resolve("alerts.ndjson");
        assertThat(run("replay", "--input", input.toString(), "--output", output.toString(),
                "--alerts", alerts.toString(), "--alert-bps", "50")).isZero();
        final List<String> summaries = Files.readAllLines(output);
        assertThat(summaries).hasSize(2);
        assertThat(summaries.get(1)).contains("\"bid_price\":\"100.9\"");
        // 1/101 = 99 bps > 50: alert; 0.1/101 = 9.9 bps: none.
        assertThat(Files.readAllLines(alerts)).containsExactly(summaries.get(0));
        final String[] errLines = err().trim().split("\n");
        assertThat(errLines[0]).startsWith("line 1: INVALID_JSON");
        assertThat(errLines[errLines.length - 1]).startsWith("messages=2 changes=1 bad_lines=1 crossed=0 seconds=");
    }

    @Test
    void shouldWriteSummariesToStdoutByDefault(@TempDir final Path dir) throws IOException {
        final Path input = dir.resolve("feed.ndjson");
        Files.writeString(input,
                "{\"type\":\"snapshot\",\"product_id\":\"ETH-USD\",\"bids\":[[\"10\",\"1\"]],\"asks\":[[\"11\",\"1\"]]}\n");
        assertThat(run("replay", "--input", input.toString())).isZero();
        assertThat(streams.out()).startsWith("{\"product_id\":\"ETH-USD\"").endsWith("}\n");
    }

    @Test
    void shouldFailClearlyOnMissingInputFile(@TempDir final Path dir) {
        assertThat(run("replay", "--input", dir.resolve("nope.ndjson").toString())).isEqualTo(1);
        assertThat(err()).contains("no such file").contains("nope.ndjson");
    }

    @Test
    void shouldRejectScalesOutsideTheSupportedRangeAtStartup(@TempDir final Path dir) throws IOException {
        final Path input = Files.writeString(dir.resolve("f.ndjson"), "");
        assertThat(run("replay", "--input", input.toString(), "--scale", "5")).isEqualTo(2);
        assertThat(err()).contains("--scale must be 10 to 18");
        assertThat(run("replay", "--input", input.toString(), "--scale-for", "BTC-USD=25:2")).isEqualTo(2);
        assertThat(err()).contains("scale must be 0..18");
    }

    @Test
    void simulateShouldRejectAnUnknownProtocol() {
        assertThat(run("simulate", "--protocol", "fix")).isEqualTo(2);
        assertThat(err()).contains("orderbook simulate:");
    }

    @Test
    void simulateShouldRejectAnAdminPortOutOfRange() {
        assertThat(run("simulate", "--admin-port", "70000")).isEqualTo(2);
        assertThat(err()).contains("--admin-port must be 0 to 65535");
        assertThat(run("simulate", "--admin-port", "-1")).isEqualTo(2);
    }

    @Test
    void simulateHelpShouldDescribeTheTruthLogAndTheAdminServer() {
        assertThat(run("simulate", "--help")).isZero();
        assertThat(streams.out()).contains("--truth-log", "--admin-port", "/faults/cross?product=P", "/top/P",
                "Simulator admin at http://127.0.0.1:PORT/");
    }

    @Test
    void simulateShouldRejectAnUnreadableOrUnrecognisableInput(@TempDir final Path dir) throws IOException {
        assertThat(run("simulate", "--input", dir.resolve("nope.ndjson").toString())).isEqualTo(2);
        assertThat(err()).contains("cannot read").contains("nope.ndjson");
        final Path notAFeed = Files.writeString(dir.resolve("f.ndjson"), "hello\n");
        assertThat(run("simulate", "--input", notAFeed.toString())).isEqualTo(2);
        assertThat(err()).contains("cannot tell the protocol");
    }

    @Test
    void shouldRejectInvalidAlertThreshold(@TempDir final Path dir) throws IOException {
        final Path input = Files.writeString(dir.resolve("f.ndjson"), "");
        assertThat(run("replay", "--input", input.toString(), "--alert-bps", "-3")).isEqualTo(2);
        assertThat(err()).contains("alert threshold");
    }

    @Test
    void generateThenBenchBookShouldPrintOneLineOfFigures(@TempDir final Path dir) {
        final Path feed = dir.resolve("feed.ndjson");
        assertThat(run("generate", "--output", feed.toString(), "--changes", "20000", "--levels", "500",
                "--products", "BTC-USD,ETH-USD")).isZero();
        assertThat(err()).contains("synthetic");
        assertThat(run("bench", "book", "--input", feed.toString(), "--passes", "1")).isZero();
        assertThat(streams.out())
                .matches("(?s)book changes=20000 seconds=[0-9.]+ changes_per_sec=[0-9]+ .*\n");
    }
}
