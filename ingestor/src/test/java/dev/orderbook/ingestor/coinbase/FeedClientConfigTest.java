package dev.orderbook.ingestor.coinbase;

import dev.orderbook.codec.Protocol;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FeedClientConfigTest {
    private static final String URL = "wss://ws-feed.exchange.coinbase.com";
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD");

    @Test
    void ofShouldApplyDefaults() {
        final FeedClientConfig config = FeedClientConfig.of(URL, Protocol.EXCHANGE, PRODUCTS);

        assertThat(config.silenceTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.reconnectBackoffMin()).isEqualTo(Duration.ofMillis(100));
        assertThat(config.reconnectBackoffMax()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.maxMessageBytes()).isEqualTo(16 << 20);
        assertThat(config.queueCapacity()).isPositive();
        assertThat(config.permessageDeflate()).isTrue();
        assertThat(config.productSilenceTimeout()).isEqualTo(config.silenceTimeout());
    }

    @Test
    void productSilenceTimeoutShouldFollowSilenceTimeoutUnlessSetApart() {
        final FeedClientConfig config = FeedClientConfig.of(URL, Protocol.EXCHANGE, PRODUCTS);

        assertThat(config.withSilenceTimeout(Duration.ofSeconds(2)).productSilenceTimeout())
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(config.withProductSilenceTimeout(Duration.ofSeconds(3)).withSilenceTimeout(Duration.ofSeconds(9))
                .productSilenceTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(config.withPermessageDeflate(false).permessageDeflate()).isFalse();
        assertThatThrownBy(() -> config.withProductSilenceTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldCopyProductIdsDefensively() {
        final List<String> ids = new ArrayList<>(PRODUCTS);
        final FeedClientConfig config = FeedClientConfig.of(URL, Protocol.ADVANCED, ids);
        ids.add("SOL-USD");

        assertThat(config.productIds()).containsExactlyElementsOf(PRODUCTS);
    }

    @Test
    void shouldRejectNonWebSocketUrl() {
        assertThatThrownBy(() -> FeedClientConfig.of("http://example.com", Protocol.EXCHANGE, PRODUCTS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ws://");
    }

    @Test
    void shouldRejectEmptyOrDuplicateOrInvalidProducts() {
        assertThatThrownBy(() -> FeedClientConfig.of(URL, Protocol.EXCHANGE, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> FeedClientConfig.of(URL, Protocol.EXCHANGE, List.of("BTC-USD", "BTC-USD")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("distinct");
        assertThatThrownBy(() -> FeedClientConfig.of(URL, Protocol.EXCHANGE, List.of("btc usd\"")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("invalid product id");
    }

    @Test
    void shouldRejectBackoffMaxBelowMin() {
        final FeedClientConfig config = FeedClientConfig.of(URL, Protocol.EXCHANGE, PRODUCTS);

        assertThatThrownBy(() -> config.withReconnectBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("below");
    }

    @Test
    void shouldRejectNonPositiveSilenceTimeoutAndTinyBuffers() {
        final FeedClientConfig config = FeedClientConfig.of(URL, Protocol.EXCHANGE, PRODUCTS);

        assertThatThrownBy(() -> config.withSilenceTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> config.withMaxMessageBytes(100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> config.withQueueCapacity(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
