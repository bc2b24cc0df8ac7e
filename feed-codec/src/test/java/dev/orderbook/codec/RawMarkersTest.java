package dev.orderbook.codec;

import dev.orderbook.codec.model.ProductRegistry;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RawMarkersTest {

    @Test
    void shouldWriteAMarkerTheDecoderReadsAsAGap() {
        final byte[] json = RawMarkers.gap("BTC-USD", "sequence \"12\" skipped", "2026-11-23T19:00:00Z");
        assertThat(new String(json, StandardCharsets.UTF_8)).isEqualTo("{\"type\":\"x-orderbook-gap\","
                + "\"product_id\":\"BTC-USD\",\"reason\":\"sequence \\\"12\\\" skipped\",\"time\":\"2026-11-23T19:00:00Z\"}");
        final FeedMessage msg = new CoinbaseDecoder(ProductRegistry.open()).decode(json, new FeedMessage());
        assertThat(msg.kind()).isEqualTo(MessageKind.GAP);
        assertThat(msg.markerProduct().id()).isEqualTo("BTC-USD");
        assertThat(msg.gapReason()).isEqualTo("sequence \"12\" skipped");
        assertThat(msg.time().toString()).isEqualTo("2026-11-23T19:00:00Z");
    }

    @Test
    void shouldOmitAnUnknownTime() {
        assertThat(new String(RawMarkers.gap("ETH-USD", "disconnect", null), StandardCharsets.UTF_8))
                .isEqualTo("{\"type\":\"x-orderbook-gap\",\"product_id\":\"ETH-USD\",\"reason\":\"disconnect\"}");
    }

    @Test
    void shouldRefuseInvalidProductsAndEmptyReasons() {
        assertThatThrownBy(() -> RawMarkers.gap("btc", "x", null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RawMarkers.gap("BTC-USD", "", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldWriteALivenessRecordTheDecoderReadsAsLiveness() {
        final byte[] json = RawMarkers.liveness("SOL-USD", "2026-12-03T13:00:01Z");
        assertThat(new String(json, StandardCharsets.UTF_8)).isEqualTo("{\"type\":\"x-orderbook-liveness\","
                + "\"product_id\":\"SOL-USD\",\"time\":\"2026-12-03T13:00:01Z\"}");
        final FeedMessage msg = new CoinbaseDecoder(ProductRegistry.open()).decode(json, new FeedMessage());
        assertThat(msg.kind()).isEqualTo(MessageKind.LIVENESS);
        assertThat(msg.markerProduct().id()).isEqualTo("SOL-USD");
        assertThat(msg.time().toString()).isEqualTo("2026-12-03T13:00:01Z");
        assertThatThrownBy(() -> RawMarkers.liveness("sol", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldTellALivenessRecordOfAnUnknownProductAsInvalidAndPutNoBookInDoubt() {
        final byte[] json = RawMarkers.liveness("DOGE-USD", null);
        final ProductRegistry closed = ProductRegistry.closed(List.of("BTC-USD"), 10, 10, Map.of());
        final FeedMessage msg = new CoinbaseDecoder(closed).decode(json, new FeedMessage());
        assertThat(msg.kind()).isEqualTo(MessageKind.INVALID);
        assertThat(msg.error()).isEqualTo(DecodeError.UNKNOWN_PRODUCT);
        assertThat(StaleScope.of(json, 0, json.length, closed).isAll()).isFalse();
        assertThat(StaleScope.of(json, 0, json.length, closed).products()).isEmpty();
    }
}
