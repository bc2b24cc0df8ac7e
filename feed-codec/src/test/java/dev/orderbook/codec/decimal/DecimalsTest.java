package dev.orderbook.codec.decimal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DecimalsTest {

    private static long parseChars(final CharSequence s, final int scale) {
        return Decimals.parse(s, scale);
    }

    private static long parseBytes(final String s, final int scale) {
        final byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        return Decimals.parse(b, 0, b.length, scale);
    }

    @ParameterizedTest
    @CsvSource({
        "65000.01, 10, 650000100000000",
        "0.50000000, 10, 5000000000",
        "0, 10, 0",
        "0.0, 10, 0",
        "0.00, 10, 0",
        "0.00000000, 10, 0",
        "1, 0, 1",
        "0.0000000001, 10, 1",
        "922337203.6854775807, 10, 9223372036854775807",
        "00012.5, 2, 1250",
        "1.2300000000000000000000, 2, 123",
    })
    void shouldParseExchangeDecimalsExactly(final String text, final int scale, final long expected) {
        assertThat(parseChars(text, scale)).isEqualTo(expected);
        assertThat(parseBytes(text, scale)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({
        "'', EMPTY",
        "-1.5, NEGATIVE",
        "1e5, EXPONENT",
        "1.5E-3, EXPONENT",
        "NaN, NOT_A_NUMBER",
        "Infinity, NOT_A_NUMBER",
        "abc, MALFORMED",
        ".5, MALFORMED",
        "5., MALFORMED",
        "1.2.3, MALFORMED",
        "' 1', MALFORMED",
        "'1 ', MALFORMED",
        "+1, MALFORMED",
        "0.00000000001, TOO_PRECISE",
        "922337203.6854775808, OVERFLOW",
        "99999999999999999999, OVERFLOW",
        "1000000000, OVERFLOW",
    })
    void shouldRejectInvalidDecimalsWithReason(final String text, final DecimalError expected) {
        assertThat(parseChars(text, 10)).isEqualTo(expected.code());
        assertThat(parseBytes(text, 10)).isEqualTo(expected.code());
    }

    @Test
    void shouldRejectNonAsciiCharsAsMalformed() {
        // (byte) '\u0131' would be '1' and (byte) '\u012E' would be '.': a plain narrowing cast would accept these.
        assertThat(parseChars("1\u0131", 10)).isEqualTo(DecimalError.MALFORMED.code());
        assertThat(parseChars("1\u012E5", 10)).isEqualTo(DecimalError.MALFORMED.code());
        assertThat(parseChars("\u012D1", 10)).isEqualTo(DecimalError.MALFORMED.code());
        assertThat(parseChars("\u00e9", 10)).isEqualTo(DecimalError.MALFORMED.code());
        assertThat(parseChars(new StringBuilder("65000.01"), 2)).isEqualTo(6500001L);
    }

    @ParameterizedTest
    @CsvSource({
        "650000100000000, 10, 65000.01",
        "5000000000, 10, 0.5",
        "0, 10, 0",
        "1, 10, 0.0000000001",
        "10, 1, 1",
        "1005, 2, 10.05",
        "-1005, 2, -10.05",
        "123, 0, 123",
    })
    void shouldFormatShortestExactDecimal(final long value, final int scale, final String expected) {
        assertThat(Decimals.toString(value, scale)).isEqualTo(expected);
    }

    @Test
    void shouldRoundTripRandomValuesAgainstBigDecimal() {
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            final int scale = random.nextInt(0, 19);
            final long value = random.nextLong(0, Long.MAX_VALUE);
            final String text = new BigDecimal(value).movePointLeft(scale).toPlainString();
            assertThat(parseChars(text, scale)).as(text).isEqualTo(value);
            final String formatted = Decimals.toString(value, scale);
            assertThat(new BigDecimal(formatted).compareTo(new BigDecimal(text))).as(text).isZero();
            assertThat(parseChars(formatted, scale)).isEqualTo(value);
        }
    }

    @Test
    void shouldRejectOutOfRangeScale() {
        assertThatThrownBy(() -> Decimals.checkScale(19)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Decimals.checkScale(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void parseOrThrowShouldNameTheReason() {
        assertThatThrownBy(() -> Decimals.parseOrThrow("-3", 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("negative");
    }

    @Test
    void eightByteParseShouldAgreeWithByteByByteParse() {
        final SplittableRandom random = new SplittableRandom(11);
        final byte[] alphabet = "0123456789012345678901234567890123456789..-+eE x/:\"".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 500_000; i++) {
            final byte[] buffer = new byte[48];
            for (int k = 0; k < buffer.length; k++) {
                buffer[k] = alphabet[random.nextInt(alphabet.length)];
            }
            final int length = random.nextInt(0, 21);
            final int offset = random.nextInt(0, buffer.length - length + 1);
            // Mostly well-formed: digits, one point, the odd stray byte.
            for (int k = offset; k < offset + length; k++) {
                buffer[k] = (byte) ('0' + random.nextInt(10));
            }
            if (length > 0 && random.nextInt(4) != 0) {
                buffer[offset + random.nextInt(length)] = '.';
            }
            if (length > 0 && random.nextInt(4) == 0) {
                buffer[offset + random.nextInt(length)] = alphabet[random.nextInt(alphabet.length)];
            }
            final int scale = random.nextInt(0, Decimals.MAX_SCALE + 1);
            assertThat(Decimals.parse(buffer, offset, length, scale))
                    .as("\"%s\" at scale %d", new String(buffer, offset, length, StandardCharsets.US_ASCII), scale)
                    .isEqualTo(Decimals.parseByteByByte(buffer, offset, length, scale));
        }
    }
}
