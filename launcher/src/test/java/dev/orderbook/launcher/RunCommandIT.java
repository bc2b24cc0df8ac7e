package dev.orderbook.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./orderbook run --feed simulator}: the one-command demo, whole (embedded broker, simulator over a real
 * WebSocket, ingestor, Kafka Streams processor, committed summaries on stdout), in this JVM.
 */
@Timeout(120)
class RunCommandIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @BeforeEach
    void captureStreams() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreStreams() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    @Test
    void shouldPrintLiveSummariesOfEveryProductFromTheWholePipelineOnTheSimulator() throws Exception {
        // When
        final int exit = OrderbookCli.commandLine().execute("run", "--feed", "simulator", "--duration", "15",
                "--products", "BTC-USD,ETH-USD", "--ingest-http-port", "0", "--process-http-port", "0");
        // Then
        assertThat(exit).as(stderr.toString(StandardCharsets.UTF_8)).isZero();
        final List<JsonNode> summaries = new ArrayList<>();
        for (final String line : stdout.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                summaries.add(MAPPER.readTree(line));
            }
        }
        assertThat(summaries).hasSizeGreaterThan(50);
        assertThat(summaries).extracting(s -> s.get("product_id").asText()).contains("BTC-USD", "ETH-USD");
        assertThat(summaries).filteredOn(s -> "live".equals(s.get("state").asText()))
                .allSatisfy(s -> assertThat(new BigDecimal(s.get("bid_price").asText()))
                        .isLessThan(new BigDecimal(s.get("ask_price").asText())));
        assertThat(summaries.get(summaries.size() - 1).get("state").asText()).isEqualTo("live");
        assertThat(stderr.toString(StandardCharsets.UTF_8)).contains("stopping; summaries printed: "
                + summaries.size());
    }
}
