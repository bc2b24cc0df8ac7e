package dev.orderbook.codec.decimal;

/** Why a decimal failed to parse. Each constant has a distinct negative code returned by {@link Decimals}. */
public enum DecimalError {
    EMPTY(-1, "empty number"),
    MALFORMED(-2, "not a decimal number"),
    NEGATIVE(-3, "negative number"),
    EXPONENT(-4, "exponent notation is not accepted"),
    NOT_A_NUMBER(-5, "NaN or infinity"),
    TOO_PRECISE(-6, "more decimal places than the product's scale"),
    OVERFLOW(-7, "too large for the product's fixed-point scale");

    private final long code;
    private final String reason;

    DecimalError(final long code, final String reason) {
        this.code = code;
        this.reason = reason;
    }

    public long code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    /** Maps a negative result of {@link Decimals#parse} back to its error. */
    public static DecimalError ofCode(final long code) {
        for (final DecimalError e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        throw new IllegalArgumentException("not a decimal error code: " + code);
    }
}
