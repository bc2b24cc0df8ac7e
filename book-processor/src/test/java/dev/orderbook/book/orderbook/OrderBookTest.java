package dev.orderbook.book.orderbook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.orderbook.codec.model.Side;

class OrderBookTest {
    @Test
    void newBookShouldBeEmptyAndNotCrossed() {
        final OrderBook book = new OrderBook();

        assertThat(book.bestBidPrice()).isEqualTo(BookSide.NO_PRICE);
        assertThat(book.bestAskPrice()).isEqualTo(BookSide.NO_PRICE);
        assertThat(book.bestBidSize()).isZero();
        assertThat(book.bestAskSize()).isZero();
        assertThat(book.bidLevels()).isZero();
        assertThat(book.askLevels()).isZero();
        assertThat(book.isCrossed()).isFalse();
    }

    @Test
    void applyShouldRouteChangesBySide() {
        final OrderBook book = new OrderBook();

        book.apply(Side.BID, 100, 5);
        book.apply(Side.ASK, 102, 7);
        book.apply(Side.BID_CODE, 99, 3);
        book.apply(Side.ASK_CODE, 103, 4);

        assertThat(book.bestBidPrice()).isEqualTo(100);
        assertThat(book.bestBidSize()).isEqualTo(5);
        assertThat(book.bestAskPrice()).isEqualTo(102);
        assertThat(book.bestAskSize()).isEqualTo(7);
        assertThat(book.bidLevels()).isEqualTo(2);
        assertThat(book.askLevels()).isEqualTo(2);
        assertThat(book.side(Side.BID)).isSameAs(book.bids());
        assertThat(book.side(Side.ASK)).isSameAs(book.asks());
    }

    @Test
    void applyShouldReportWhetherThatSidesBestLevelChanged() {
        final OrderBook book = new OrderBook();
        book.apply(Side.BID, 100, 5);
        book.apply(Side.ASK, 102, 7);

        assertThat(book.apply(Side.BID, 99, 1)).isFalse();
        assertThat(book.apply(Side.ASK_CODE, 102, 8)).isTrue();
        assertThat(book.apply(Side.BID_CODE, 100, 0)).isTrue();
        assertThat(book.bestBidPrice()).isEqualTo(99);
    }

    @Test
    void applyShouldRejectUnknownSideCodeAndNullSide() {
        final OrderBook book = new OrderBook();

        assertThatThrownBy(() -> book.apply((byte) 2, 100, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> book.apply((byte) -1, 100, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> book.apply((Side) null, 100, 1)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> book.load((byte) 2, 100, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> book.load((Side) null, 100, 1)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void bookShouldBeCrossedWhenBestBidReachesBestAsk() {
        final OrderBook book = new OrderBook();
        book.apply(Side.BID, 100, 5);
        book.apply(Side.ASK, 101, 5);
        assertThat(book.isCrossed()).isFalse();

        book.apply(Side.BID, 101, 1);
        assertThat(book.isCrossed()).as("bid equal to ask").isTrue();

        book.apply(Side.BID, 102, 1);
        assertThat(book.isCrossed()).as("bid above ask").isTrue();

        book.apply(Side.BID, 102, 0);
        book.apply(Side.BID, 101, 0);
        assertThat(book.isCrossed()).isFalse();
    }

    @Test
    void bookWithOneEmptySideShouldNotBeCrossed() {
        final OrderBook book = new OrderBook();

        book.apply(Side.BID, 100, 5);

        assertThat(book.isCrossed()).isFalse();
    }

    @Test
    void snapshotShouldReplaceBothSides() {
        final OrderBook book = new OrderBook();
        book.apply(Side.BID, 50, 1);
        book.apply(Side.ASK, 60, 1);

        book.beginLoad();
        book.load(Side.BID, 100, 5);
        book.load(Side.BID_CODE, 99, 4);
        book.load(Side.ASK, 101, 6);
        book.load(Side.ASK_CODE, 102, 7);
        book.endLoad();

        assertThat(book.bestBidPrice()).isEqualTo(100);
        assertThat(book.bestAskPrice()).isEqualTo(101);
        assertThat(book.bidLevels()).isEqualTo(2);
        assertThat(book.askLevels()).isEqualTo(2);
        assertThat(book.bids().sizeAt(50)).isZero();
        assertThat(book.asks().sizeAt(60)).isZero();
    }

    @Test
    void clearShouldEmptyBothSides() {
        final OrderBook book = new OrderBook();
        book.apply(Side.BID, 100, 5);
        book.apply(Side.ASK, 101, 6);

        book.clear();

        assertThat(book.bidLevels()).isZero();
        assertThat(book.askLevels()).isZero();
        assertThat(book.bestBidPrice()).isEqualTo(BookSide.NO_PRICE);
        assertThat(book.bestAskPrice()).isEqualTo(BookSide.NO_PRICE);
    }

    @Test
    void footprintShouldBeTheSumOfBothSides() {
        final OrderBook book = new OrderBook(32, 256);

        assertThat(book.footprintBytes()).isEqualTo(book.bids().footprintBytes() + book.asks().footprintBytes());
        assertThat(book.bids().chunkCapacity()).isEqualTo(32);
        assertThat(book.asks().windowTicks()).isEqualTo(256);
    }
}
