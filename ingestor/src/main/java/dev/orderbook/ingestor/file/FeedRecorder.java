package dev.orderbook.ingestor.file;

import dev.orderbook.codec.RawMarkers;
import dev.orderbook.contract.GapReason;
import dev.orderbook.ingestor.coinbase.FeedListener;
import dev.orderbook.ingestor.frame.DecodedFrame;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;

/**
 * Captures a live feed to an NDJSON file that {@code replay} and {@code publish} read: every frame verbatim on its
 * own line (heartbeats and confirmations included), and a gap marker line ({@code x-orderbook-gap}) wherever the
 * client reported lost continuity, so that a replay marks the book stale exactly where the live one was. A name
 * ending in {@code .gz} is gzip-compressed.
 *
 * <p>The one change to a frame: a CR or LF byte (only possible as insignificant whitespace in valid JSON, since
 * strings cannot hold raw control characters) becomes a space, so that one frame stays one line. Such frames are
 * counted.
 *
 * <p>Thread-safe: the feed's worker writes, and {@link #flush()} may be called from a timer.
 */
public final class FeedRecorder implements FeedListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FeedRecorder.class);
    private static final int BUFFER_BYTES = 1 << 20;

    private final Path path;
    private final OutputStream out;
    private long frames;
    private long gaps;
    private long bytes;
    private long framesWithNewlines;
    private IOException failure;

    private FeedRecorder(final Path path, final OutputStream out) {
        this.path = path;
        this.out = out;
    }

    /** Creates (or truncates) the file. */
    public static FeedRecorder open(final Path path) throws IOException {
        OutputStream out = Files.newOutputStream(path);
        if (path.getFileName().toString().endsWith(".gz")) {
            out = new GZIPOutputStream(out, 64 * 1024);
        }
        return new FeedRecorder(path, new BufferedOutputStream(out, BUFFER_BYTES));
    }

    @Override
    public synchronized void onConnected(final String sessionId) {
        log.info("Recording session. sessionId=[{}] file=[{}]", sessionId, path);
    }

    @Override
    public synchronized void onFrame(final DecodedFrame frame) {
        final byte[] utf8Json = frame.bytes();
        boolean newline = false;
        for (int i = 0; i < utf8Json.length; i++) {
            if (utf8Json[i] == '\n' || utf8Json[i] == '\r') {
                utf8Json[i] = ' ';
                newline = true;
            }
        }
        if (newline) {
            framesWithNewlines++;
        }
        write(utf8Json);
        frames++;
    }

    @Override
    public synchronized void onGap(final String productId, final GapReason reason) {
        write(RawMarkers.gap(productId, reason.wireName(), Instant.now().toString()));
        gaps++;
    }

    @Override
    public void onSubscriptionProblem(final String detail) {
        log.warn("Subscription problem while recording. detail=[{}]", detail);
    }

    /**
     * The feed's worker failed: the recording ends here, and {@link #flush()} and {@link #close()} say so (the file
     * is still finished, so what was recorded can be read).
     */
    @Override
    public synchronized void onFatal(final Throwable error) {
        if (failure == null) {
            failure = new IOException("the feed worker failed: " + error, error);
        }
    }

    /** Pushes buffered lines to the file (a line is never split by a flush: lines are written whole). */
    public synchronized void flush() throws IOException {
        throwIfFailed();
        out.flush();
    }

    /** Frames written. */
    public synchronized long frames() {
        return frames;
    }

    /** Gap marker lines written. */
    public synchronized long gaps() {
        return gaps;
    }

    /** Bytes written, before compression. */
    public synchronized long bytes() {
        return bytes;
    }

    /** Frames whose CR/LF whitespace was replaced by spaces. */
    public synchronized long framesWithNewlines() {
        return framesWithNewlines;
    }

    /** Flushes and closes the file (finishing the gzip stream). */
    @Override
    public synchronized void close() throws IOException {
        try {
            out.close();
        } finally {
            throwIfFailed();
        }
    }

    private void write(final byte[] line) {
        if (failure != null) {
            return;
        }
        try {
            out.write(line);
            out.write('\n');
            bytes += line.length + 1L;
        } catch (final IOException e) {
            failure = e;
            log.error("Cannot write the recording; later frames are lost. file=[{}]", path, e);
        }
    }

    private void throwIfFailed() throws IOException {
        if (failure != null) {
            throw new IOException("writing " + path + " failed", failure);
        }
    }

    /** A one-line summary for the command line. */
    public synchronized String statsLine() {
        return String.format("recorded frames=%d gaps=%d bytes=%d framesWithNewlines=%d file=%s", frames, gaps,
                bytes, framesWithNewlines, path);
    }
}
