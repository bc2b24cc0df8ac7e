package dev.orderbook.codec.io;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class ByteArraysTest {
    private static byte[] b(final String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void shouldFindTheFirstOccurrenceWithinTheRangeOnly() {
        final byte[] hay = b("ab\"changes\"cd\"changes\"");
        assertThat(ByteArrays.indexOf(hay, b("\"changes\""))).isEqualTo(2);
        assertThat(ByteArrays.indexOf(hay, 3, hay.length, b("\"changes\""))).isEqualTo(13);
        assertThat(ByteArrays.indexOf(hay, 3, hay.length - 1, b("\"changes\""))).isEqualTo(-1);
        assertThat(ByteArrays.indexOf(b("ab"), b("abc"))).isEqualTo(-1);
        assertThat(ByteArrays.indexOf(b("abc"), b(""))).isZero();
    }
}
