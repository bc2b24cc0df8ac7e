package dev.orderbook.contract;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HeaderTest {

    @Test
    void longHeadersShouldRoundTripBigEndian() {
        assertThat(Header.longHeader(1L)).containsExactly(0, 0, 0, 0, 0, 0, 0, 1);
        final SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 10_000; i++) {
            final long v = random.nextLong();
            assertThat(Header.longHeader(Header.longHeader(v))).isEqualTo(v);
        }
    }

    @Test
    void shouldRejectHeadersOfTheWrongLength() {
        assertThatThrownBy(() -> Header.longHeader(new byte[7])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Header.longHeader((byte[]) null)).isInstanceOf(IllegalArgumentException.class);
    }
}
