package dev.orderbook.simulator.market;

import dev.orderbook.simulator.market.protocol.FeedEncoder;
import dev.orderbook.simulator.market.protocol.MalformedKind;
import dev.orderbook.simulator.market.protocol.MessageSink;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a synthetic Coinbase feed file: NDJSON, one message per line, {@code \n} line ends, exactly what a
 * client connected to the exchange would have received, in the chosen protocol. First the subscription
 * confirmation(s), then a snapshot per product, then book updates interleaved with heartbeats in simulated time
 * order. On the Advanced Trade protocol about one update message in ten
 * ({@link #MULTI_PRODUCT_MESSAGE_PROBABILITY}) carries two products' events.
 *
 * <p>Replaying the well-formed lines from the snapshots on gives, after every line, a valid uncrossed book for
 * every product. Bad lines (see {@link FeedFileOptions#badLinePeriod()}) are extra lines that consumers must drop;
 * they change no sequence number.
 *
 * <p>Deterministic: the same options give a byte-identical file (also gzip-compressed). Stateless and
 * thread-safe; each call builds its own market.
 */
public final class FeedFileGenerator {
    /** Chance that an Advanced Trade update message carries a second product's batch as well. */
    public static final double MULTI_PRODUCT_MESSAGE_PROBABILITY = 0.1;

    private static final Logger log = LoggerFactory.getLogger(FeedFileGenerator.class);
    private static final int GZIP_BUFFER_BYTES = 1 << 16;
    // Fastest deflate: measured over twice as fast as the default level, for about 30% more bytes.
    private static final int GZIP_LEVEL = Deflater.BEST_SPEED;
    // Snapshots follow the subscription confirmations by a simulated moment.
    private static final long SNAPSHOT_DELAY_NS = 1_000_000L;
    private static final MalformedKind[] MALFORMED_KINDS = MalformedKind.values();

    private FeedFileGenerator() {
    }

    /**
     * Writes the feed to {@code path}, replacing any file there; gzip-compressed when the name ends in
     * {@code .gz}.
     *
     * @return counts of what was written
     * @throws IOException if the file cannot be written
     */
    public static FeedFileResult generate(final Path path, final FeedFileOptions options) throws IOException {
        final Path fileName = path.getFileName();
        final boolean gzip = fileName != null && fileName.toString().endsWith(".gz");
        final long started = System.nanoTime();
        final FeedFileResult written;
        try (OutputStream file = Files.newOutputStream(path)) {
            if (gzip) {
                try (GZIPOutputStream zip = new FastGzipOutputStream(file)) {
                    written = write(zip, options);
                }
            } else {
                written = write(file, options);
            }
        }
        final FeedFileResult result = written.withFileBytes(Files.size(path));
        log.info("Generated feed file. path=[{}] protocol=[{}] messages=[{}] changes=[{}] badLines=[{}] bytes=[{}]"
                        + " fileBytes=[{}] elapsedMs=[{}]", path, options.protocol(), result.messages(),
                result.changes(), result.badLines(), result.bytes(), result.fileBytes(),
                (System.nanoTime() - started) / 1_000_000);
        return result;
    }

    /**
     * Writes the feed, uncompressed, to {@code out} and flushes it; does not close it.
     *
     * @return counts of what was written ({@code fileBytes} equals {@code bytes})
     * @throws IOException if the stream fails
     */
    public static FeedFileResult write(final OutputStream out, final FeedFileOptions options) throws IOException {
        try {
            return run(out, options);
        } catch (final UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static FeedFileResult run(final OutputStream out, final FeedFileOptions options) {
        final SyntheticMarket market = new SyntheticMarket(options.marketOptions());
        final long startNs = market.clockNs();
        final FeedEncoder encoder = FeedEncoder.forProtocol(options.protocol(), market.products(), startNs,
                options.seed());
        final SplittableRandom random = new SplittableRandom(Seeds.derive(options.seed(), Seeds.GENERATOR_STREAM));
        final NdjsonWriter writer = new NdjsonWriter(out);
        final LineSink sink = new LineSink(writer, encoder, market, options.badLinePeriod());

        encoder.encodeSubscriptions(startNs, sink);
        for (int p = 0; p < market.products().size(); p++) {
            sink.productIndex = p;
            encoder.encodeSnapshot(market, p, startNs + SNAPSHOT_DELAY_NS, sink);
        }

        final long maxChanges = options.maxChanges() > 0 ? options.maxChanges() : Long.MAX_VALUE;
        final long maxMessages = options.maxMessages() > 0 ? options.maxMessages() : Long.MAX_VALUE;
        final ChangeBatch[] batches = {market.newBatch(), market.newBatch()};
        long changes = 0;
        long updateMessages = 0;
        boolean pending = false;
        while (changes < maxChanges && updateMessages < maxMessages) {
            final long remaining = maxChanges - changes;
            if (!pending) {
                market.nextBatch(batches[0], capOf(remaining));
            }
            pending = false;
            int count = 1;
            final long remainingAfterFirst = remaining - batches[0].size();
            if (encoder.combinesProducts() && remainingAfterFirst > 0
                    && random.nextDouble() < MULTI_PRODUCT_MESSAGE_PROBABILITY) {
                market.nextBatch(batches[1], capOf(remainingAfterFirst));
                if (batches[1].productIndex() != batches[0].productIndex()) {
                    count = 2;
                } else {
                    // Same product twice: send the first alone now and the second as the next message.
                    pending = true;
                }
            }
            encoder.encodeHeartbeatsDue(batches[count - 1].timeNs(), sink);
            sink.productIndex = batches[0].productIndex();
            encoder.encodeUpdates(batches, count, sink);
            updateMessages++;
            for (int b = 0; b < count; b++) {
                changes += batches[b].size();
            }
            if (pending) {
                final ChangeBatch next = batches[1];
                batches[1] = batches[0];
                batches[0] = next;
            }
        }
        writer.flush();
        return new FeedFileResult(sink.messages, updateMessages, changes, sink.badLines, writer.bytes(),
                writer.bytes());
    }

    /** gzip at {@link #GZIP_LEVEL}: generation speed matters more here than the last few percent of size. */
    private static final class FastGzipOutputStream extends GZIPOutputStream {
        FastGzipOutputStream(final OutputStream out) throws IOException {
            super(out, GZIP_BUFFER_BYTES);
            def.setLevel(GZIP_LEVEL);
        }
    }

    private static int capOf(final long remaining) {
        return (int) Math.min(Integer.MAX_VALUE, remaining);
    }

    /** Counts well-formed lines and slips a bad line in wherever the line number is a multiple of the period. */
    private static final class LineSink implements MessageSink {
        private final NdjsonWriter writer;
        private final FeedEncoder encoder;
        private final SyntheticMarket market;
        private final long badLinePeriod;
        private final MessageSink badLineSink;
        int productIndex;
        long messages;
        long badLines;

        LineSink(final NdjsonWriter writer, final FeedEncoder encoder, final SyntheticMarket market,
                 final long badLinePeriod) {
            this.writer = writer;
            this.encoder = encoder;
            this.market = market;
            this.badLinePeriod = badLinePeriod;
            this.badLineSink = writer::write;
        }

        @Override
        public void accept(final CharSequence message) {
            if (badLinePeriod > 0 && (writer.lines() + 1) % badLinePeriod == 0) {
                final MalformedKind kind = MALFORMED_KINDS[(int) (badLines % MALFORMED_KINDS.length)];
                encoder.encodeMalformed(kind, market, productIndex, market.clockNs(), badLineSink);
                badLines++;
            }
            writer.write(message);
            messages++;
        }
    }
}
