package dev.orderbook.ingestor.file;

import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.contract.GapReason;
import dev.orderbook.ingestor.frame.DecodedFrame;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orderbook.codec.io.NdjsonReader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FeedRecorderTest {
    private static final CoinbaseDecoder DECODER = new CoinbaseDecoder(ProductRegistry.open());

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static List<String> lines(final Path file) throws Exception {
        final List<String> out = new ArrayList<>();
        try (NdjsonReader reader = NdjsonReader.open(file, 1 << 20)) {
            while (reader.next()) {
                out.add(new String(Arrays.copyOfRange(reader.buffer(), reader.offset(),
                        reader.offset() + reader.length()), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    @Test
    void shouldWriteFramesVerbatimAndRawMarkersAsLinesToAGzipFile(@TempDir final Path dir) throws Exception {
        // Given
        final Path file = dir.resolve("feed.ndjson.gz");
        final String frame = "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"1.5\",\"2\"]]}";
        // When
        try (FeedRecorder recorder = FeedRecorder.open(file)) {
            recorder.onConnected("s1");
            recorder.onFrame(new DecodedFrame().decode(DECODER, "s1", 1, 0, frame.getBytes(StandardCharsets.UTF_8)));
            recorder.onGap("BTC-USD", GapReason.DISCONNECT);
        }
        // Then
        final List<String> lines = lines(file);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo(frame);
        final JsonNode gap = MAPPER.readTree(lines.get(1));
        assertThat(gap.get("type").asText()).isEqualTo("x-orderbook-gap");
        assertThat(gap.get("product_id").asText()).isEqualTo("BTC-USD");
        assertThat(gap.get("reason").asText()).isEqualTo("disconnect");
        assertThat(Files.readAllBytes(file)[0] & 0xFF).as("gzip magic").isEqualTo(0x1F);
    }

    @Test
    void shouldKeepAPrettyPrintedFrameOnOneLineWithTheSameJsonValue(@TempDir final Path dir) throws Exception {
        // Given
        final Path file = dir.resolve("feed.ndjson");
        final String pretty = "{\r\n  \"type\": \"heartbeat\",\n  \"product_id\": \"BTC-USD\"\n}";
        // When
        final FeedRecorder recorder = FeedRecorder.open(file);
        recorder.onFrame(new DecodedFrame().decode(DECODER, "s1", 1, 0, pretty.getBytes(StandardCharsets.UTF_8)));
        recorder.close();
        // Then
        final List<String> lines = lines(file);
        assertThat(lines).hasSize(1);
        assertThat(MAPPER.readTree(lines.get(0))).isEqualTo(MAPPER.readTree(pretty));
        assertThat(recorder.framesWithNewlines()).isEqualTo(1);
        assertThat(recorder.statsLine()).contains("recorded frames=1 gaps=0");
    }
}
