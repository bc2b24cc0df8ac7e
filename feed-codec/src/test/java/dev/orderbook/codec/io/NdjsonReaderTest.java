package dev.orderbook.codec.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class NdjsonReaderTest {

    private static List<String> readAll(final NdjsonReader reader) throws IOException {
        final List<String> lines = new ArrayList<>();
        while (reader.next()) {
            lines.add(reader.oversized() ? "<oversized " + reader.length() + ">"
                    : new String(reader.buffer(), reader.offset(), reader.length(), StandardCharsets.UTF_8));
        }
        return lines;
    }

    private static NdjsonReader reader(final String text, final int max) {
        return new NdjsonReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), max);
    }

    @Test
    void shouldSplitLinesAndStripCarriageReturns() throws IOException {
        assertThat(readAll(reader("a\r\nbb\n\nccc", 100))).containsExactly("a", "bb", "", "ccc");
    }

    @Test
    void shouldReportOversizedLineOnceAndContinue() throws IOException {
        final String big = "x".repeat(10_000);
        final NdjsonReader r = reader("ok\n" + big + "\nafter\n", 100);
        assertThat(readAll(r)).containsExactly("ok", "<oversized 10000>", "after");
        assertThat(r.lineNumber()).isEqualTo(3);
    }

    @Test
    void shouldAcceptLineOfExactlyTheLimit() throws IOException {
        final String exact = "y".repeat(5000);
        assertThat(readAll(reader(exact + "\n" + exact, 5000))).containsExactly(exact, exact);
    }

    @Test
    void shouldReadLinesSpanningManyBufferFills() throws IOException {
        final StringBuilder sb = new StringBuilder();
        final List<String> expected = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            final String line = "line-" + i + "-" + "z".repeat(i % 300);
            expected.add(line);
            sb.append(line).append('\n');
        }
        assertThat(readAll(reader(sb.toString(), 1 << 20))).isEqualTo(expected);
    }

    @Test
    void shouldDetectGzipByMagicBytes(@TempDir final Path dir) throws IOException {
        final Path file = dir.resolve("feed.data");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write("{\"a\":1}\n{\"b\":2}\n".getBytes(StandardCharsets.UTF_8));
        }
        try (NdjsonReader r = NdjsonReader.open(file, 1000)) {
            assertThat(readAll(r)).containsExactly("{\"a\":1}", "{\"b\":2}");
        }
    }

    @Test
    void indexOfNewlineShouldFindTheFirstNewlineAtEveryPosition() {
        for (int length = 0; length < 40; length++) {
            for (int at = -1; at < length; at++) {
                final byte[] bytes = new byte[length];
                Arrays.fill(bytes, (byte) 0x0b);
                if (at >= 0) {
                    bytes[at] = '\n';
                    if (at + 3 < length) {
                        bytes[at + 3] = '\n';
                    }
                }
                for (int from = 0; from <= length; from++) {
                    final int expected = at >= from ? at : (at >= 0 && at + 3 >= from && at + 3 < length ? at + 3 : -1);
                    assertThat(NdjsonReader.indexOfNewline(bytes, from, length)).as("length %d at %d from %d",
                            length, at, from).isEqualTo(expected);
                }
            }
        }
    }
}
