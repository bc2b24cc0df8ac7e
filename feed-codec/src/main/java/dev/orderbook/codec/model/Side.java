package dev.orderbook.codec.model;

/**
 * Side of a price level. The Exchange feed spells them {@code buy}/{@code sell}, Advanced Trade
 * {@code bid}/{@code offer}; both map here once, in the codec.
 */
public enum Side {
    BID,
    ASK;

    /** Byte code used in primitive arrays on the hot path. */
    public static final byte BID_CODE = 0;
    /** Byte code used in primitive arrays on the hot path. */
    public static final byte ASK_CODE = 1;

    public byte code() {
        return this == BID ? BID_CODE : ASK_CODE;
    }

    public static Side ofCode(final byte code) {
        if (code == BID_CODE) {
            return BID;
        }
        if (code == ASK_CODE) {
            return ASK;
        }
        throw new IllegalArgumentException("unknown side code " + code);
    }
}
