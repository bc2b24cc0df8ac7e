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

    @ParameterizedTest
    @ValueSource(ints = {0, 500})
    void shouldRebuildTheBooksExactlyFromACheckpointAndTheRawRecordsAfterIt(final int redelivered)
            throws IOException {
        // Given a feed with gaps, crossed books and bad lines, on partition 0, checkpointed every 2,000 changes
        final Path file = tmp.resolve("feed.ndjson");
        FeedFileGenerator.generate(file, FeedFileOptions.defaults().withMaxChanges(30_000).withLevelsPerSide(300)
                .withSeed(11).withBadLinePeriod(101));
        final List<byte[]> lines = RawFeed.lines(file);
        final List<RawFeed.Raw> records = RawFeed.records(lines);
        final MockProcessorContext<byte[], byte[]> context = checkpointContext();
        final int[] reads = {0};
        final RawHistory history = (topic, partition, from, to, handler) -> {
            for (long o = from; o <= to; o++) {
                final RawFeed.Raw r = records.get((int) o);
                handler.record(new Record<>(r.key(), r.value(), 0L, r.headers()), o);
                reads[0]++;
            }
        };
        final BookUpdateProcessor.Settings settings = checkpointSettings(history, 2_000);
        final List<String> out = new ArrayList<>();
        final int[] cuts = {records.size() / 3, 2 * records.size() / 3, records.size()};
        int from = 0;

        // When the processor is replaced by a new one on the same stores twice (a restart), mid-stream; and, at
        // least once, the records since the last commit are delivered again (they were applied, not committed)
        for (final int cut : cuts) {
            final BookUpdateProcessor processor = new BookUpdateProcessor(settings);
            processor.init(context);
            for (int i = Math.max(0, from - redelivered); i < cut; i++) {
                final RawFeed.Raw r = records.get(i);
                context.setRecordMetadata("raw", 0, i);
                processor.process(new Record<>(r.key(), r.value(), 0L, r.headers()));
            }
            out.addAll(summaries(context));
            processor.close();
            from = cut;
        }

        // Then the summaries are those of one uninterrupted replay, each once; and each start read again only the
        // records after the last checkpoint (each record is at least one unit of the interval's work)
        assertThat(out).containsExactlyElementsOf(RawFeed.replaySummaries(lines));
        assertThat(reads[0]).isPositive().isLessThanOrEqualTo(2 * 2_000);
    }

    @Test
    void shouldSayTheBooksAreStaleWhenTheRecordsAfterTheCheckpointAreGone() throws IOException {
        // Given a processor that checkpointed, then applied more records, which retention deleted since
        final Restarted restarted = restartedAfterHalfOfAFeed(records -> (topic, partition, from, to, handler) -> { });

        // Then every book says it is stale, and why, at once
        assertThat(restarted.announced()).isNotEmpty()
                .allMatch(v -> v.contains("\"state_reason\":\"raw-offset-gap\""));
        assertThat(restarted.processor().stateOf("BTC-USD")).isEqualTo(BookState.STALE);
        restarted.processor().close();
    }

    @Test
    void shouldSayTheBooksAreStaleWhenTheFirstRecordsAfterTheCheckpointAreGone() throws IOException {
        // Given a processor that checkpointed, then applied more records, the first of which retention deleted since
        final Restarted restarted = restartedAfterHalfOfAFeed(records -> (topic, partition, from, to, handler) -> {
            for (long o = from + 5; o <= to; o++) {
                final RawFeed.Raw r = records.get((int) o);
                handler.record(new Record<>(r.key(), r.value(), 0L, r.headers()), o);
            }
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
     * A checkpointing processor that applied the first half of a feed on partition 0, then a new one started on its
     * stores, reading the records after the checkpoint again through {@code history}, and punctuated once.
     */
    private Restarted restartedAfterHalfOfAFeed(
            final java.util.function.Function<List<RawFeed.Raw>, RawHistory> history) throws IOException {
        final Path file = tmp.resolve("feed.ndjson");
        FeedFileGenerator.generate(file, FeedFileOptions.defaults().withMaxChanges(10_000).withLevelsPerSide(100)
                .withSeed(5));
        final List<RawFeed.Raw> records = RawFeed.records(RawFeed.lines(file));
        final MockProcessorContext<byte[], byte[]> context = checkpointContext();
        final BookUpdateProcessor.Settings settings = checkpointSettings(history.apply(records), 1_000);
        final BookUpdateProcessor first = new BookUpdateProcessor(settings);
        first.init(context);
        for (int i = 0; i < records.size() / 2; i++) {
            final RawFeed.Raw r = records.get(i);
            context.setRecordMetadata("raw", 0, i);
            first.process(new Record<>(r.key(), r.value(), 0L, r.headers()));
        }
        first.close();
        context.resetForwards();

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
        for (final String name : new String[] {"book-checkpoints", "book-meta"}) {
            final KeyValueStore<Bytes, byte[]> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name),
                    Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled().withCachingDisabled().build();
            s.init(context.getStateStoreContext(), s);
            context.addStateStore(s);
        }
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
