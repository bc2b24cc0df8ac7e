package dev.orderbook.book.processor;

import dev.orderbook.book.RawFeed;
import dev.orderbook.book.engine.AlertThresholds;
import dev.orderbook.book.engine.CrossedPolicy;
import dev.orderbook.simulator.market.FeedFileGenerator;
import dev.orderbook.simulator.market.FeedFileOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import dev.orderbook.contract.summary.BookState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The processor on a {@link MockProcessorContext}: a processor started on a filled store rebuilds the books. */
class BookUpdateProcessorTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void shouldRebuildTheBooksExactlyFromTheStoreOnInit(final boolean hashStore) throws IOException {
        // Given a feed with gaps, crossed books and bad lines, its first part applied by one processor
        final Path file = tmp.resolve("feed.ndjson");
        FeedFileGenerator.generate(file, FeedFileOptions.defaults().withMaxChanges(30_000).withLevelsPerSide(300)
                .withSeed(11).withBadLinePeriod(101));
        final List<byte[]> lines = RawFeed.lines(file);
        final List<RawFeed.Raw> records = RawFeed.records(lines);
        final MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(1_000L);
        final KeyValueStore<Bytes, byte[]> store = Stores.keyValueStoreBuilder(hashStore
                        ? HashLevelStore.supplier("books") : Stores.inMemoryKeyValueStore("books"),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
        store.init(context.getStateStoreContext(), store);
        context.addStateStore(store);
        final KeyValueStore<Bytes, byte[]> meta = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(
                "book-meta"), Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
        meta.init(context.getStateStoreContext(), meta);
        context.addStateStore(meta);
        final BookUpdateProcessor.Settings settings = new BookUpdateProcessor.Settings(AlertThresholds.defaults(),
                CrossedPolicy.FLAG, "books", "book-meta", 16 << 20, 5_000, 10_000,
                new ProcessorMetrics(new SimpleMeterRegistry()), new LocalBooks());
        final List<String> out = new ArrayList<>();
        final int[] cuts = {records.size() / 3, 2 * records.size() / 3, records.size()};
        int from = 0;

        // When the processor is replaced by a new one on the same store twice (a restart), mid-stream
        for (final int cut : cuts) {
            final BookUpdateProcessor processor = new BookUpdateProcessor(settings);
            processor.init(context);
            for (final RawFeed.Raw r : records.subList(from, cut)) {
                processor.process(new Record<>(r.key(), r.value(), 0L, r.headers()));
            }
            for (final MockProcessorContext.CapturedForward<? extends byte[], ? extends byte[]> f
                    : context.forwarded()) {
                if (BookUpdateProcessor.SUMMARIES_CHILD.equals(f.childName().orElse(null))) {
                    out.add(new String(f.record().value(), StandardCharsets.UTF_8));
                }
            }
            context.resetForwards();
            processor.close();
            from = cut;
        }

        // Then the summaries are those of one uninterrupted replay: same levels, states and emission marks
        assertThat(out).containsExactlyElementsOf(RawFeed.replaySummaries(lines));
    }

    @ParameterizedTest(name = "redelivered {0}, bad line period {1}")
    @CsvSource({"0, 0", "500, 0", "0, 101", "500, 101"})
    void shouldRebuildTheBooksExactlyFromACheckpointAndTheRawRecordsAfterIt(final int redelivered,
                                                                           final int badLinePeriod)
            throws IOException {
        // Given a feed (clean: summaries all along; or with bad lines, after which the books are stale), on
        // partition 0, checkpointed every 2,000 changes
        final Path file = tmp.resolve("feed.ndjson");
        FeedFileGenerator.generate(file, FeedFileOptions.defaults().withMaxChanges(30_000).withLevelsPerSide(300)
                .withSeed(11).withBadLinePeriod(badLinePeriod));
        final List<byte[]> lines = RawFeed.lines(file);
        final List<RawFeed.Raw> records = RawFeed.records(lines);
        final MockProcessorContext<byte[], byte[]> context = checkpointContext();
        final ListedHistory history = new ListedHistory(records);
        final BookUpdateProcessor.Settings settings = checkpointSettings(history, 2_000);
        final java.util.Map<Integer, List<String>> first = new java.util.TreeMap<>();
        final List<String> again = new ArrayList<>();
        final int[] cuts = {records.size() / 3, 2 * records.size() / 3, records.size()};
        int from = 0;

        // When the processor is replaced by a new one on the same stores twice (a restart), mid-stream, where the
        // application committed; or (at-least-once) committed 500 records before it stopped, which come again
        for (final int cut : cuts) {
            final int resume = Math.max(0, from - redelivered);
            history.committed = from == 0 ? -1 : resume;
            final BookUpdateProcessor processor = new BookUpdateProcessor(settings);
            processor.init(context);
            for (int i = resume; i < cut; i++) {
                final RawFeed.Raw r = records.get(i);
                context.setRecordMetadata("raw", 0, i);
                processor.process(new Record<>(r.key(), r.value(), 0L, r.headers()));
                final List<String> emitted = summaries(context);
                if (first.containsKey(i)) {
                    assertThat(emitted).as("summaries of record %d delivered again", i).isIn(List.of(),
                            first.get(i));
                    again.addAll(emitted);
                } else {
                    first.put(i, emitted);
                }
            }
            processor.close();
            from = cut;
        }

        // Then the summaries are those of one uninterrupted replay; a record delivered again gives its summaries
        // again or (when the checkpoint had it) none, never another top; and each start read again only the
        // records between the last checkpoint and the committed offset (each record is at least one unit of the
        // interval's work; with 500 delivered again, the checkpoint is mostly ahead of the committed offset)
        assertThat(first.values().stream().flatMap(List::stream).toList())
                .containsExactlyElementsOf(RawFeed.replaySummaries(lines));
        if (redelivered > 0 && badLinePeriod == 0) {
            assertThat(again).isNotEmpty();
        }
        assertThat(history.reads).isLessThanOrEqualTo(2 * 2_000);
        if (redelivered == 0) {
            assertThat(history.reads).isPositive();
        }
    }

    @Test
    void shouldKeepAWatchdogVerdictAcrossARestartThoughNoRecordSaysSo() throws IOException {
        // Given a clean feed on partition 0 whose books are live after its first half, then silent for longer
        // than staleAfter: the watchdog makes them stale (feed-silent), a verdict no raw record carries
        final Path file = tmp.resolve("feed.ndjson");
        FeedFileGenerator.generate(file, FeedFileOptions.defaults().withMaxChanges(10_000).withLevelsPerSide(100)
                .withSeed(5));
        final List<RawFeed.Raw> records = RawFeed.records(RawFeed.lines(file));
        final int half = records.size() / 2;
        final List<String> uninterrupted = silentThenResumed(records, half, false);

        // When the processor is replaced right after the verdict (everything committed), and the feed resumes
        final List<String> restarted = silentThenResumed(records, half, true);

        // Then the restarted processor says what an uninterrupted one says: the verdict holds until the next
        // record of the chain makes the book live again, with the same summaries
        assertThat(uninterrupted).anyMatch(v -> v.contains("\"state_reason\":\"feed-silent\""));
        assertThat(restarted).containsExactlyElementsOf(uninterrupted);
    }

    /**
     * The summaries of a checkpointing processor that applies {@code records} up to {@code half}, falls silent past
     * staleAfter (one watchdog run), then applies the rest; {@code restart}: a new processor takes over right after the
     * watchdog, at the committed offset {@code half}, and the test checks its books are still stale after its start.
     */
    private List<String> silentThenResumed(final List<RawFeed.Raw> records, final int half, final boolean restart) {
        final Restartable p = new Restartable(records);
        for (int i = 0; i < half; i++) {
            p.apply(i);
        }
        assertThat(p.processor.stateOf("BTC-USD")).isEqualTo(BookState.LIVE);
        p.context.setCurrentSystemTimeMs(1_000L + 6_000L);
        final var punctuators = p.context.scheduledPunctuators();
        punctuators.get(punctuators.size() - 1).getPunctuator().punctuate(1_000L + 6_000L);
        assertThat(p.processor.stateOf("BTC-USD")).isEqualTo(BookState.STALE);
        if (restart) {
            p.restartAt(half);
            assertThat(p.processor.stateOf("BTC-USD")).as("after the restart, before any record")
                    .isEqualTo(BookState.STALE);
        }
        for (int i = half; i < records.size(); i++) {
            p.apply(i);
        }
        p.processor.close();
        return p.out;
    }

    /**
     * A checkpointing processor (checkpoints only when something the records would not repeat happens) on partition 0
     * of {@code records}, which a test can replace by a new one at a committed offset; collects what it forwards
     * (summaries and dead letters, not snapshot requests).
     */
    private static final class Restartable {
        final MockProcessorContext<byte[], byte[]> context = checkpointContext();
        final List<RawFeed.Raw> records;
        final ListedHistory history;
        final BookUpdateProcessor.Settings settings;
        final List<String> out = new ArrayList<>();
        BookUpdateProcessor processor;

        Restartable(final List<RawFeed.Raw> records) {
            this.records = records;
            this.history = new ListedHistory(records);
            this.settings = checkpointSettings(history, 1_000_000);
            this.processor = new BookUpdateProcessor(settings);
            processor.init(context);
        }

        void apply(final int offset) {
            final RawFeed.Raw r = records.get(offset);
            context.setRecordMetadata("raw", 0, offset);
            processor.process(new Record<>(r.key(), r.value(), 0L, r.headers()));
            collect();
        }

        void restartAt(final long committed) {
            collect();
            processor.close();
            history.committed = committed;
            processor = new BookUpdateProcessor(settings);
            processor.init(context);
        }

        private void collect() {
            for (final MockProcessorContext.CapturedForward<? extends byte[], ? extends byte[]> f
                    : context.forwarded()) {
                if (!BookUpdateProcessor.CONTROL_CHILD.equals(f.childName().orElse(null))) {
                    out.add(f.childName().orElse("") + " " + new String(f.record().value(), StandardCharsets.UTF_8));
                }
            }
            context.resetForwards();
        }
    }

    @Test
    void shouldKeepADeposedIngestorsRecordLetInAfterSilenceAcrossARestart() {
        // Given a book of an ingestor elected at epoch 5, stale (its gap) and then silent, and a new ingestor's
        // group starting at epoch 1: its first record is let in only because the old chain is silent, which no raw
        // record says
        final String snapshot = "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\","
                + "\"bids\":[[\"100\",\"1\"]],\"asks\":[[\"101\",\"3\"]]}";
        final String gap = new String(dev.orderbook.codec.RawMarkers.gap("BTC-USD", "startup", null),
                StandardCharsets.UTF_8);
        final List<RawFeed.Raw> records = List.of(sequenced(5, "old", 1, snapshot), sequenced(5, "old", 2, gap),
                sequenced(1, "new", 1, gap), sequenced(1, "new", 2, snapshot));
        final List<String> uninterrupted = letInAfterSilence(records, false);

        // When the processor is replaced right after that record (everything committed)
        final List<String> restarted = letInAfterSilence(records, true);

        // Then the new ingestor's chain goes on after the restart as it does without one: its snapshot makes the
        // book live, nothing is fenced
        assertThat(uninterrupted).last().satisfies(v -> assertThat(v).contains("\"state\":\"live\""));
        assertThat(restarted).containsExactlyElementsOf(uninterrupted);
    }

    private static RawFeed.Raw sequenced(final long epoch, final String session, final long seq, final String json) {
        final org.apache.kafka.common.header.Headers headers = new org.apache.kafka.common.header.internals
                .RecordHeaders();
        headers.add(dev.orderbook.contract.Header.SESSION_ID.key(), session.getBytes(StandardCharsets.UTF_8));
        headers.add(dev.orderbook.contract.Header.PRODUCT_SEQ.key(), dev.orderbook.contract.Header.longHeader(seq));
        headers.add(dev.orderbook.contract.Header.LEADER_EPOCH.key(),
                dev.orderbook.contract.Header.longHeader(epoch));
        return new RawFeed.Raw("BTC-USD".getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8),
                headers);
    }

    /**
     * Summaries and dead letters of a checkpointing processor given records 0 and 1, then silence past staleAfter,
     * then records 2 and 3; {@code restart}: a new processor takes over after record 2, at the committed offset 3.
     */
    private List<String> letInAfterSilence(final List<RawFeed.Raw> records, final boolean restart) {
        final Restartable p = new Restartable(records);
        p.apply(0);
        p.apply(1);
        p.context.setCurrentSystemTimeMs(1_000L + 6_000L);
        p.apply(2);
        if (restart) {
            p.restartAt(3);
        }
        p.apply(3);
        p.processor.close();
        return p.out;
    }

    /** The records a test produced, as a raw history; offsets in {@code missing} are gone (retention). */
    private static final class ListedHistory implements RawHistory {
        private final List<RawFeed.Raw> records;
        private final java.util.function.LongPredicate missing;
        long committed = -1;
        int reads;

        ListedHistory(final List<RawFeed.Raw> records) {
            this(records, o -> false);
        }

        ListedHistory(final List<RawFeed.Raw> records, final java.util.function.LongPredicate missing) {
            this.records = records;
            this.missing = missing;
        }

        @Override
        public void read(final String topic, final int partition, final long fromOffset, final long toOffset,
                         final Handler handler) {
            for (long o = fromOffset; o <= toOffset; o++) {
                if (!missing.test(o)) {
                    final RawFeed.Raw r = records.get((int) o);
                    handler.record(new Record<>(r.key(), r.value(), 0L, r.headers()), o);
                    reads++;
                }
            }
        }

        @Override
        public long committedOffset(final String topic, final int partition) {
            return committed;
        }
    }

    @Test
    void shouldSayTheBooksAreStaleWhenTheRecordsAfterTheCheckpointAreGone() throws IOException {
        // Given a processor that checkpointed, then applied more records, which retention deleted since
        final Restarted restarted = restartedAfterHalfOfAFeed(o -> true);

        // Then every book says it is stale, and why, at once
        assertThat(restarted.announced()).isNotEmpty()
                .allMatch(v -> v.contains("\"state_reason\":\"raw-offset-gap\""));
        assertThat(restarted.processor().stateOf("BTC-USD")).isEqualTo(BookState.STALE);
        restarted.processor().close();
    }

    @Test
    void shouldSayTheBooksAreStaleWhenTheFirstRecordsAfterTheCheckpointAreGone() throws IOException {
        // Given a processor that checkpointed, then applied more records, the first of which retention deleted since
        final int[] firstWanted = {-1};
        final Restarted restarted = restartedAfterHalfOfAFeed(o -> {
            if (firstWanted[0] < 0) {
                firstWanted[0] = (int) o;
            }
            return o < firstWanted[0] + 5;
        });

        // Then the books say they are stale: what they missed is unknown
        assertThat(restarted.announced()).isNotEmpty()
                .allMatch(v -> v.contains("\"state_reason\":\"raw-offset-gap\""));
        restarted.processor().close();
    }

    /** A restarted processor and the summaries it announced at its first punctuation. */
    private record Restarted(BookUpdateProcessor processor, List<String> announced) {
    }

    /**
     * A checkpointing processor that applied (and committed) the first half of a feed on partition 0, then a new one
     * started on its stores, reading the records after the checkpoint again but for those {@code missing}, and
     * punctuated once.
     */
    private Restarted restartedAfterHalfOfAFeed(final java.util.function.LongPredicate missing) throws IOException {
        final Path file = tmp.resolve("feed.ndjson");
        FeedFileGenerator.generate(file, FeedFileOptions.defaults().withMaxChanges(10_000).withLevelsPerSide(100)
                .withSeed(5));
        final List<RawFeed.Raw> records = RawFeed.records(RawFeed.lines(file));
        final MockProcessorContext<byte[], byte[]> context = checkpointContext();
        final ListedHistory history = new ListedHistory(records, missing);
        final BookUpdateProcessor.Settings settings = checkpointSettings(history, 1_000);
        final BookUpdateProcessor first = new BookUpdateProcessor(settings);
        first.init(context);
        for (int i = 0; i < records.size() / 2; i++) {
            final RawFeed.Raw r = records.get(i);
            context.setRecordMetadata("raw", 0, i);
            first.process(new Record<>(r.key(), r.value(), 0L, r.headers()));
        }
        first.close();
        context.resetForwards();
        history.committed = records.size() / 2;

        // When a new processor starts and cannot read all of those records again
        final BookUpdateProcessor restarted = new BookUpdateProcessor(settings);
        restarted.init(context);
        final var punctuators = context.scheduledPunctuators();
        punctuators.get(punctuators.size() - 1).getPunctuator().punctuate(2_000L);
        return new Restarted(restarted, summaries(context));
    }

    private static MockProcessorContext<byte[], byte[]> checkpointContext() {
        final MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(1_000L);
        final KeyValueStore<Bytes, byte[]> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(
                "book-checkpoints"), Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled()
                .build();
        s.init(context.getStateStoreContext(), s);
        context.addStateStore(s);
        return context;
    }

    private static BookUpdateProcessor.Settings checkpointSettings(final RawHistory history, final long every) {
        return new BookUpdateProcessor.Settings(AlertThresholds.defaults(), CrossedPolicy.FLAG, "books", "book-meta",
                16 << 20, 5_000, 10_000, new ProcessorMetrics(new SimpleMeterRegistry()), new LocalBooks(),
                new BookUpdateProcessor.Checkpointing("book-checkpoints", "raw", history, every, 3_600_000));
    }

    private static List<String> summaries(final MockProcessorContext<byte[], byte[]> context) {
        final List<String> out = new ArrayList<>();
        for (final MockProcessorContext.CapturedForward<? extends byte[], ? extends byte[]> f : context.forwarded()) {
            if (BookUpdateProcessor.SUMMARIES_CHILD.equals(f.childName().orElse(null))) {
                out.add(new String(f.record().value(), StandardCharsets.UTF_8));
            }
        }
        context.resetForwards();
        return out;
    }

    @Test
    void shouldMarkTheTasksBooksStaleWhenRawOffsetsJump() {
        // Given a processor that read offsets 0 and 1 of partition 0 (a live book)
        final MockProcessorContext<byte[], byte[]> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(1_000L);
        for (final String name : new String[] {"books", "book-meta"}) {
            final KeyValueStore<Bytes, byte[]> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name),
                    Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
            s.init(context.getStateStoreContext(), s);
            context.addStateStore(s);
        }
        final BookUpdateProcessor processor = new BookUpdateProcessor(new BookUpdateProcessor.Settings(
                AlertThresholds.defaults(), CrossedPolicy.FLAG, "books", "book-meta", 16 << 20, 5_000, 10_000,
                new ProcessorMetrics(new SimpleMeterRegistry()), new LocalBooks()));
        processor.init(context);
        final List<RawFeed.Raw> records = RawFeed.records(List.of(
                "{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[[\"1\",\"1\"]],\"asks\":[[\"2\",\"1\"]]}"
                        .getBytes(StandardCharsets.UTF_8),
                "{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"1\",\"2\"]]}"
                        .getBytes(StandardCharsets.UTF_8)));
        context.setRecordMetadata("raw", 0, 0);
        processor.process(new Record<>(records.get(0).key(), records.get(0).value(), 0L, records.get(0).headers()));
        context.setRecordMetadata("raw", 0, 1);
        processor.process(new Record<>(records.get(1).key(), records.get(1).value(), 0L, records.get(1).headers()));
        assertThat(processor.stateOf("BTC-USD")).isEqualTo(BookState.LIVE);
        // When the next record read is offset 9: 2..8 were deleted (retention) before they were read
        context.setRecordMetadata("raw", 0, 9);
        processor.process(new Record<>(records.get(1).key(), records.get(1).value(), 0L, records.get(1).headers()));
        // Then the book is stale until its next snapshot, and says why
        assertThat(processor.stateOf("BTC-USD")).isEqualTo(BookState.STALE);
        assertThat(context.forwarded()).extracting(f -> new String(f.record().value(), StandardCharsets.UTF_8))
                .anyMatch(v -> v.contains("\"state_reason\":\"raw-offset-gap\""));
        processor.close();
    }
}
