package dev.orderbook.contract.summary;

import dev.orderbook.contract.GapReason;

import dev.orderbook.codec.decimal.Decimals;
import dev.orderbook.codec.io.ByteSink;
import dev.orderbook.contract.summary.BookState;
import dev.orderbook.codec.model.Product;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class SummaryFormatterTest {
    private static final Product BTC = new Product("BTC-USD", 0, 10, 10);

    private static long d(final String s) {
        return Decimals.parseOrThrow(s, 10);
    }

    private static String write(final String time, final long bid, final long bidSize, final long ask,
                                final long askSize, final BookState state) {
        final ByteSink out = new ByteSink(16);
        SummaryFormatter.write(out, BTC, time, bid, bidSize, ask, askSize, 14210, 13977, state,
                state == BookState.LIVE ? null : state == BookState.CROSSED ? StateReason.CROSSED
                        : StateReason.gap(GapReason.DISCONNECT));
        return out.toString();
    }

    @Test
    void shouldWriteTheDesignDocumentExampleByteForByte() {
        final String json = write("2026-11-23T19:00:00.123456Z", d("65000.01"), d("0.50000000"), d("65000.02"),
                d("1.25"), BookState.LIVE);
        assertThat(json).isEqualTo("{\"product_id\":\"BTC-USD\",\"time\":\"2026-11-23T19:00:00.123456Z\","
                + "\"bid_price\":\"65000.01\",\"bid_size\":\"0.5\",\"ask_price\":\"65000.02\",\"ask_size\":\"1.25\","
                + "\"spread\":\"0.01\",\"spread_bps\":0.0015,\"mid\":\"65000.015\","
                + "\"bid_levels\":14210,\"ask_levels\":13977,\"state\":\"live\","
                + "\"microprice\":\"65000.0128571429\",\"imbalance\":-0.4286,\"state_reason\":null}");
    }

    @Test
    void shouldWriteMicropriceWeightedTowardsTheThinnerSide() {
        // bid 100 x 3, ask 101 x 1: (100 * 1 + 101 * 3) / 4 = 100.75, imbalance (3 - 1) / 4 = 0.5
        final String json = write("t", d("100"), d("3"), d("101"), d("1"), BookState.LIVE);
        assertThat(json).endsWith(",\"microprice\":\"100.75\",\"imbalance\":0.5,\"state_reason\":null}");
    }

    @Test
    void shouldRoundMicropriceHalfUpToThePriceScale() {
        // bid 1, ask 1.0000000003 (3 ticks), sizes 1 and 1: offset 1.5 ticks rounds up to 2.
        final String json = write("t", d("1"), d("1"), d("1.0000000003"), d("1"), BookState.LIVE);
        assertThat(json).endsWith(",\"microprice\":\"1.0000000002\",\"imbalance\":0,\"state_reason\":null}");
    }

    @Test
    void shouldWriteExactMicropriceAndImbalanceWhenProductsOverflowALong() {
        // Sizes of 10^7 at scale 10 are 10^17 lots: spread * size needs BigInteger.
        final String json = write("t", d("60000"), d("10000000"), d("70000"), d("30000000"), BookState.LIVE);
        assertThat(json).endsWith(",\"microprice\":\"62500\",\"imbalance\":-0.5,\"state_reason\":null}");
        assertThat(BookSummary.fromJson(json).microprice()).isEqualByComparingTo("62500");
    }

    @Test
    void shouldWriteNullsForEmptySideAndMissingTime() {
        final String json = write(null, 0, 0, d("10"), d("1"), BookState.LIVE);
        assertThat(json).contains("\"time\":null,\"bid_price\":null,\"bid_size\":null,\"ask_price\":\"10\"")
                .contains("\"spread\":null,\"spread_bps\":null,\"mid\":null")
                .endsWith("\"microprice\":null,\"imbalance\":null,\"state_reason\":null}");
    }

    @Test
    void shouldWriteNegativeSpreadForCrossedBook() {
        final String json = write("t", d("101"), d("1"), d("100"), d("1"), BookState.CROSSED);
        assertThat(json).contains("\"spread\":\"-1\",\"spread_bps\":-100,\"mid\":\"100.5\"")
                .endsWith("\"state\":\"crossed\",\"microprice\":\"100.5\",\"imbalance\":0,\"state_reason\":\"crossed\"}");
    }

    @Test
    void shouldWriteExactSpreadBpsForAnAbsurdlyCrossedBookInsteadOfFailing() {
        // bid 100, ask 0.0000000001: the spread, -99.9999999999, is -9.99999999999 * 10^15 bps: beyond a long
        // in 0.0001 bp units, so written exactly from the fallback instead of throwing.
        final String json = write("t", d("100"), d("1"), 1, d("1"), BookState.CROSSED);
        assertThat(json).contains("\"spread_bps\":-9999999999990000,").contains("\"state\":\"crossed\"");
        assertThat(BookSummary.fromJson(json).spreadBps()).isEqualByComparingTo("-9999999999990000");
        assertThat(SpreadMath.spreadBpsE4(d("100"), 1)).isEqualTo(SpreadMath.DOES_NOT_FIT);
    }

    @Test
    void shouldEscapeTimeAsJsonString() {
        assertThat(write("a\"b\\c\n", d("1"), d("1"), d("2"), d("1"), BookState.LIVE))
                .contains("\"time\":\"a\\\"b\\\\c\\n\"");
    }

    @Test
    void shouldKeepAnEmptyTimeVerbatimAndEscapeControlCharactersLikeJackson() {
        assertThat(write("", d("1"), d("1"), d("2"), d("1"), BookState.LIVE)).contains("\"time\":\"\",");
        assertThat(write("a\tb\u001fc", d("1"), d("1"), d("2"), d("1"), BookState.LIVE))
                .contains("\"time\":\"a\\tb\\u001Fc\"");
    }

    @Test
    void shouldParseBackIntoTheConsumerRecord() {
        final String json = write("2026-11-23T19:00:00Z", d("65000.01"), d("0.5"), d("65000.02"), d("1.25"),
                BookState.STALE);
        final BookSummary s = BookSummary.fromJson(json);
        assertThat(s.productId()).isEqualTo("BTC-USD");
        assertThat(s.bidPrice()).isEqualByComparingTo("65000.01");
        assertThat(s.spreadBps()).isEqualByComparingTo(new BigDecimal("0.0015"));
        assertThat(s.bookState()).isEqualTo(BookState.STALE);
        assertThat(s.reason()).isSameAs(StateReason.gap(GapReason.DISCONNECT));
        assertThat(json).endsWith(",\"state_reason\":\"gap:disconnect\"}");
    }

    @Test
    void shouldComputeMidExactlyForOddAndEvenSums() {
        final ByteSink out = new ByteSink();
        SummaryFormatter.appendMid(out, 3, 4, 0);
        assertThat(out.toString()).isEqualTo("3.5");
        out.clear();
        SummaryFormatter.appendMid(out, 2, 4, 0);
        assertThat(out.toString()).isEqualTo("3");
        out.clear();
        SummaryFormatter.appendMid(out, Long.MAX_VALUE - 1, Long.MAX_VALUE, 18);
        assertThat(new BigDecimal(out.toString()))
                .isEqualByComparingTo(new BigDecimal(Long.MAX_VALUE).subtract(new BigDecimal("0.5"))
                        .movePointLeft(18));
    }

    @Test
    void micropriceShouldBeExactWhenTheProductPassesSixtyFourBits() {
        final SplittableRandom random = new SplittableRandom(3);
        final ByteSink sink = new ByteSink();
        for (int i = 0; i < 200_000; i++) {
            final int scale = 10;
            final long bid = random.nextLong(1, 1L << random.nextInt(1, 62));
            final long spread = random.nextLong(-(1L << random.nextInt(1, 40)), 1L << random.nextInt(1, 50));
            final long ask = bid + spread;
            final long bidSize = random.nextLong(0, 1L << random.nextInt(1, 62));
            final long askSize = random.nextLong(0, 1L << random.nextInt(1, 62));
            if (ask <= 0 || bidSize + askSize <= 0) {
                continue;
            }
            final BigDecimal offset = new BigDecimal(BigInteger.valueOf(spread).multiply(BigInteger.valueOf(bidSize)))
                    .divide(new BigDecimal(BigInteger.valueOf(bidSize).add(BigInteger.valueOf(askSize))), 0,
                            RoundingMode.HALF_UP);
            final BigDecimal micro = new BigDecimal(BigInteger.valueOf(bid).add(offset.toBigIntegerExact()), scale);
            sink.clear();
            SummaryFormatter.appendMicroprice(sink, bid, bidSize, ask, askSize, scale);
            assertThat(sink.toString()).as("bid %d ask %d sizes %d %d", bid, ask, bidSize, askSize)
                    .isEqualTo(micro.stripTrailingZeros().toPlainString());
        }
    }
}
