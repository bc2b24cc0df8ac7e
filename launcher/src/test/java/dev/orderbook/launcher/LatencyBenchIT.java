package dev.orderbook.launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.xml.parsers.DocumentBuilderFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code ./orderbook bench latency}, briefly, on the embedded broker: behaviour only (a line per rate with every field,
 * summaries counted, a well-formed plot); how fast is for the benchmark itself (docs/performance.md).
 */
@Timeout(180)
class LatencyBenchIT {
    private static final Pattern LINE = Pattern.compile("latency guarantee=(\\S+) offered_changes_per_sec=(\\d+) "
            + "sim_messages_per_sec=[\\d.]+ achieved_changes_per_sec=[\\d.]+ summaries=(\\d+) summaries_per_sec=[\\d.]+ "
            + "p50_ms=([\\d.]+) p99_ms=([\\d.]+) p999_ms=([\\d.]+) max_ms=([\\d.]+) seconds=[\\d.]+ "
            + "cpu_seconds=[\\d.]+ cpu_cores=[\\d.]+ stream_cpu_seconds=[\\d.]+ gc_seconds=[\\d.]+ "
            + "heap_used_max_mb=\\d+ heap_committed_mb=\\d+ load=\\S+");

    @RegisterExtension
    final CapturedStreams streams = new CapturedStreams();

    @Test
    void shouldPrintALinePerRateWithCountedSummariesAndPlotEveryPercentile(@TempDir final Path dir) throws Exception {
        // Given
        final Path svg = dir.resolve("latency.svg");
        // When
        final int exit = OrderbookCli.commandLine(Map.of()).execute("bench", "latency", "--rates", "400,800",
                "--warmup", "2s", "--duration", "3s", "--guarantee", "at_least_once", "--output-svg", svg.toString());
        // Then
        assertThat(exit).as(streams.err()).isZero();
        final List<Matcher> lines = new ArrayList<>();
        for (final String line : streams.out().split("\n")) {
            final Matcher m = LINE.matcher(line);
            if (m.matches()) {
                lines.add(m);
            }
        }
        assertThat(lines).as(streams.out()).hasSize(2);
        assertThat(lines).extracting(m -> m.group(2)).containsExactly("400", "800");
        for (final Matcher m : lines) {
            assertThat(m.group(1)).isEqualTo("at_least_once");
            assertThat(Long.parseLong(m.group(3))).as("summaries counted").isPositive();
            final double p50 = Double.parseDouble(m.group(4));
            final double p99 = Double.parseDouble(m.group(5));
            final double p999 = Double.parseDouble(m.group(6));
            final double max = Double.parseDouble(m.group(7));
            assertThat(p50).isPositive().isLessThanOrEqualTo(p99);
            assertThat(p99).isLessThanOrEqualTo(p999);
            assertThat(p999).isLessThanOrEqualTo(max);
        }
        final Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(svg.toFile());
        assertThat(doc.getDocumentElement().getTagName()).isEqualTo("svg");
        final NodeList polylines = doc.getElementsByTagName("polyline");
        final List<String> classes = new ArrayList<>();
        for (int i = 0; i < polylines.getLength(); i++) {
            final Element p = (Element) polylines.item(i);
            classes.add(p.getAttribute("class"));
            assertThat(p.getAttribute("points").trim().split("\\s+")).hasSize(2);
        }
        assertThat(classes).containsExactly("p50", "p99", "p99.9", "max");
    }
}
