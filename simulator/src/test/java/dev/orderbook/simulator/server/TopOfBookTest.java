package dev.orderbook.simulator.server;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TopOfBookTest {

    @Test
    void toJsonShouldWriteTheTruthLogLineWithPlainStrippedDecimals() {
        final TopOfBook top = new TopOfBook("BTC-USD", "2026-11-23T19:00:00.123456Z", new BigDecimal("65000.10"),
                new BigDecimal("0.50000000"), new BigDecimal("6.5002E+4"), new BigDecimal("1.2"), 42);

        assertThat(top.toJson()).isEqualTo("{\"product_id\":\"BTC-USD\",\"time\":\"2026-11-23T19:00:00.123456Z\","
                + "\"bid_price\":\"65000.1\",\"bid_size\":\"0.5\",\"ask_price\":\"65002\",\"ask_size\":\"1.2\","
                + "\"seq\":42}");
    }

    @Test
    void toJsonShouldWriteNullForAnEmptySideAndAMissingTime() {
        final TopOfBook top = new TopOfBook("ETH-USD", null, null, null, new BigDecimal("3500.01"),
                new BigDecimal("2"), 1);

        assertThat(top.toJson()).isEqualTo("{\"product_id\":\"ETH-USD\",\"time\":null,\"bid_price\":null,"
                + "\"bid_size\":null,\"ask_price\":\"3500.01\",\"ask_size\":\"2\",\"seq\":1}");
    }

    @Test
    void toJsonShouldEscapeATimeThatNeedsIt() {
        final TopOfBook top = new TopOfBook("BTC-USD", "a\"b\\c", null, null, null, null, 0);

        assertThat(top.toJson()).contains("\"time\":\"a\\\"b\\\\c\"");
        assertThat(TopOfBook.fromJson(top.toJson()).time()).isEqualTo("a\"b\\c");
    }

    @Test
    void fromJsonShouldReadWhatToJsonWrote() {
        final TopOfBook top = new TopOfBook("SOL-USD", "2026-08-09T21:05:48.505350477Z", new BigDecimal("150.01"),
                new BigDecimal("12.5"), null, null, 7);

        assertThat(TopOfBook.fromJson(top.toJson())).isEqualTo(top);
    }

    @Test
    void fromJsonShouldRejectSomethingElse() {
        assertThatThrownBy(() -> TopOfBook.fromJson("{\"product_id\":\"BTC-USD\"}"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TopOfBook.fromJson("not json")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TopOfBook.fromJson("{\"product_id\":\"BTC-USD\",\"time\":null,\"bid_price\":\"x\","
                + "\"bid_size\":\"1\",\"ask_price\":null,\"ask_size\":null,\"seq\":1}"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRejectAPriceWithoutASize() {
        assertThatThrownBy(() -> new TopOfBook("BTC-USD", null, BigDecimal.ONE, null, null, null, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void isCrossedShouldBeTrueOnlyWhenTheBestBidReachesTheBestAsk() {
        assertThat(top("100.01", "100.02").isCrossed()).isFalse();
        assertThat(top("100.02", "100.02").isCrossed()).isTrue();
        assertThat(top("100.03", "100.02").isCrossed()).isTrue();
        assertThat(new TopOfBook("X-USD", null, BigDecimal.TEN, BigDecimal.ONE, null, null, 1).isCrossed()).isFalse();
    }

    private static TopOfBook top(final String bid, final String ask) {
        return new TopOfBook("X-USD", null, new BigDecimal(bid), BigDecimal.ONE, new BigDecimal(ask), BigDecimal.ONE,
                1);
    }
}
