package dev.orderbook.contract;

/**
 * The default names of the Kafka topics of shared/DESIGN.md, as compile-time constants (command-line defaults need
 * them). Services take the names from configuration, with these as defaults. How each topic is created:
 * {@link TopicSpec}; its record headers: {@link Header}.
 */
public final class Topics {
    /** Raw exchange messages, key = product id, value = the message bytes as received. System of record. */
    public static final String RAW_DEFAULT = "coinbase.l2.raw";
    /** One summary per top-of-book change, key = product id. */
    public static final String SUMMARIES_DEFAULT = "orderbook.summaries";
    /** Summaries whose spread exceeds the alert threshold. */
    public static final String ALERTS_DEFAULT = "orderbook.alerts";
    /** Records that could not be applied: the raw bytes plus reason headers. */
    public static final String DLQ_DEFAULT = "orderbook.dlq";
    /** Requests from the processor to the ingestor (a fresh snapshot of a product), key = product id. */
    public static final String CONTROL_DEFAULT = "orderbook.control";

    private Topics() {
    }
}
