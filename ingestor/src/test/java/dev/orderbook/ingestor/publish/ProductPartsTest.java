package dev.orderbook.ingestor.publish;

import dev.orderbook.codec.AdvancedTradeSplitter;
import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.MessageKind;
import dev.orderbook.codec.model.ProductRegistry;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ProductParts} cuts an Advanced Trade message from the decoder's byte spans; the codec's
 * {@link AdvancedTradeSplitter}, which reads the JSON again on its own, is the reference: on compact JSON the two
 * must agree byte for byte.
 */
class ProductPartsTest {
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD", "SOL-USD");
    private final CoinbaseDecoder decoder = new CoinbaseDecoder(ProductRegistry.closed(PRODUCTS, 10, 10, Map.of()));
    private final FeedMessage message = new FeedMessage();
    private final ProductParts parts = new ProductParts();
    private final AdvancedTradeSplitter reference = new AdvancedTradeSplitter();

    @Test
    void shouldCutRandomMessagesExactlyAsTheReferenceSplitterDoes() throws Exception {
        final SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 2_000; i++) {
            final byte[] json = randomMessage(random).getBytes(StandardCharsets.UTF_8);
            assertThat(decoder.decode(json, message).kind()).isEqualTo(MessageKind.BOOK);
            final int n = parts.cut(message, json);
            final List<AdvancedTradeSplitter.ProductMessage> expected = reference.split(json, 0, json.length);
            assertThat(n).isEqualTo(expected.size());
            for (int p = 0; p < n; p++) {
                assertThat(parts.product(p).id()).isEqualTo(expected.get(p).productId());
                assertThat(new String(parts.value(p), StandardCharsets.UTF_8))
                        .isEqualTo(new String(expected.get(p).json(), StandardCharsets.UTF_8));
            }
        }
    }

    @Test
    void shouldKeepTheEnvelopeByteForByteRewriteOnlyTheSeparatorsAndPassASingleProductMessageAsItIs() {
        final String envelope = "{ \"channel\" : \"l2_data\", \"timestamp\":\"2026-12-03T13:00:00Z\", \"events\" : [";
        final String btc = "{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[]}";
        final String eth = "{\"type\":\"update\",\"product_id\":\"ETH-USD\",\"updates\":[]}";
        final byte[] two = (envelope + " " + btc + " , " + eth + " ], \"sequence_num\" : 7 }").getBytes(StandardCharsets.UTF_8);
        decoder.decode(two, message);
        assertThat(parts.cut(message, two)).isEqualTo(2);
        assertThat(new String(parts.value(0), StandardCharsets.UTF_8))
                .isEqualTo(envelope + btc + "], \"sequence_num\" : 7 }");
        assertThat(new String(parts.value(1), StandardCharsets.UTF_8))
                .isEqualTo(envelope + eth + "], \"sequence_num\" : 7 }");

        final byte[] one = (envelope + btc + " , " + btc + " ] }").getBytes(StandardCharsets.UTF_8);
        decoder.decode(one, message);
        assertThat(parts.cut(message, one)).isEqualTo(1);
        assertThat(parts.value(0)).isSameAs(one);
    }

    private static String randomMessage(final SplittableRandom random) {
        final StringBuilder json = new StringBuilder("{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":"
                + "\"2026-12-03T13:00:00.123456789Z\",\"sequence_num\":" + random.nextInt(1_000_000) + ",\"events\":[");
        final int events = 1 + random.nextInt(6);
        final List<String> items = new ArrayList<>();
        for (int e = 0; e < events; e++) {
            final StringBuilder event = new StringBuilder("{\"type\":\"")
                    .append(random.nextBoolean() ? "update" : "snapshot").append("\",\"product_id\":\"")
                    .append(PRODUCTS.get(random.nextInt(PRODUCTS.size()))).append("\",\"updates\":[");
            final int updates = random.nextInt(4);
            for (int u = 0; u < updates; u++) {
                event.append(u == 0 ? "" : ",").append("{\"side\":\"").append(random.nextBoolean() ? "bid" : "offer")
                        .append("\",\"event_time\":\"2026-12-03T13:00:00.1Z\",\"price_level\":\"")
                        .append(1 + random.nextInt(100_000)).append('.').append(random.nextInt(100))
                        .append("\",\"new_quantity\":\"").append(random.nextInt(10)).append(".5\"}");
            }
            items.add(event.append("]}").toString());
        }
        json.append(String.join(",", items)).append("]}");
        return json.toString();
    }
}
