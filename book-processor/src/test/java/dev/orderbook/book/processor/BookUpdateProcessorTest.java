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
