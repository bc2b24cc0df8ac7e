package dev.orderbook.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigDecimal;
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
    @RegisterExtension
    final CapturedStreams streams = new CapturedStreams();

    @Test
    void shouldPrintLiveSummariesOfEveryProductFromTheWholePipelineOnTheSimulator() throws Exception {
        // When
        final int exit = OrderbookCli.commandLine(java.util.Map.of()).execute("run", "--feed", "simulator", "--duration", "15",
                "--products", "BTC-USD,ETH-USD", "--ingest-http-port", "0", "--process-http-port", "0");
        // Then
        assertThat(exit).as(streams.err()).isZero();
        final List<JsonNode> summaries = new ArrayList<>();
        for (final String line : streams.out().split("\n")) {
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
        assertThat(streams.err()).contains("stopping; summaries printed: "
                + summaries.size());
    }
}
