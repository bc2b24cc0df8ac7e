package dev.orderbook.codec.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProductRegistryTest {

    private static Product byBytes(final ProductRegistry registry, final String id) {
        final byte[] b = ("xx" + id + "yy").getBytes(StandardCharsets.ISO_8859_1);
        return registry.get(b, 2, id.length());
    }

    @Test
    void openRegistryShouldRegisterValidIdsOnceWithDenseIndexes() {
        final ProductRegistry registry = ProductRegistry.open();
        final Product btc = byBytes(registry, "BTC-USD");
        final Product eth = registry.get("ETH-USD");
        assertThat(btc.index()).isZero();
        assertThat(eth.index()).isEqualTo(1);
        assertThat(byBytes(registry, "BTC-USD")).isSameAs(btc);
        assertThat(registry.get("BTC-USD")).isSameAs(btc);
        assertThat(btc.priceScale()).isEqualTo(ProductRegistry.DEFAULT_SCALE);
    }

    @Test
    void shouldFindOnlyProductsAlreadyRegistered() {
        final ProductRegistry registry = ProductRegistry.open();
        final Product btc = registry.get("BTC-USD");
        assertThat(registry.find("BTC-USD")).isSameAs(btc);
        assertThat(registry.find("ETH-USD")).isNull();
        assertThat(registry.size()).as("a lookup registers nothing").isEqualTo(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "btc-usd", "-BTC", "BTC-", "BTC USD", "BTC_USD", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"})
    void shouldRejectMalformedIds(final String id) {
        final ProductRegistry registry = ProductRegistry.open();
        assertThat(registry.get(id)).isNull();
        assertThat(byBytes(registry, id)).isNull();
        assertThat(registry.size()).isZero();
    }

    @Test
    void closedRegistryShouldKnowOnlyItsProducts() {
        final ProductRegistry registry = ProductRegistry.closed(List.of("BTC-USD", "ETH-USD"), 10, 10, Map.of());
        assertThat(registry.isOpen()).isFalse();
        assertThat(byBytes(registry, "ETH-USD").id()).isEqualTo("ETH-USD");
        assertThat(byBytes(registry, "SOL-USD")).isNull();
        assertThat(registry.size()).isEqualTo(2);
    }

    @Test
    void shouldApplyPerProductScalesAndValidateThemAtConstruction() {
        final ProductRegistry registry = ProductRegistry.open(10, 10, Map.of("SHIB-USD", new int[] {12, 2}));
        assertThat(registry.get("SHIB-USD").priceScale()).isEqualTo(12);
        assertThat(registry.get("SHIB-USD").sizeScale()).isEqualTo(2);
        assertThat(registry.get("BTC-USD").sizeScale()).isEqualTo(10);
        assertThatThrownBy(() -> ProductRegistry.open(10, 10, Map.of("BTC-USD", new int[] {25, 2})))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ProductRegistry.open(10, 10, Map.of("btc", new int[] {10, 10})))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldStopRegisteringAtTheLimitAndStillFindEveryProduct() {
        final ProductRegistry registry = ProductRegistry.open();
        for (int i = 0; i < ProductRegistry.MAX_PRODUCTS; i++) {
            assertThat(registry.get("P" + i)).isNotNull();
        }
        assertThat(registry.get("ONE-TOO-MANY")).isNull();
        for (int i = 0; i < ProductRegistry.MAX_PRODUCTS; i++) {
            assertThat(byBytes(registry, "P" + i).index()).isEqualTo(i);
        }
    }
}
