package dev.orderbook.book.replay;

import dev.orderbook.book.engine.AlertThresholds;
import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.io.NdjsonReader;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.contract.summary.BookSummary;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayTest {
    private static final String SNAPSHOT_BTC = "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\","
            + "\"bids\":[[\"100.00\",\"1.0\"],[\"99.00\",\"2\"]],\"asks\":[[\"101.00\",\"3\"],[\"102.00\",\"4\"]]}";

    /** What a replay produced. */
    record Run(List<String> summaries, List<String> alerts, String diagnostics, ReplayStats stats) {
        List<BookSummary> parsed() {
            return summaries.stream().map(BookSummary::fromJson).collect(Collectors.toList());
        }
    }

    private static Run replay(final Replay.Options options, final String... lines) throws IOException {
        final byte[] input = String.join("\n", lines).getBytes(StandardCharsets.UTF_8);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream alerts = new ByteArrayOutputStream();
        final ByteArrayOutputStream diag = new ByteArrayOutputStream();
        final ReplayStats stats;
        try (NdjsonReader reader = new NdjsonReader(new ByteArrayInputStream(input), 1 << 20)) {
            stats = Replay.run(reader, out, alerts, new PrintStream(diag, true, StandardCharsets.UTF_8), options);
        }
        return new Run(lines(out), lines(alerts), diag.toString(StandardCharsets.UTF_8), stats);
    }

    private static Run replay(final String... lines) throws IOException {
        return replay(Replay.Options.defaults(), lines);
    }

    private static List<String> lines(final ByteArrayOutputStream out) {
        final String s = out.toString(StandardCharsets.UTF_8);
        return s.isEmpty() ? List.of() : Arrays.asList(s.split("\n"));
    }

    private static String update(final String product, final String time, final String... changes) {
        return "{\"type\":\"l2update\",\"product_id\":\"" + product + "\",\"changes\":[" + String.join(",", changes)
                + "],\"time\":\"" + time + "\"}";
    }

    private static String change(final String side, final String price, final String size) {
        return "[\"" + side + "\",\"" + price + "\",\"" + size + "\"]";
    }

    @Test
    void shouldEmitLiveSummaryAfterSnapshot() throws IOException {
        final Run run = replay(SNAPSHOT_BTC);
        assertThat(run.summaries()).containsExactly("{\"product_id\":\"BTC-USD\",\"time\":null,"
                + "\"bid_price\":\"100\",\"bid_size\":\"1\",\"ask_price\":\"101\",\"ask_size\":\"3\","
                + "\"spread\":\"1\",\"spread_bps\":99.0099,\"mid\":\"100.5\",\"bid_levels\":2,\"ask_levels\":2,"
                + "\"state\":\"live\",\"microprice\":\"100.25\",\"imbalance\":-0.5,\"state_reason\":null}");
    }

    @Test
    void shouldEmitSummaryOnlyWhenTopOfBookChanges() throws IOException {
        final Run run = replay(SNAPSHOT_BTC,
                update("BTC-USD", "t1", change("buy", "98.00", "5")),      // deep: no summary
                update("BTC-USD", "t2", change("buy", "100.00", "1.5")),   // best bid size: summary
                update("BTC-USD", "t3", change("sell", "102.00", "0")),    // deep removal: no summary
                update("BTC-USD", "t4", change("sell", "100.50", "1")));   // new best ask: summary
        assertThat(run.parsed()).extracting(BookSummary::time).containsExactly(null, "t2", "t4");
        assertThat(run.parsed().get(2).askPrice()).isEqualByComparingTo("100.5");
        assertThat(run.parsed().get(2).askLevels()).isEqualTo(2);
        assertThat(run.stats().engine().changes).isEqualTo(4);
    }

    @Test
    void shouldApplyEveryChangeOfABatchedMessage() throws IOException {
        final Run run = replay(SNAPSHOT_BTC,
                update("BTC-USD", "t1", change("buy", "100.00", "0"), change("buy", "99.00", "0"),
                        change("buy", "97.00", "1"), change("sell", "101.00", "0")));
        final BookSummary last = run.parsed().get(run.parsed().size() - 1);
        assertThat(last.bidPrice()).isEqualByComparingTo("97");
        assertThat(last.askPrice()).isEqualByComparingTo("102");
        assertThat(last.bidLevels()).isEqualTo(1);
        assertThat(last.askLevels()).isEqualTo(1);
    }

    @Test
    void shouldRemoveLevelsWhateverTheSpellingOfZero() throws IOException {
        final Run run = replay(SNAPSHOT_BTC,
                update("BTC-USD", "t1", change("buy", "100.00", "0.00000000")),
                update("BTC-USD", "t2", change("buy", "99.00", "0.0")),
                update("BTC-USD", "t3", change("sell", "101.00", "0.00")));
        final BookSummary last = run.parsed().get(run.parsed().size() - 1);
        assertThat(last.bidPrice()).isNull();
        assertThat(last.bidLevels()).isZero();
        assertThat(last.askPrice()).isEqualByComparingTo("102");
    }

    @Test
    void shouldSayStaleOnceWhenUpdatesArriveBeforeAnySnapshot() throws IOException {
        final Run run = replay(update("BTC-USD", "t0", change("buy", "100.00", "1")),
                update("BTC-USD", "t1", change("buy", "100.50", "1")), SNAPSHOT_BTC);
        assertThat(run.parsed()).extracting(BookSummary::state).containsExactly("stale", "live");
        assertThat(run.parsed().get(0).bidPrice()).isNull();
        assertThat(run.parsed().get(0).bidLevels()).isZero();
        assertThat(run.stats().engine().skippedUpdates).isEqualTo(2);
    }

    @Test
    void shouldMarkBookStaleOnGapMarkerUntilNextSnapshot() throws IOException {
        final Run run = replay(SNAPSHOT_BTC,
                "{\"type\":\"x-orderbook-gap\",\"product_id\":\"BTC-USD\",\"reason\":\"disconnect\",\"time\":\"g\"}",
                update("BTC-USD", "t1", change("buy", "100.50", "1")),   // skipped: stale
                update("BTC-USD", "t2", change("sell", "100.70", "1")),  // skipped: stale
                SNAPSHOT_BTC);
        assertThat(run.parsed()).extracting(BookSummary::state).containsExactly("live", "stale", "live");
        assertThat(run.parsed().get(1).bidPrice()).isEqualByComparingTo("100");
        assertThat(run.stats().engine().skippedUpdates).isEqualTo(2);
        assertThat(run.stats().engine().gapMarkers).isEqualTo(1);
    }

    @Test
    void shouldFlagCrossedBookOnceAndWaitForSnapshot() throws IOException {
        final Run run = replay(SNAPSHOT_BTC,
                update("BTC-USD", "t1", change("buy", "101.50", "1")),   // bid above ask: crossed
                update("BTC-USD", "t2", change("sell", "103", "1")),     // frozen until snapshot
                SNAPSHOT_BTC);
        assertThat(run.parsed()).extracting(BookSummary::state).containsExactly("live", "crossed", "live");
        assertThat(run.parsed().get(1).spread()).isNegative();
        assertThat(run.stats().engine().crossed).isEqualTo(1);
        assertThat(run.alerts()).hasSize(2).allSatisfy(a -> assertThat(a).contains("\"state\":\"live\""));
    }

    @Test
    void shouldMarkEveryAdvancedTradeBookStaleOnSequenceGap() throws IOException {
        final String snap = "{\"channel\":\"l2_data\",\"timestamp\":\"a\",\"sequence_num\":%d,\"events\":["
                + "{\"type\":\"snapshot\",\"product_id\":\"%s\",\"updates\":["
                + "{\"side\":\"bid\",\"price_level\":\"10\",\"new_quantity\":\"1\"},"
                + "{\"side\":\"offer\",\"price_level\":\"11\",\"new_quantity\":\"1\"}]}]}";
        final String upd = "{\"channel\":\"l2_data\",\"timestamp\":\"b\",\"sequence_num\":%d,\"events\":["
                + "{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":["
                + "{\"side\":\"bid\",\"price_level\":\"10.5\",\"new_quantity\":\"1\"}]}]}";
        final Run run = replay(String.format(snap, 1, "BTC-USD"), String.format(snap, 2, "ETH-USD"),
                String.format(upd, 5));
        assertThat(run.parsed()).extracting(s -> s.productId() + ":" + s.state())
                .containsExactly("BTC-USD:live", "ETH-USD:live", "BTC-USD:stale", "ETH-USD:stale");
        assertThat(run.stats().engine().sequenceGaps).isEqualTo(1);
    }

    @Test
    void shouldReportBadLinesWithLineNumberAndGoOn() throws IOException {
        final Run run = replay("{not json",
                SNAPSHOT_BTC,
                update("BTC-USD", "t1", change("buy", "100.00", "-1")),
                "",
                SNAPSHOT_BTC,
                update("BTC-USD", "t2", change("buy", "100.00", "7")));
        assertThat(run.diagnostics()).contains("line 1: INVALID_JSON").contains("line 3: BAD_SIZE");
        assertThat(run.stats().badLines()).isEqualTo(2);
        assertThat(run.parsed()).extracting(BookSummary::state).containsExactly("live", "stale", "live", "live");
        assertThat(run.parsed().get(3).bidSize()).isEqualByComparingTo("7");
    }

    @Test
    void shouldMarkBookStaleWhenAMessageForItIsRejected() throws IOException {
        final Run run = replay(SNAPSHOT_BTC,
                update("BTC-USD", "t1", change("buy", "100.00", "9"), change("sell", "x", "1")),
                update("BTC-USD", "t2", change("buy", "100.00", "5")));
        // Nothing of the rejected message is applied, and the book no longer claims to be live.
        assertThat(run.parsed()).extracting(BookSummary::state).containsExactly("live", "stale");
        assertThat(run.parsed().get(1).bidSize()).isEqualByComparingTo("1");
        assertThat(run.parsed().get(1).time()).isNull();
        assertThat(run.stats().engine().staleByBadInput).isEqualTo(1);
        assertThat(run.stats().engine().skippedUpdates).isEqualTo(1);
    }

    @Test
    void shouldMarkEveryBookStaleWhenARejectedLineCannotBeAttributed() throws IOException {
        final String eth = "{\"type\":\"snapshot\",\"product_id\":\"ETH-USD\",\"bids\":[[\"9\",\"1\"]],"
                + "\"asks\":[[\"10\",\"1\"]]}";
        final Run run = replay(SNAPSHOT_BTC, eth, "{\"type\":\"l2update\",\"changes\":[[\"buy\",\"1\"",
                "{\"type\":\"heartbeat\",\"product_id\":7}");
        assertThat(run.parsed()).extracting(s -> s.productId() + ":" + s.state())
                .containsExactly("BTC-USD:live", "ETH-USD:live", "BTC-USD:stale", "ETH-USD:stale");
        assertThat(run.stats().badLines()).isEqualTo(2);
    }

    @Test
    void shouldLeaveBooksAloneWhenARejectedLineIsNotBookData() throws IOException {
        final Run run = replay(SNAPSHOT_BTC, "{\"type\":\"heartbeat\",\"product_id\":\"btc\",\"sequence\":1}",
                "{\"channel\":\"heartbeats\",\"sequence_num\":\"x\"}");
        assertThat(run.stats().badLines()).isEqualTo(2);
        assertThat(run.parsed()).extracting(BookSummary::state).containsExactly("live");
    }

    @Test
    void shouldIgnoreSequenceGapsWhenSequenceCheckIsOff() throws IOException {
        final String snap = "{\"channel\":\"l2_data\",\"timestamp\":\"a\",\"sequence_num\":%d,\"events\":["
                + "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"updates\":["
                + "{\"side\":\"bid\",\"price_level\":\"10\",\"new_quantity\":\"1\"}]}]}";
        final Replay.Options options = new Replay.Options(AlertThresholds.defaults(), ProductRegistry.open(),
                CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES, 100, false);
        final Run run = replay(options, String.format(snap, 1), String.format(snap, 9));
        assertThat(run.parsed()).extracting(BookSummary::state).containsExactly("live");
        assertThat(run.stats().engine().sequenceGaps).isZero();
    }

    @Test
    void shouldWriteAlertsAboveThresholdWithPerProductOverride() throws IOException {
        final String eth = "{\"type\":\"snapshot\",\"product_id\":\"ETH-USD\",\"bids\":[[\"999\",\"1\"]],"
                + "\"asks\":[[\"1000\",\"1\"]]}"; // spread 10 bps exactly: not above the default
        final Replay.Options options = new Replay.Options(AlertThresholds.of("10", Map.of("BTC-USD", "200")),
                ProductRegistry.open(), CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES, 100, true);
        final Run run = replay(options, SNAPSHOT_BTC, eth,
                update("ETH-USD", "t1", change("buy", "999", "0"), change("buy", "998", "1")),
                update("BTC-USD", "t2", change("sell", "101", "0"), change("sell", "102", "0"),
                        change("sell", "103", "1")));
        // BTC: 99 bps then ~291 bps over the 200 bps override; ETH: 10 bps (no), then 20 bps (yes).
        assertThat(run.alerts()).extracting(s -> BookSummary.fromJson(s).productId() + "@"
                + BookSummary.fromJson(s).time()).containsExactly("ETH-USD@t1", "BTC-USD@t2");
        assertThat(run.stats().engine().alerts).isEqualTo(2);
    }

    @Test
    void shouldProduceByteIdenticalOutputForTheSameInput() throws IOException {
        final String[] input = {SNAPSHOT_BTC, update("BTC-USD", "t1", change("buy", "100.5", "2")),
            "{\"type\":\"x-orderbook-gap\",\"product_id\":\"BTC-USD\",\"reason\":\"x\"}", SNAPSHOT_BTC};
        assertThat(replay(input).summaries()).isEqualTo(replay(input).summaries());
    }

    @Test
    void statsLineShouldStartWithTheDocumentedKeys() throws IOException {
        assertThat(replay(SNAPSHOT_BTC).stats().toStatsLine())
                .matches("messages=1 changes=0 bad_lines=0 crossed=0 seconds=\\d+\\.\\d+ changes_per_sec=\\d+ .*");
    }
}
