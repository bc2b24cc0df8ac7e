package dev.orderbook.book.replay;

import dev.orderbook.codec.io.NdjsonReader;
import dev.orderbook.contract.summary.BookSummary;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** The committed sample feeds replay as samples/README.md says they do. */
class SampleFilesReplayTest {
    private static final Path SAMPLES = Path.of("..", "samples");

    private record Output(List<BookSummary> summaries, int alerts, String diagnostics, ReplayStats stats) {
    }

    private static Output replay(final String file) throws IOException {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream alerts = new ByteArrayOutputStream();
        final ByteArrayOutputStream diag = new ByteArrayOutputStream();
        final ReplayStats stats;
        try (NdjsonReader reader = NdjsonReader.open(SAMPLES.resolve(file), 1 << 24)) {
            stats = Replay.run(reader, out, alerts, new PrintStream(diag, true, StandardCharsets.UTF_8),
                    Replay.Options.defaults());
        }
        final List<BookSummary> summaries = Arrays.stream(out.toString(StandardCharsets.UTF_8).split("\n"))
                .filter(l -> !l.isEmpty()).map(BookSummary::fromJson).collect(Collectors.toList());
        final int alertCount = (int) alerts.toString(StandardCharsets.UTF_8).lines().count();
        return new Output(summaries, alertCount, diag.toString(StandardCharsets.UTF_8), stats);
    }

    @Test
    void statesDemoShouldWalkThroughEveryStateAsDocumented() throws IOException {
        final Output o = replay("states-demo.ndjson");
        assertThat(o.summaries()).extracting(s -> s.productId() + ":" + s.state()).containsExactly(
                "ETH-USD:stale", "BTC-USD:live", "ETH-USD:live", "BTC-USD:live", "ETH-USD:live", "BTC-USD:stale",
                "BTC-USD:live", "BTC-USD:crossed", "BTC-USD:live", "ETH-USD:stale", "ETH-USD:live", "ETH-USD:stale",
                "BTC-USD:stale");
        assertThat(o.diagnostics()).contains("line 9: BAD_SIZE").contains("line 18: INVALID_JSON");
        assertThat(o.alerts()).isEqualTo(1);
        assertThat(o.stats().engine().crossed).isEqualTo(1);
        assertThat(o.stats().badLines()).isEqualTo(2);
    }

    @Test
    void syntheticSamplesShouldReplayWithoutFaults() throws IOException {
        for (final String file : List.of("synthetic-exchange.ndjson", "synthetic-advanced.ndjson")) {
            final Output o = replay(file);
            assertThat(o.stats().badLines()).as(file).isZero();
            assertThat(o.stats().engine().crossed).as(file).isZero();
            assertThat(o.summaries()).as(file).isNotEmpty()
                    .allSatisfy(s -> assertThat(s.state()).isEqualTo("live"));
        }
    }
}
