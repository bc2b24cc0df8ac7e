package dev.orderbook.simulator.market.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderbook.codec.decimal.Decimals;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class WireDecimalsTest {

    @Test
    void fixedFormShouldPadToTheRequestedDecimals() {
        assertThat(fixed(6_500_001, 2, 2)).isEqualTo("65000.01");
        assertThat(fixed(5, 2, 8)).isEqualTo("0.05000000");
        assertThat(fixed(50_000_000, 8, 8)).isEqualTo("0.50000000");
        assertThat(fixed(0, 8, 8)).isEqualTo("0.00000000");
        assertThat(fixed(12, 0, 0)).isEqualTo("12");
        assertThat(fixed(12, 0, 2)).isEqualTo("12.00");
    }

    @Test
    void exponentFormShouldKeepTheValue() {
        assertThat(exponent(6_500_001, 2)).isEqualTo("6500001E-2");
        assertThat(exponent(15_000, 2)).isEqualTo("15E1");
        assertThat(exponent(5, 2)).isEqualTo("5E-2");
        assertThat(exponent(100, 2)).isEqualTo("1E0");
    }

    @Test
    void everySpellingShouldParseBackToTheSameValue() {
        final WireDecimals decimals = new WireDecimals(new SplittableRandom(5));
        final SplittableRandom values = new SplittableRandom(6);
        final Set<Integer> priceFractionDigits = new HashSet<>();
        for (int i = 0; i < 5_000; i++) {
            final long price = 1 + values.nextLong(10_000_000);
            final long size = values.nextInt(4) == 0 ? 0 : 1 + values.nextLong(100_000_000_000L);
            final StringBuilder out = new StringBuilder();
            decimals.appendPrice(out, price, 2);
            assertThat(Decimals.parse(out, 2)).isEqualTo(price);
            final int point = out.indexOf(".");
            priceFractionDigits.add(point < 0 ? 0 : out.length() - point - 1);
            out.setLength(0);
            decimals.appendSize(out, size, 8);
            assertThat(Decimals.parse(out, 8)).as("size %s", out).isEqualTo(size);
        }
        // Shortest (0, 1 or 2 digits), the product's 2 decimals, and padded to 8.
        assertThat(priceFractionDigits).contains(0, 1, 2, 8);
    }

    @Test
    void zeroShouldBeSpelledEveryWaySeenInRealTraffic() {
        final WireDecimals decimals = new WireDecimals(new SplittableRandom(9));
        final Set<String> spellings = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            final StringBuilder out = new StringBuilder();
            decimals.appendSize(out, 0, 8);
            spellings.add(out.toString());
        }
        assertThat(spellings).containsExactlyInAnyOrder("0", "0.0", "0.00", "0.00000000");
    }

    private static String fixed(final long value, final int scale, final int decimals) {
        final StringBuilder out = new StringBuilder();
        WireDecimals.appendFixed(out, value, scale, decimals);
        return out.toString();
    }

    private static String exponent(final long value, final int scale) {
        final StringBuilder out = new StringBuilder();
        WireDecimals.appendExponentForm(out, value, scale);
        return out.toString();
    }
}
