package dev.orderbook.book.engine;

import dev.orderbook.codec.io.ByteSink;
import dev.orderbook.codec.model.Product;

/** Receives each summary the {@link BookEngine} emits. */
@FunctionalInterface
public interface SummarySink {
    /**
     * @param product the summary's product
     * @param summaryJson the summary JSON object (no line terminator); valid only during this call
     * @param alert true if the spread exceeds the product's alert threshold (live books only)
     */
    void accept(Product product, ByteSink summaryJson, boolean alert);
}
