package dev.orderbook.book.processor;

import dev.orderbook.book.engine.BookMeta;
import dev.orderbook.contract.summary.BookState;
import dev.orderbook.contract.summary.StateReason;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BookMetaCodecTest {
    private static final BookMeta META = new BookMeta(BookState.STALE, StateReason.FEED_SILENT, true, BookState.LIVE,
            null, 10_000, 3, 10_100, 4);
    private static final byte[] SESSION = "session-1".getBytes(StandardCharsets.UTF_8);

    @Test
    void shouldReadBackABooksMetaChainAndLeadershipEpoch() {
        final BookMetaCodec.Stored stored = BookMetaCodec.decode(BookMetaCodec.encode(7, META, SESSION, 42, 9));
        assertThat(stored.creationOrder()).isEqualTo(7);
        assertThat(stored.meta()).isEqualTo(META);
        assertThat(stored.session()).isEqualTo(SESSION);
        assertThat(stored.sequence()).isEqualTo(42);
        assertThat(stored.epoch()).isEqualTo(9);
    }

    @Test
    void shouldReadABookWithoutAChainYet() {
        final BookMetaCodec.Stored stored = BookMetaCodec.decode(BookMetaCodec.encode(0, META, null, 0, 0));
        assertThat(stored.session()).isNull();
    }

    @Test
    void shouldReadTheLayoutWithoutAnEpochAsEpochZero() {
        // Version 2 is version 3 without the trailing epoch.
        final byte[] v3 = BookMetaCodec.encode(1, META, SESSION, 42, 9);
        final byte[] v2 = Arrays.copyOf(v3, v3.length - 8);
        v2[0] = 2;
        final BookMetaCodec.Stored stored = BookMetaCodec.decode(v2);
        assertThat(stored.sequence()).isEqualTo(42);
        assertThat(stored.epoch()).isZero();
    }

    @Test
    void shouldRefuseAnUnknownLayoutSayingHowToResetTheState() {
        final byte[] future = BookMetaCodec.encode(1, META, SESSION, 42, 9);
        future[0] = 99;
        assertThatThrownBy(() -> BookMetaCodec.decode(future)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("version 99").hasMessageContaining("application-reset");
    }

    @Test
    void shouldKeepPartitionOffsetsApartFromBooks() {
        final byte[] key = BookMetaCodec.partitionKey(5).get();
        assertThat(BookMetaCodec.isPartitionKey(key)).isTrue();
        assertThat(BookMetaCodec.partitionOf(key)).isEqualTo(5);
        assertThat(BookMetaCodec.offsetOf(BookMetaCodec.offsetValue(123_456_789L))).isEqualTo(123_456_789L);
        assertThat(BookMetaCodec.isPartitionKey(BookMetaCodec.bookKey("BTC-USD").get())).isFalse();
    }
}
