package dev.orderbook.codec;

import dev.orderbook.codec.model.ProductRegistry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GapMarkersTest {

    @Test
    void shouldWriteAMarkerTheDecoderReadsAsAGap() {
        final byte[] json = GapMarkers.toJson("BTC-USD", "sequence \"12\" skipped", "2026-11-23T19:00:00Z");
        assertThat(new String(json, StandardCharsets.UTF_8)).isEqualTo("{\"type\":\"x-orderbook-gap\","
                + "\"product_id\":\"BTC-USD\",\"reason\":\"sequence \\\"12\\\" skipped\",\"time\":\"2026-11-23T19:00:00Z\"}");
        final FeedMessage msg = new CoinbaseDecoder(ProductRegistry.open()).decode(json, new FeedMessage());
        assertThat(msg.kind()).isEqualTo(MessageKind.GAP);
        assertThat(msg.gapProduct().id()).isEqualTo("BTC-USD");
        assertThat(msg.gapReason()).isEqualTo("sequence \"12\" skipped");
        assertThat(msg.time().toString()).isEqualTo("2026-11-23T19:00:00Z");
    }

    @Test
    void shouldOmitAnUnknownTime() {
        assertThat(new String(GapMarkers.toJson("ETH-USD", "disconnect", null), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"x-orderbook-gap\",\"product_id\":\"ETH-USD\",\"reason\":\"disconnect\"}");
    }

    @Test
    void shouldRefuseInvalidProductsAndEmptyReasons() {
        assertThatThrownBy(() -> GapMarkers.toJson("btc", "x", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GapMarkers.toJson("BTC-USD", "", null)).isInstanceOf(IllegalArgumentException.class);
    }
}
