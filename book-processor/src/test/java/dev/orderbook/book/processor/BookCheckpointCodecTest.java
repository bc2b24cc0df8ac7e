package dev.orderbook.book.processor;

import dev.orderbook.book.engine.AlertThresholds;
import dev.orderbook.book.engine.BookEngine;
import dev.orderbook.book.engine.ProductBook;
import dev.orderbook.codec.model.Product;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.codec.model.Side;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BookCheckpointCodecTest {
    @Test
    void shouldRoundTripEveryLevelOfADeepBookInAFewBytesEach() {
        // Given a book of 50,000 levels with prices far apart and close together
        final ProductRegistry products = ProductRegistry.open();
        final Product product = products.get("BTC-USD");
        final BookEngine engine = new BookEngine(AlertThresholds.defaults(), false);
        final ProductBook pb = engine.restore(product, new dev.orderbook.book.engine.BookMeta(
                dev.orderbook.contract.summary.BookState.LIVE, null, false,
                dev.orderbook.contract.summary.BookState.STALE, null, 0, 0, 0, 0));
        final SplittableRandom random = new SplittableRandom(7);
        pb.book().beginLoad();
        long bid = 650_000_000_000_000L;
        long ask = bid + 100_000L;
        for (int i = 0; i < 25_000; i++) {
            pb.book().load(Side.BID_CODE, bid, 1 + random.nextLong(1_000_000_000_000L));
            pb.book().load(Side.ASK_CODE, ask, 1 + random.nextLong(1_000_000_000_000L));
            bid -= 100_000L * (1 + random.nextInt(i % 100 == 0 ? 100_000 : 3));
            ask += 100_000L * (1 + random.nextInt(3));
        }
        pb.book().endLoad();

        // When it is checkpointed and read back
        final BookCheckpointCodec codec = new BookCheckpointCodec();
        codec.begin(3, 123_456_789L, 1);
        codec.add(pb, new byte[] {9, 8, 7});
        final byte[] bytes = codec.finish();
        final BookCheckpointCodec.Checkpoint cp = BookCheckpointCodec.decode(bytes);

        // Then every level, best first, the offset and the meta come back
        assertThat(cp.partition()).isEqualTo(3);
        assertThat(cp.offset()).isEqualTo(123_456_789L);
        final BookCheckpointCodec.Book book = cp.books().get(0);
        assertThat(book.productId()).isEqualTo("BTC-USD");
        assertThat(book.meta()).containsExactly(9, 8, 7);
        assertThat(book.bidPrices()).hasSize(25_000);
        final long[] bidPrices = new long[25_000];
        final long[] bidSizes = new long[25_000];
        final int[] n = {0};
        pb.book().side(Side.BID).forEachLevel(Integer.MAX_VALUE, (p, s) -> {
            bidPrices[n[0]] = p;
            bidSizes[n[0]++] = s;
        });
        assertThat(book.bidPrices()).containsExactly(bidPrices);
        assertThat(book.bidSizes()).containsExactly(bidSizes);
        assertThat(book.askPrices()[0]).isEqualTo(650_000_000_100_000L);
        assertThat(bytes.length / 50_000.0).as("bytes per level").isLessThan(12);
    }

    @Test
    void shouldRefuseALayoutItDoesNotKnow() {
        assertThatThrownBy(() -> BookCheckpointCodec.decode(new byte[20])).hasMessageContaining("reset the processor");
    }
}
