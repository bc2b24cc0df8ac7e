package dev.orderbook.codec.io;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reads newline-delimited records (NDJSON) as byte ranges, without making a String or array per line.
 *
 * <p>Usage: {@code while (reader.next()) { use(reader.buffer(), reader.offset(), reader.length()); }}. The range is
 * valid until the next call. A trailing {@code \r} is stripped; a last line without {@code \n} is returned.
 * A line longer than {@code maxLineBytes} is not buffered: it is skipped to its end and reported once with
 * {@link #oversized()} true and {@link #length()} its full length, so one huge line cannot exhaust memory.
 *
 * <p>Single thread; not thread-safe.
 */
public final class NdjsonReader implements Closeable {
    private static final int GZIP_MAGIC_0 = 0x1f;
    private static final int GZIP_MAGIC_1 = 0x8b;
    private static final int READ_CHUNK = 128 * 1024;
    private static final long NEWLINES = Swar.broadcast((byte) '\n');

    private final InputStream in;
    private final int maxLineBytes;
    private byte[] buf;
    private int start;
    private int end;
    private boolean eof;

    private long lineNumber;
    private int lineOffset;
    private int lineLength;
    private boolean oversized;
    private long bytesRead;

    /**
     * @param in the stream, closed by {@link #close()}
     * @param maxLineBytes longest line handed out whole; longer ones are reported {@link #oversized()}
     */
    public NdjsonReader(final InputStream in, final int maxLineBytes) {
        if (maxLineBytes <= 0) {
            throw new IllegalArgumentException("maxLineBytes must be positive");
        }
        this.in = in;
        this.maxLineBytes = maxLineBytes;
        this.buf = new byte[Math.min(1 << 20, Math.max(4096, maxLineBytes + 1))];
    }

    /**
     * Opens a file, decompressing it if it is gzip (by its magic bytes, whatever its name).
     *
     * @throws IOException if the file cannot be opened or read
     */
    public static NdjsonReader open(final Path path, final int maxLineBytes) throws IOException {
        final InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        return new NdjsonReader(maybeGunzip(raw), maxLineBytes);
    }

    /** Wraps {@code in} in a gzip decoder if its first two bytes are the gzip magic. */
    public static InputStream maybeGunzip(final InputStream in) throws IOException {
        final InputStream buffered = in.markSupported() ? in : new BufferedInputStream(in, 1 << 16);
        buffered.mark(2);
        final int b0 = buffered.read();
        final int b1 = buffered.read();
        buffered.reset();
        if (b0 == GZIP_MAGIC_0 && b1 == GZIP_MAGIC_1) {
            return new GZIPInputStream(buffered, 1 << 16);
        }
        return buffered;
    }

    /** Advances to the next line. Returns false at the end of input. */
    public boolean next() throws IOException {
        oversized = false;
        int scanned = 0; // bytes after start already known to hold no newline
        while (true) {
            final int newline = indexOfNewline(buf, start + scanned, end);
            if (newline >= 0) {
                emit(start, newline);
                start = newline + 1;
                return true;
            }
            scanned = end - start;
            if (eof) {
                if (scanned > 0) {
                    emit(start, end);
                    start = end;
                    return true;
                }
                return false;
            }
            if (scanned > maxLineBytes) {
                return skipOversized();
            }
            fill();
        }
    }

    /** The first {@code '\n'} in {@code b[from, to)}, or -1; eight bytes at a time (lines average about 1 KB). */
    static int indexOfNewline(final byte[] b, final int from, final int to) {
        int i = from;
        for (; i + Long.BYTES <= to; i += Long.BYTES) {
            final long found = Swar.equalTo(Swar.readLong(b, i), NEWLINES);
            if (found != 0) {
                return i + Swar.firstByte(found);
            }
        }
        for (; i < to; i++) {
            if (b[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private void emit(final int from, final int newline) {
        int to = newline;
        if (to > from && buf[to - 1] == '\r') {
            to--;
        }
        lineNumber++;
        lineOffset = from;
        lineLength = to - from;
    }

    private void fill() throws IOException {
        if (start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
        if (end == buf.length) {
            buf = Arrays.copyOf(buf, Math.min(buf.length * 2, maxLineBytes + 2));
        }
        // Read at most READ_CHUNK at a time: what the kernel just copied is then still in cache when it is parsed.
        final int n = in.read(buf, end, Math.min(buf.length - end, READ_CHUNK));
        if (n < 0) {
            eof = true;
        } else {
            end += n;
            bytesRead += n;
        }
    }

    private boolean skipOversized() throws IOException {
        long length = end - start;
        start = end;
        while (true) {
            if (start == end) {
                start = 0;
                end = 0;
                final int n = in.read(buf, 0, buf.length);
                if (n < 0) {
                    eof = true;
                    break;
                }
                end = n;
                bytesRead += n;
            }
            int i = start;
            while (i < end && buf[i] != '\n') {
                i++;
            }
            length += i - start;
            if (i < end) {
                start = i + 1;
                break;
            }
            start = end;
        }
        lineNumber++;
        lineOffset = 0;
        lineLength = (int) Math.min(Integer.MAX_VALUE, length);
        oversized = true;
        return true;
    }

    /** The buffer holding the current line; valid until the next call to {@link #next()}. */
    public byte[] buffer() {
        return buf;
    }

    public int offset() {
        return lineOffset;
    }

    /** The current line's length in bytes, without its line terminator. */
    public int length() {
        return lineLength;
    }

    /** 1-based number of the current line. */
    public long lineNumber() {
        return lineNumber;
    }

    /** True if the current line exceeded {@code maxLineBytes}; its bytes are then not available. */
    public boolean oversized() {
        return oversized;
    }

    /** Bytes read from the (decompressed) stream so far. */
    public long bytesRead() {
        return bytesRead;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
