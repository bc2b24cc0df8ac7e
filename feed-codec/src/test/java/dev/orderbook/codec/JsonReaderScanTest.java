package dev.orderbook.codec;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link JsonReader#endOfPlainString} reads eight bytes at a time; it must agree with a byte-by-byte scan. */
class JsonReaderScanTest {
    private static int endOfPlainStringByteByByte(final byte[] bytes, final int start, final int limit) {
        for (int p = start; p < limit; p++) {
            final byte c = bytes[p];
            if (c == '"') {
                return p;
            }
            if (c == '\\' || (c >= 0 && c < 0x20)) {
                return -1;
            }
        }
        return -1;
    }

    @Test
    void endOfPlainStringShouldFindTheFirstSpecialByteAtEveryPosition() {
        final byte[] specials = {'"', '\\', 0, 0x1f, '\n', '\t'};
        for (int length = 0; length < 40; length++) {
            for (int at = 0; at <= length; at++) {
                for (final byte special : specials) {
                    final byte[] bytes = new byte[length + 1];
                    Arrays.fill(bytes, (byte) 'a');
                    if (at < bytes.length) {
                        bytes[at] = special;
                    }
                    for (int start = 0; start <= Math.min(3, length); start++) {
                        for (final int limit : new int[] {length, length + 1}) {
                            assertThat(JsonReader.endOfPlainString(bytes, start, limit))
                                    .as("length %d special %d at %d start %d limit %d", length, special, at, start,
                                            limit)
                                    .isEqualTo(endOfPlainStringByteByByte(bytes, start, limit));
                        }
                    }
                }
            }
        }
    }

    @Test
    void endOfPlainStringShouldAgreeOnRandomBytes() {
        final SplittableRandom random = new SplittableRandom(7);
        // Bytes around the thresholds: controls, space, quote, backslash, DEL and bytes >= 0x80 (negative in Java).
        final byte[] alphabet = {0, 1, 0x1f, 0x20, 0x21, '"', '#', '[', '\\', ']', 0x7f, (byte) 0x80, (byte) 0x9f,
            (byte) 0xa0, (byte) 0xdc, (byte) 0xe2, (byte) 0xff, 'a', '0', '.'};
        for (int i = 0; i < 200_000; i++) {
            final byte[] bytes = new byte[1 + random.nextInt(40)];
            for (int k = 0; k < bytes.length; k++) {
                // Mostly ordinary bytes, so that the special one falls anywhere in a word.
                bytes[k] = random.nextInt(6) == 0 ? alphabet[random.nextInt(alphabet.length)] : (byte) 'x';
            }
            final int start = random.nextInt(bytes.length);
            final int limit = start + random.nextInt(bytes.length - start + 1);
            assertThat(JsonReader.endOfPlainString(bytes, start, limit))
                    .isEqualTo(endOfPlainStringByteByByte(bytes, start, limit));
        }
    }
}
