package dev.orderbook.codec;

/** Why a feed message could not be decoded. The name is stable and is used as the dead-letter reason code. */
public enum DecodeError {
    OVERSIZED("message larger than the configured limit"),
    INVALID_JSON("not valid JSON"),
    NOT_AN_OBJECT("top-level JSON value is not an object"),
    MISSING_FIELD("a required field is missing"),
    WRONG_TYPE("a field has the wrong JSON type"),
    UNKNOWN_SIDE("side is not buy/sell (Exchange) or bid/offer (Advanced Trade)"),
    BAD_PRODUCT("product id is empty or malformed"),
    UNKNOWN_PRODUCT("product is not configured"),
    BAD_PRICE("price is not a valid positive decimal at the product's scale"),
    BAD_SIZE("size is not a valid non-negative decimal at the product's scale"),
    BAD_EVENT_TYPE("Advanced Trade event type is not snapshot or update");

    private final String description;

    DecodeError(final String description) {
        this.description = description;
    }

    public String description() {
        return description;
    }
}
