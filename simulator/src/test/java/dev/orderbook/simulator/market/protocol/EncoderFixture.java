package dev.orderbook.simulator.market.protocol;

import dev.orderbook.simulator.market.BatchSizeDistribution;
import dev.orderbook.simulator.market.MarketOptions;
import dev.orderbook.simulator.market.SyntheticMarket;

import java.util.ArrayList;
import java.util.List;

/** A small two-product market and a sink that keeps copies of the messages. */
final class EncoderFixture {
    static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD");

    private EncoderFixture() {
    }

    static SyntheticMarket market(final long seed) {
        return new SyntheticMarket(new MarketOptions(MarketOptions.specsFor(PRODUCTS), seed, 50, 0.2,
                BatchSizeDistribution.defaults()));
    }

    /** Collects messages as Strings (the encoder reuses its buffer). */
    static final class Collector implements MessageSink {
        final List<String> messages = new ArrayList<>();

        @Override
        public void accept(final CharSequence message) {
            messages.add(message.toString());
        }

        String last() {
            return messages.get(messages.size() - 1);
        }
    }
}
