package dev.orderbook.ingestor.file;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.orderbook.contract.Header;
import dev.orderbook.ingestor.RawTopicBooks;
import dev.orderbook.ingestor.RawTopicBooks.Raw;
import dev.orderbook.ingestor.publish.PublisherConfig;
import dev.orderbook.contract.TopicSpec;
import dev.orderbook.kafka.embedded.KafkaCluster;
import dev.orderbook.kafka.embedded.junit.KafkaClusterExtension;
import dev.orderbook.simulator.market.FeedFileGenerator;
import dev.orderbook.simulator.market.FeedFileOptions;
import dev.orderbook.simulator.market.FeedFileResult;
import dev.orderbook.simulator.market.Protocol;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code publish} of a generated feed file (with malformed lines) on a real broker: every line is accounted for,
 * each product's records keep the file's order, bad lines become dead letters followed by gap markers for the
 * products they concerned, and the headers carry the file session.
 */
@ExtendWith(KafkaClusterExtension.class)
@Timeout(120)
class FilePublisherIT {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD", "SOL-USD");
    private static final Map<Path, List<String>> LINES = new HashMap<>();

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void shouldPublishEveryLineOfARecordedFileAsTheLiveIngestorWould(final Protocol protocol,
                                                                      final KafkaCluster kafka,
                                                                      @TempDir final Path dir) throws Exception {
        // Given
        final Path file = dir.resolve("feed.ndjson.gz");
        final FeedFileResult generated = FeedFileGenerator.generate(file, FeedFileOptions.defaults()
                .withProtocol(protocol).withProductIds(PRODUCTS).withLimits(20_000, 0).withLevelsPerSide(200)
                .withBadLinePeriod(97));
        final String raw = KafkaClusterExtension.uniqueTopicName("raw");
        final String dlq = KafkaClusterExtension.uniqueTopicName("dlq");
        final PublisherConfig config = PublisherConfig.of(kafka.bootstrapServers(), PRODUCTS).withTopics(raw, dlq);
        // When
        final FilePublisher.Stats stats = FilePublisher.publish(file, config, Pacing.parse("max"), 0,
                TopicSpec.RAW.retention(), Duration.ofSeconds(30));
        // Then every line is accounted for
        assertThat(stats.lines()).isEqualTo(generated.lines());
        assertThat(stats.published() + stats.notBookData() + stats.deadLettered()).isEqualTo(stats.lines());
        assertThat(stats.deadLettered()).isEqualTo(generated.badLines()).isPositive();
        assertThat(stats.publishFailures()).isZero();
        final List<Raw> deadLetters = RawTopicBooks.readAll(kafka.bootstrapServers(), dlq);
        assertThat(deadLetters).hasSize((int) generated.badLines());
        assertThat(deadLetters).allSatisfy(r -> assertThat(r.headers()).containsKey(Header.DLQ_REASON.key()));

        // And each product's records are the file's, in order, with a marker after each bad line that concerned it
        final Map<String, List<Raw>> byProduct = RawTopicBooks.byProduct(
                RawTopicBooks.readAll(kafka.bootstrapServers(), raw));
        assertThat(byProduct.keySet()).containsExactlyInAnyOrderElementsOf(PRODUCTS);
        int markers = 0;
        for (final String product : PRODUCTS) {
            long lastLine = 0;
            for (final Raw r : byProduct.get(product)) {
                assertThat(r.sessionId()).isEqualTo(stats.sessionId());
                if (r.isGap()) {
                    assertThat(r.json().get("product_id").asText()).isEqualTo(product);
                    assertThat(r.json().get("reason").asText()).isEqualTo("invalid");
                    markers++;
                    continue;
                }
                final long line = r.sessionSeq();
                assertThat(line).as("%s records in file order", product).isGreaterThan(lastLine);
                lastLine = line;
                final String text = lineOf(file, line);
                if (protocol == Protocol.EXCHANGE) {
                    assertThat(new String(r.value(), StandardCharsets.UTF_8)).isEqualTo(text);
                } else {
                    for (final JsonNode event : r.json().get("events")) {
                        assertThat(event.get("product_id").asText()).isEqualTo(product);
                    }
                    assertThat(r.json().get("sequence_num")).isEqualTo(MAPPER.readTree(text).get("sequence_num"));
                }
            }
        }
        assertThat(markers).as("bad lines concern at least one product each, some every product").isPositive();
    }

    private static String lineOf(final Path file, final long lineNumber) throws Exception {
        List<String> lines = LINES.get(file);
        if (lines == null) {
            lines = new ArrayList<>();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(
                    new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
                String l;
                while ((l = in.readLine()) != null) {
                    lines.add(l);
                }
            }
            LINES.put(file, lines);
        }
        return lines.get((int) lineNumber - 1);
    }
}
