package dev.orderbook.simulator.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The truth log: one NDJSON line ({@link TopOfBook#toJson()}) per product a market message touched, written by
 * the sender thread after the message was applied to the market's books, so that another process can check what
 * a pipeline made of the feed against what the market really held.
 *
 * <p>Visibility: lines are buffered and written out by {@link #flushIfDue} at most every {@link #FLUSH_INTERVAL_NS}
 * (the sender calls it on every loop turn, also while silent), so a reader sees a line within about that long;
 * flushing per line would cost a system call per message at 50,000 messages a second. The buffer only ever hands
 * whole lines to the file (a line larger than the free space flushes the buffer first), but a reader should still
 * treat a last line without its newline as incomplete.
 *
 * <p>Failure: the first write error is logged and ends the log (nothing more is written); the simulator carries on.
 *
 * <p>Threading: the sender thread writes; {@link #close()} comes from the closing thread after the sender stopped.
 * Methods are synchronized, which costs nothing uncontended and keeps a late close safe.
 */
final class TruthLog implements AutoCloseable {
    /** Lines reach the file at most this long after they were written. */
    static final long FLUSH_INTERVAL_NS = 50_000_000L;

    private static final Logger log = LoggerFactory.getLogger(TruthLog.class);
    // Whole lines per write(2): 50,000 lines a second of ~170 bytes fill it about every 8 ms.
    private static final int BUFFER_BYTES = 1 << 16;

    private final Path file;
    private final OutputStream out;
    private long lines;
    private boolean dirty;
    private boolean failed;
    private boolean closed;
    private long lastFlushNanos = System.nanoTime();

    private TruthLog(final Path file, final OutputStream out) {
        this.file = file;
        this.out = out;
    }

    /**
     * Creates (or truncates) the file and opens it for writing.
     *
     * @throws IOException if it cannot be created
     */
    static TruthLog open(final Path file) throws IOException {
        final OutputStream stream = Files.newOutputStream(file, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
        log.info("Truth log opened. file=[{}]", file);
        return new TruthLog(file, new BufferedOutputStream(stream, BUFFER_BYTES));
    }

    /** Appends one line (buffered). */
    synchronized void write(final TopOfBook top) {
        if (failed || closed) {
            return;
        }
        final byte[] line = (top.toJson() + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            out.write(line);
            lines++;
            dirty = true;
        } catch (final IOException e) {
            fail("write", e);
        }
    }

    /** Writes the buffered lines out if some are waiting and the last flush is {@link #FLUSH_INTERVAL_NS} old. */
    synchronized void flushIfDue(final long nowNanos) {
        if (!dirty || nowNanos - lastFlushNanos < FLUSH_INTERVAL_NS || failed || closed) {
            return;
        }
        lastFlushNanos = nowNanos;
        dirty = false;
        try {
            out.flush();
        } catch (final IOException e) {
            fail("flush", e);
        }
    }

    /** Lines written so far (buffered ones included). */
    synchronized long lines() {
        return lines;
    }

    /** Flushes and closes the file. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
            log.info("Truth log closed. file=[{}] lines=[{}]", file, lines);
        } catch (final IOException e) {
            log.error("Closing the truth log failed; its last lines may be missing. file=[{}] lines=[{}]", file,
                    lines, e);
        }
    }

    private void fail(final String what, final IOException e) {
        failed = true;
        log.error("Truth log {} failed; no more lines will be written. file=[{}] lines=[{}]", what, file, lines, e);
    }
}
