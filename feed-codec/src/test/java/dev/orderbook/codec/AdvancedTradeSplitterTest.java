package dev.orderbook.codec;

import dev.orderbook.codec.model.ProductRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AdvancedTradeSplitterTest {
    private final AdvancedTradeSplitter splitter = new AdvancedTradeSplitter();

    private static byte[] fixture(final String name) {
        try (InputStream in = AdvancedTradeSplitterTest.class.getResourceAsStream("/coinbase/" + name)) {
            return in.readAllBytes();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<AdvancedTradeSplitter.ProductMessage> split(final byte[] json) throws Exception {
        return splitter.split(json, 0, json.length);
    }

    @Test
    void shouldSplitAMultiProductMessageIntoOneWellFormedMessagePerProduct() throws Exception {
        final List<AdvancedTradeSplitter.ProductMessage> parts = split(fixture("advanced-update-two-products.json"));
        assertThat(parts).extracting(AdvancedTradeSplitter.ProductMessage::productId)
                .containsExactly("BTC-USD", "ETH-USD");
        final CoinbaseDecoder decoder = new CoinbaseDecoder(ProductRegistry.open());
        final FeedMessage msg = new FeedMessage();
        decoder.decode(parts.get(0).json(), msg);
        assertThat(msg.kind()).isEqualTo(MessageKind.BOOK);
        assertThat(msg.eventCount()).isEqualTo(1);
        assertThat(msg.eventProduct(0).id()).isEqualTo("BTC-USD");
        assertThat(msg.changeCount()).isEqualTo(2);
        assertThat(msg.sequence()).isEqualTo(14);
        decoder.decode(parts.get(1).json(), msg);
        assertThat(msg.eventProduct(0).id()).isEqualTo("ETH-USD");
        assertThat(msg.changeCount()).isEqualTo(1);
    }

    @Test
    void shouldKeepTheEnvelopeAndEventsByteForByte() throws Exception {
        final String message = "{\"channel\":\"l2_data\", \"client_id\":\"\",\"timestamp\":\"2026-08-09T21:05:48.5Z\","
                + "\"sequence_num\":14,\"events\":[{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[]},"
                + " {\"type\":\"update\",\"product_id\":\"ETH-USD\",\"updates\":[{\"side\":\"bid\","
                + "\"price_level\":\"1.50\",\"new_quantity\":\"2\"}]},{\"type\":\"update\",\"product_id\":\"BTC-USD\","
                + "\"updates\":[]}],\"x\":{\"y\":[1,2]}}";
        final List<AdvancedTradeSplitter.ProductMessage> parts = split(message.getBytes(StandardCharsets.UTF_8));
        assertThat(new String(parts.get(0).json(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"2026-08-09T21:05:48.5Z\","
                        + "\"sequence_num\":14,\"events\":[{\"type\":\"update\",\"product_id\":\"BTC-USD\","
                        + "\"updates\":[]},{\"type\":\"update\",\"product_id\":\"BTC-USD\",\"updates\":[]}],"
                        + "\"x\":{\"y\":[1,2]}}");
        assertThat(new String(parts.get(1).json(), StandardCharsets.UTF_8)).isEqualTo(
                "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"2026-08-09T21:05:48.5Z\","
                        + "\"sequence_num\":14,\"events\":[{\"type\":\"update\",\"product_id\":\"ETH-USD\","
                        + "\"updates\":[{\"side\":\"bid\",\"price_level\":\"1.50\",\"new_quantity\":\"2\"}]}],"
                        + "\"x\":{\"y\":[1,2]}}");
    }

    @Test
    void shouldReturnASingleProductMessageVerbatim() throws Exception {
        final byte[] snapshot = fixture("advanced-snapshot.json");
        final List<AdvancedTradeSplitter.ProductMessage> parts = split(snapshot);
        assertThat(parts).hasSize(1);
        assertThat(parts.get(0).productId()).isEqualTo("BTC-USD");
        assertThat(parts.get(0).json()).isEqualTo(snapshot);
    }

    @Test
    void shouldNotKeyMessagesThatAreNotBookData() throws Exception {
        assertThat(split(fixture("advanced-heartbeats.json"))).isEmpty();
        assertThat(split(fixture("advanced-subscriptions.json"))).isEmpty();
    }

    @Test
    void shouldRefuseMalformedMessagesWithAReason() {
        assertThatThrownBy(() -> split("{\"channel\":\"l2_data\",\"events\":[".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(AdvancedTradeSplitter.NotSplittable.class).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> split("{\"channel\":\"l2_data\",\"events\":[{\"type\":\"update\"}]}"
                .getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(AdvancedTradeSplitter.NotSplittable.class).hasMessageContaining("product_id");
        assertThatThrownBy(() -> split("{\"channel\":\"l2_data\"}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(AdvancedTradeSplitter.NotSplittable.class).hasMessageContaining("events");
    }
}
