package dev.orderbook.book;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orderbook.book.replay.Replay;
import dev.orderbook.codec.AdvancedTradeSplitter;
import dev.orderbook.codec.io.NdjsonReader;
import dev.orderbook.contract.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test input: feed lines turned into raw-topic records the way the ingestor writes them (key = product id, value =
 * the message bytes verbatim, an Advanced Trade message split one product per message, receive-time and session
 * headers, and each product's record numbers), and the replay's summaries for the same lines, to compare with.
 */
public final class RawFeed {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One raw-topic record. */
    public record Raw(byte[] key, byte[] value, Headers headers) {
        public String keyString() {
            return key == null ? null : new String(key, StandardCharsets.UTF_8);
        }
    }

    private RawFeed() {
    }

    /** Non-blank lines of a file, as bytes. */
    public static List<byte[]> lines(final Path file) {
        try {
            final List<byte[]> out = new ArrayList<>();
            for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    out.add(line.getBytes(StandardCharsets.UTF_8));
                }
            }
            return out;
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The records for these lines, in order, each product numbered from 1. */
    public static List<Raw> records(final List<byte[]> lines) {
        return records(lines, new HashMap<>());
    }

    /**
     * The records for these lines, in order, each product's numbers following on from {@code productSeq} (updated):
     * a feed produced in parts must number its second part after its first, as one ingestor session would.
     */
    public static List<Raw> records(final List<byte[]> lines, final Map<String, Long> productSeq) {
        final AdvancedTradeSplitter splitter = new AdvancedTradeSplitter();
        final List<Raw> out = new ArrayList<>();
        long seq = 0;
        for (final byte[] line : lines) {
            List<byte[]> values = List.of(line);
            if (new String(line, StandardCharsets.UTF_8).contains("\"l2_data\"")) {
                try {
                    values = splitter.split(line, 0, line.length).stream()
                            .map(AdvancedTradeSplitter.ProductMessage::json).toList();
                } catch (final AdvancedTradeSplitter.NotSplittable e) {
                    values = List.of(line);
                }
            }
            for (final byte[] value : values) {
                final Headers headers = new RecordHeaders();
                headers.add(Header.RECEIVE_TIME_NS.key(), Header.longHeader(System.currentTimeMillis() * 1_000_000L));
                headers.add(Header.SESSION_ID.key(), "test-session".getBytes(StandardCharsets.UTF_8));
                headers.add(Header.SESSION_SEQ.key(), Header.longHeader(++seq));
                final String product = productOf(value);
                headers.add(Header.PRODUCT_SEQ.key(), Header.longHeader(productSeq.merge(String.valueOf(product), 1L,
                        Long::sum)));
                out.add(new Raw(product == null ? null : product.getBytes(StandardCharsets.UTF_8), value, headers));
            }
        }
        return out;
    }

    /** The top-level {@code product_id} or the first event's, or null. */
    static String productOf(final byte[] value) {
        try {
            final JsonNode root = MAPPER.readTree(value);
            if (root == null || !root.isObject()) {
                return null;
            }
            final JsonNode id = root.get("product_id");
            if (id != null && id.isTextual()) {
                return id.textValue();
            }
            final JsonNode events = root.get("events");
            if (events != null && events.isArray() && events.size() > 0 && events.get(0).get("product_id") != null) {
                return events.get(0).get("product_id").asText();
            }
            return null;
        } catch (final IOException | RuntimeException e) {
            return null;
        }
    }

    /** The summary lines {@code ./orderbook replay --no-sequence-check} writes for these lines. */
    public static List<String> replaySummaries(final List<byte[]> lines) {
        return replay(lines, false);
    }

    /** Lines the replay reports as bad (each one a dead letter for the processor). */
    public static long replayBadLines(final List<byte[]> lines) {
        final ByteArrayOutputStream input = new ByteArrayOutputStream();
        for (final byte[] line : lines) {
            input.writeBytes(line);
            input.write('\n');
        }
        final Replay.Options d = Replay.Options.defaults();
        try (NdjsonReader reader = new NdjsonReader(new ByteArrayInputStream(input.toByteArray()), 1 << 24)) {
            return Replay.run(reader, OutputStream.nullOutputStream(), null, new PrintStream(
                    new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new Replay.Options(d.thresholds(), d.products(), d.maxLineBytes(), 0, false)).badLines();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The alert lines of the replay. */
    public static List<String> replayAlerts(final List<byte[]> lines) {
        return replay(lines, true);
    }

    private static List<String> replay(final List<byte[]> lines, final boolean alertsOnly) {
        final ByteArrayOutputStream input = new ByteArrayOutputStream();
        for (final byte[] line : lines) {
            input.writeBytes(line);
            input.write('\n');
        }
        final ByteArrayOutputStream summaries = new ByteArrayOutputStream();
        final ByteArrayOutputStream alerts = new ByteArrayOutputStream();
        final Replay.Options defaults = Replay.Options.defaults();
        final Replay.Options options = new Replay.Options(defaults.thresholds(), defaults.products(),
                defaults.maxLineBytes(), 0, false);
        try (NdjsonReader reader = new NdjsonReader(new ByteArrayInputStream(input.toByteArray()), 1 << 24)) {
            Replay.run(reader, summaries, alerts, new PrintStream(new ByteArrayOutputStream(), true,
                    StandardCharsets.UTF_8), options);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        final String text = (alertsOnly ? alerts : summaries).toString(StandardCharsets.UTF_8);
        return text.isEmpty() ? List.of() : Arrays.asList(text.split("\n"));
    }
}
