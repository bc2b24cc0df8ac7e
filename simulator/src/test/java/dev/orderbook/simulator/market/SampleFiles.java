package dev.orderbook.simulator.market;

import java.util.List;

/** The options the committed files in {@code samples/} were made with; samples/README.md repeats them. */
final class SampleFiles {
    static final String EXCHANGE_FILE = "synthetic-exchange.ndjson";
    static final String ADVANCED_FILE = "synthetic-advanced.ndjson";

    static final FeedFileOptions EXCHANGE = new FeedFileOptions(Protocol.EXCHANGE, List.of("BTC-USD", "ETH-USD"),
            0, 4_000, 20_261_123L, 300, 0.2, 1, 20, 8.0, 0);
    static final FeedFileOptions ADVANCED = new FeedFileOptions(Protocol.ADVANCED, List.of("BTC-USD", "ETH-USD"),
            0, 1_500, 20_261_123L, 300, 0.2, 1, 20, 8.0, 0);

    private SampleFiles() {
    }
}
