package dev.orderbook.book.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.orderbook.codec.io.NdjsonReader;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Real replay output, in every state and with empty sides, validates against the published JSON Schema. */
class SummarySchemaTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static JsonSchema schema() throws IOException {
        try (InputStream in = SummarySchemaTest.class.getResourceAsStream("/schema/orderbook-summary-v1.schema.json")) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
    }

    @Test
    void shouldValidateEveryReplayedSummaryAgainstTheSchema() throws IOException {
        final String input = String.join("\n",
                "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[[\"100.5\",\"1\"]],\"asks\":[]}",
                "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"time\":\"2026-11-23T19:00:00.1Z\","
                        + "\"changes\":[[\"sell\",\"100.75\",\"0.25\"]]}",
                "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"time\":\"2026-11-23T19:00:00.2Z\","
                        + "\"changes\":[[\"buy\",\"101\",\"2\"]]}",
                "{\"type\":\"x-orderbook-gap\",\"product_id\":\"ETH-USD\",\"reason\":\"disconnect\"}",
                "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[[\"99\",\"1\"]],\"asks\":[[\"99.5\",\"3\"]]}",
                "{\"type\":\"x-orderbook-gap\",\"product_id\":\"BTC-USD\",\"reason\":\"sequence\"}");
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (NdjsonReader reader = new NdjsonReader(
                new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), 1 << 20)) {
            Replay.run(reader, out, null, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    Replay.Options.defaults());
        }
        final String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(6);
        final JsonSchema schema = schema();
        for (final String line : lines) {
            final JsonNode node = MAPPER.readTree(line);
            final Set<ValidationMessage> errors = schema.validate(node);
            assertThat(errors).as(line).isEmpty();
        }
        assertThat(String.join("\n", lines)).contains("\"state\":\"crossed\"").contains("\"state\":\"stale\"")
                .contains("\"bid_price\":null").contains("\"ask_price\":null");
    }

    @Test
    void schemaShouldRejectFloatPricesAndUnknownStates() throws IOException {
        final JsonSchema schema = schema();
        final String valid = "{\"product_id\":\"BTC-USD\",\"time\":null,\"bid_price\":\"1\",\"bid_size\":\"1\","
                + "\"ask_price\":\"2\",\"ask_size\":\"1\",\"spread\":\"1\",\"spread_bps\":5000,\"mid\":\"1.5\","
                + "\"bid_levels\":1,\"ask_levels\":1,\"state\":\"live\"}";
        assertThat(schema.validate(MAPPER.readTree(valid))).isEmpty();
        assertThat(schema.validate(MAPPER.readTree(valid.replace("\"bid_price\":\"1\"", "\"bid_price\":1.0"))))
                .isNotEmpty();
        assertThat(schema.validate(MAPPER.readTree(valid.replace("\"live\"", "\"ok\"")))).isNotEmpty();
        assertThat(schema.validate(MAPPER.readTree(valid.replace("\"1.5\"", "\"1.50\"")))).isNotEmpty();
    }
}
