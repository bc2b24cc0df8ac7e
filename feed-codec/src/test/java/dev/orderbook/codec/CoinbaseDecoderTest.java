package dev.orderbook.codec;

import dev.orderbook.codec.decimal.Decimals;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.codec.model.Side;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class CoinbaseDecoderTest {
    private final CoinbaseDecoder decoder = new CoinbaseDecoder(ProductRegistry.open());
    private final FeedMessage msg = new FeedMessage();

    private static byte[] fixture(final String name) {
        try (InputStream in = CoinbaseDecoderTest.class.getResourceAsStream("/coinbase/" + name)) {
            return in.readAllBytes();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private FeedMessage decode(final String json) {
        return decoder.decode(json.getBytes(StandardCharsets.UTF_8), msg);
    }

    private static long px(final String s) {
        return Decimals.parseOrThrow(s, 10);
    }

    @Test
    void shouldDecodeExchangeSnapshotWithBothSides() {
        decoder.decode(fixture("exchange-snapshot.json"), msg);
        assertThat(msg.kind()).isEqualTo(MessageKind.BOOK);
        assertThat(msg.protocol()).isEqualTo(Protocol.EXCHANGE);
        assertThat(msg.eventCount()).isEqualTo(1);
        assertThat(msg.eventType(0)).isEqualTo(EventType.SNAPSHOT);
        assertThat(msg.eventProduct(0).id()).isEqualTo("BTC-USD");
        assertThat(msg.changeCount()).isEqualTo(5);
        assertThat(msg.sideCode(0)).isEqualTo(Side.BID_CODE);
        assertThat(msg.priceTicks(0)).isEqualTo(px("65000.01"));
        assertThat(msg.sizeLots(0)).isEqualTo(px("0.5"));
        assertThat(msg.sideCode(3)).isEqualTo(Side.ASK_CODE);
        assertThat(msg.priceTicks(3)).isEqualTo(px("65000.02"));
        assertThat(msg.time()).isNull();
    }

    @Test
    void shouldDecodeEveryChangeOfABatchedUpdateInOrder() {
        decoder.decode(fixture("exchange-l2update-zero-spellings.json"), msg);
        assertThat(msg.kind()).isEqualTo(MessageKind.BOOK);
        assertThat(msg.eventType(0)).isEqualTo(EventType.UPDATE);
        assertThat(msg.changeCount()).isEqualTo(5);
        assertThat(msg.eventEnd(0)).isEqualTo(5);
        assertThat(msg.sideCode(1)).isEqualTo(Side.ASK_CODE);
        assertThat(msg.time().toString()).isEqualTo("2026-11-23T19:00:00.123456Z");
    }

    @Test
    void shouldReadEverySpellingOfZeroAsZero() {
        decoder.decode(fixture("exchange-l2update-zero-spellings.json"), msg);
        assertThat(msg.sizeLots(0)).isEqualTo(px("0.12"));
        for (int i = 1; i < 5; i++) {
            assertThat(msg.sizeLots(i)).as("change %d", i).isZero();
        }
    }

    @Test
    void shouldNotDependOnFieldOrder() {
        decoder.decode(fixture("fields-reordered.json"), msg);
        assertThat(msg.kind()).isEqualTo(MessageKind.BOOK);
        assertThat(msg.eventProduct(0).id()).isEqualTo("BTC-USD");
        assertThat(msg.priceTicks(0)).isEqualTo(px("65001"));
        assertThat(msg.sizeLots(0)).isEqualTo(px("2.5"));
    }

    @Test
    void shouldDecodeExchangeHeartbeatSequence() {
        decoder.decode(fixture("exchange-heartbeat.json"), msg);
        assertThat(msg.kind()).isEqualTo(MessageKind.HEARTBEAT);
        assertThat(msg.heartbeatProduct().id()).isEqualTo("BTC-USD");
        assertThat(msg.sequence()).isEqualTo(90);
    }

    @Test
    void shouldDecodeExchangeSubscriptionConfirmation() {
        decoder.decode(fixture("exchange-subscriptions.json"), msg);
        assertThat(msg.kind()).isEqualTo(MessageKind.SUBSCRIPTIONS);
        assertThat(msg.subscriptions()).containsEntry("level2_batch", List.of("BTC-USD", "ETH-USD"))
                .containsKey("heartbeat");
    }

    @Test
    void shouldDecodeExchangeErrorWithReason() {
        decoder.decode(fixture("exchange-error.json"), msg);
        assertThat(msg.kind()).isEqualTo(MessageKind.EXCHANGE_ERROR);
        assertThat(msg.errorMessage()).isEqualTo("Failed to subscribe: FOO-BAR is not a valid product");
    }

    @Test
    void shouldReadAdvancedTradeOfferAsAskSide() {
        decoder.decode(fixture("advanced-snapshot.json"), msg);
        assertThat(msg.kind()).isEqualTo(MessageKind.BOOK);
        assertThat(msg.protocol()).isEqualTo(Protocol.ADVANCED);
        assertThat(msg.sequence()).isEqualTo(3);
        assertThat(msg.eventType(0)).isEqualTo(EventType.SNAPSHOT);
        assertThat(msg.changeCount()).isEqualTo(4);
        assertThat(msg.sideCode(0)).isEqualTo(Side.BID_CODE);
        assertThat(msg.sideCode(2)).isEqualTo(Side.ASK_CODE);
        assertThat(msg.sideCode(3)).isEqualTo(Side.ASK_CODE);
        assertThat(msg.time().toString()).isEqualTo("2026-08-09T21:05:48.405350477Z");
    }

    @Test
    void shouldSplitAdvancedTradeMessageIntoOneEventPerProduct() {
        decoder.decode(fixture("advanced-update-two-products.json"), msg);
        assertThat(msg.kind()).isEqualTo(MessageKind.BOOK);
        assertThat(msg.eventCount()).isEqualTo(2);
        assertThat(msg.eventProduct(0).id()).isEqualTo("BTC-USD");
        assertThat(msg.eventStart(0)).isZero();
        assertThat(msg.eventEnd(0)).isEqualTo(2);
        assertThat(msg.eventProduct(1).id()).isEqualTo("ETH-USD");
        assertThat(msg.eventStart(1)).isEqualTo(2);
        assertThat(msg.eventEnd(1)).isEqualTo(3);
        assertThat(msg.sizeLots(0)).isZero();
        assertThat(msg.priceTicks(2)).isEqualTo(px("3500.25"));
    }

    @Test
    void shouldDecodeAdvancedTradeSubscriptionsAndHeartbeats() {
        decoder.decode(fixture("advanced-subscriptions.json"), msg);
        assertThat(msg.kind()).isEqualTo(MessageKind.SUBSCRIPTIONS);
        assertThat(msg.subscriptions()).containsEntry("level2", List.of("BTC-USD", "ETH-USD"));
        decoder.decode(fixture("advanced-heartbeats.json"), msg);
        assertThat(msg.kind()).isEqualTo(MessageKind.HEARTBEAT);
        assertThat(msg.sequence()).isEqualTo(15);
    }

    @Test
    void shouldIgnoreUnknownMessageTypesAndChannels() {
        assertThat(decode("{\"type\":\"ticker\",\"product_id\":\"BTC-USD\",\"price\":\"1\"}").kind())
                .isEqualTo(MessageKind.IGNORED);
        assertThat(decode("{\"channel\":\"market_trades\",\"sequence_num\":1,\"events\":[]}").kind())
                .isEqualTo(MessageKind.IGNORED);
    }

    @Test
    void shouldDecodeGapMarker() {
        decode("{\"type\":\"x-orderbook-gap\",\"product_id\":\"ETH-USD\",\"reason\":\"disconnect\"}");
        assertThat(msg.kind()).isEqualTo(MessageKind.GAP);
        assertThat(msg.markerProduct().id()).isEqualTo("ETH-USD");
        assertThat(msg.gapReason()).isEqualTo("disconnect");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "truncated JSON|{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\"|INVALID_JSON",
        "not JSON|hello|INVALID_JSON",
        "trailing garbage|{\"type\":\"ticker\"} x|INVALID_JSON",
        "array|[1,2]|NOT_AN_OBJECT",
        "no type|{\"product_id\":\"BTC-USD\"}|MISSING_FIELD",
        "no product|{\"type\":\"l2update\",\"changes\":[]}|MISSING_FIELD",
        "no changes|{\"type\":\"l2update\",\"product_id\":\"BTC-USD\"}|MISSING_FIELD",
        "empty product|{\"type\":\"l2update\",\"product_id\":\"\",\"changes\":[]}|BAD_PRODUCT",
        "lower-case product|{\"type\":\"l2update\",\"product_id\":\"btc usd\",\"changes\":[]}|BAD_PRODUCT",
        "ask is not a side|{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"ask\",\"1\",\"1\"]]}"
            + "|UNKNOWN_SIDE",
        "negative size|{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"1\",\"-1\"]]}"
            + "|BAD_SIZE",
        "NaN price|{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"NaN\",\"1\"]]}"
            + "|BAD_PRICE",
        "exponent price|{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"1e3\",\"1\"]]}"
            + "|BAD_PRICE",
        "zero price|{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"0\",\"1\"]]}"
            + "|BAD_PRICE",
        "numeric price|{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",1.5,\"1\"]]}"
            + "|WRONG_TYPE",
        "too precise|{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"1.00000000001\",\"1\"]]}"
            + "|BAD_PRICE",
        "advanced missing quantity|{\"channel\":\"l2_data\",\"sequence_num\":1,\"events\":[{\"type\":\"update\","
            + "\"product_id\":\"BTC-USD\",\"updates\":[{\"side\":\"bid\",\"price_level\":\"1\"}]}]}|MISSING_FIELD",
        "advanced bad event type|{\"channel\":\"l2_data\",\"sequence_num\":1,\"events\":[{\"type\":\"delta\","
            + "\"product_id\":\"BTC-USD\",\"updates\":[]}]}|BAD_EVENT_TYPE",
        "exchange bid side|{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"bid\",\"1\",\"1\"]]}"
            + "|UNKNOWN_SIDE",
        "advanced buy side|{\"channel\":\"l2_data\",\"sequence_num\":1,\"events\":[{\"type\":\"update\","
            + "\"product_id\":\"BTC-USD\",\"updates\":[{\"side\":\"buy\",\"price_level\":\"1\",\"new_quantity\":\"1\"}]}]}"
            + "|UNKNOWN_SIDE",
        "advanced without events|{\"channel\":\"l2_data\",\"sequence_num\":1}|MISSING_FIELD",
        "advanced ask side|{\"channel\":\"l2_data\",\"sequence_num\":1,\"events\":[{\"type\":\"update\","
            + "\"product_id\":\"BTC-USD\",\"updates\":[{\"side\":\"ask\",\"price_level\":\"1\",\"new_quantity\":\"1\"}]}]}"
            + "|UNKNOWN_SIDE",
    })
    void shouldRejectBadInputWithTypedReason(final String name, final String json, final DecodeError expected) {
        decode(json);
        assertThat(msg.kind()).isEqualTo(MessageKind.INVALID);
        assertThat(msg.error()).isEqualTo(expected);
        assertThat(msg.errorDetail()).isNotBlank();
    }

    @Test
    void shouldRejectWholeMessageWhenOnlyItsLastChangeIsBad() {
        decode("{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":"
                + "[[\"buy\",\"1\",\"1\"],[\"buy\",\"2\",\"1\"],[\"sell\",\"3\",\"x\"]]}");
        assertThat(msg.kind()).isEqualTo(MessageKind.INVALID);
        assertThat(msg.errorDetail()).contains("changes 2").contains("\"x\"");
    }

    @Test
    void shouldReadFieldNamesWrittenWithEscapes() {
        decode("{\"t\\u0079pe\":\"l2update\",\"product\\u005fid\":\"BTC-USD\",\"changes\":[[\"buy\",\"1\",\"2\"]]}");
        assertThat(msg.kind()).isEqualTo(MessageKind.BOOK);
        assertThat(msg.eventProduct(0).id()).isEqualTo("BTC-USD");
    }

    @Test
    void shouldRejectUnknownProductInClosedRegistry() {
        final CoinbaseDecoder closed = new CoinbaseDecoder(
                ProductRegistry.closed(List.of("BTC-USD"), 10, 10, Map.of()));
        closed.decode(("{\"type\":\"l2update\",\"product_id\":\"DOGE-USD\",\"changes\":[]}")
                .getBytes(StandardCharsets.UTF_8), msg);
        assertThat(msg.error()).isEqualTo(DecodeError.UNKNOWN_PRODUCT);
        assertThat(msg.errorDetail()).contains("DOGE-USD");
    }

    @Test
    void shouldRejectOversizedMessageWithoutParsing() {
        final CoinbaseDecoder small = new CoinbaseDecoder(ProductRegistry.open(), 100);
        small.decode(new byte[101], msg);
        assertThat(msg.error()).isEqualTo(DecodeError.OVERSIZED);
    }

    @Test
    void shouldApplyPerProductScale() {
        final CoinbaseDecoder scaled = new CoinbaseDecoder(
                ProductRegistry.open(10, 10, Map.of("SHIB-USD", new int[] {12, 2})));
        scaled.decode(("{\"type\":\"l2update\",\"product_id\":\"SHIB-USD\",\"changes\":"
                + "[[\"buy\",\"0.000012345678\",\"2000000000.5\"]]}").getBytes(StandardCharsets.UTF_8), msg);
        assertThat(msg.kind()).isEqualTo(MessageKind.BOOK);
        assertThat(msg.priceTicks(0)).isEqualTo(12_345_678L);
        assertThat(msg.sizeLots(0)).isEqualTo(200_000_000_050L);
    }

    @Test
    void shouldReuseMessageAcrossDecodes() {
        decoder.decode(fixture("exchange-snapshot.json"), msg);
        decoder.decode(fixture("exchange-heartbeat.json"), msg);
        assertThat(msg.eventCount()).isZero();
        assertThat(msg.changeCount()).isZero();
        decode("{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"1\",\"1\"]]}");
        assertThat(msg.changeCount()).isEqualTo(1);
        assertThat(msg.time()).isNull();
    }

    @Test
    void shouldDecodeLargeSnapshotWithFiftyThousandLevels() {
        final StringBuilder exact = new StringBuilder("{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[");
        for (int i = 0; i < 25_000; i++) {
            final long cents = 6_500_000 - i;
            exact.append(i == 0 ? "" : ",").append("[\"").append(cents / 100).append('.')
                    .append(String.format("%02d", cents % 100)).append("\",\"0.5\"]");
        }
        exact.append("],\"asks\":[");
        for (int i = 0; i < 25_000; i++) {
            exact.append(i == 0 ? "" : ",").append("[\"").append(65001 + i).append("\",\"1.25\"]");
        }
        exact.append("]}");
        decode(exact.toString());
        assertThat(msg.kind()).isEqualTo(MessageKind.BOOK);
        assertThat(msg.changeCount()).isEqualTo(50_000);
        assertThat(msg.priceTicks(24_999)).isEqualTo(px("64750.01"));
    }
}
