package dev.orderbook.simulator.market.protocol;

import static dev.orderbook.simulator.market.protocol.ExchangeFeedEncoderTest.fieldNames;
import static dev.orderbook.simulator.market.protocol.ExchangeFeedEncoderTest.readUnchecked;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orderbook.codec.decimal.Decimals;
import dev.orderbook.simulator.market.ChangeBatch;
import dev.orderbook.simulator.market.Protocol;
import dev.orderbook.simulator.market.SyntheticMarket;

import org.junit.jupiter.api.Test;

class AdvancedTradeEncoderTest {
    private static final String NS_TIMESTAMP = "2026-11-23T19:00:[0-9]{2}\\.[0-9]{9}Z";

    private final SyntheticMarket market = EncoderFixture.market(2);
    private final FeedEncoder encoder = FeedEncoder.forProtocol(Protocol.ADVANCED, market.products(),
            SyntheticMarket.START_EPOCH_NS, 2);
    private final EncoderFixture.Collector sink = new EncoderFixture.Collector();

    @Test
    void subscriptionsShouldConfirmEachSubscribeCumulatively() {
        encoder.encodeSubscriptions(SyntheticMarket.START_EPOCH_NS, sink);
        assertThat(sink.messages).hasSize(2);
        assertThat(sink.messages.get(0)).matches("\\{\"channel\":\"subscriptions\",\"timestamp\":\"" + NS_TIMESTAMP
                + "\",\"sequence_num\":0,\"events\":\\[\\{\"subscriptions\":\\{\"level2\":"
                + "\\[\"BTC-USD\",\"ETH-USD\"]}}]}");
        assertThat(sink.messages.get(1)).matches("\\{\"channel\":\"subscriptions\",\"timestamp\":\"" + NS_TIMESTAMP
                + "\",\"sequence_num\":1,\"events\":\\[\\{\"subscriptions\":\\{\"heartbeats\":\\[\"heartbeats\"],"
                + "\"level2\":\\[\"BTC-USD\",\"ETH-USD\"]}}]}");
    }

    @Test
    void snapshotShouldListBidsThenOffersBestFirst() {
        encoder.encodeSnapshot(market, 1, SyntheticMarket.START_EPOCH_NS, sink);
        final JsonNode message = readUnchecked(sink.last());
        assertThat(fieldNames(message)).containsExactly("channel", "timestamp", "sequence_num", "events");
        assertThat(message.get("channel").asText()).isEqualTo("l2_data");
        final JsonNode event = message.get("events").get(0);
        assertThat(fieldNames(event)).containsExactly("type", "product_id", "updates");
        assertThat(event.get("type").asText()).isEqualTo("snapshot");
        assertThat(event.get("product_id").asText()).isEqualTo("ETH-USD");
        final JsonNode updates = event.get("updates");
        assertThat(fieldNames(updates.get(0))).containsExactly("side", "event_time", "price_level", "new_quantity");
        assertThat(updates.get(0).get("side").asText()).isEqualTo("bid");
        assertThat(updates.get(updates.size() - 1).get("side").asText()).isEqualTo("offer");
        assertThat(updates).hasSize(100);
    }

    @Test
    void updatesOfSeveralProductsShouldShareOneMessageAndOneSequenceNumber() {
        final ChangeBatch first = market.newBatch();
        final ChangeBatch second = market.newBatch();
        market.nextBatch(first);
        do {
            market.nextBatch(second);
        } while (second.productIndex() == first.productIndex());
        encoder.encodeUpdates(new ChangeBatch[] {first, second}, 2, sink);
        encoder.encodeUpdates(new ChangeBatch[] {second}, 1, sink);
        final JsonNode combined = readUnchecked(sink.messages.get(0));
        assertThat(combined.get("sequence_num").asLong()).isZero();
        assertThat(combined.get("events")).hasSize(2);
        assertThat(combined.get("events").get(0).get("type").asText()).isEqualTo("update");
        assertThat(combined.get("events").get(0).get("updates")).hasSize(first.size());
        assertThat(combined.get("events").get(1).get("updates")).hasSize(second.size());
        final JsonNode update = combined.get("events").get(1).get("updates").get(0);
        assertThat(update.get("side").asText()).isIn("bid", "offer");
        assertThat(update.get("event_time").asText()).matches("2026-11-23T19:00:[0-9]{2}\\.[0-9]{6}Z");
        assertThat(Decimals.parseOrThrow(update.get("price_level").asText(), 2)).isEqualTo(second.priceTicks(0));
        assertThat(Decimals.parseOrThrow(update.get("new_quantity").asText(), 8)).isEqualTo(second.sizeLots(0));
        assertThat(readUnchecked(sink.messages.get(1)).get("sequence_num").asLong()).isEqualTo(1);
    }

    @Test
    void heartbeatsShouldCountUpOncePerSecond() {
        encoder.encodeHeartbeatsDue(SyntheticMarket.START_EPOCH_NS + 5_500_000_000L, sink);
        assertThat(sink.messages).hasSizeBetween(4, 5);
        long previousCounter = -1;
        for (final String line : sink.messages) {
            final JsonNode message = readUnchecked(line);
            assertThat(message.get("channel").asText()).isEqualTo("heartbeats");
            final JsonNode event = message.get("events").get(0);
            assertThat(fieldNames(event)).containsExactly("current_time", "heartbeat_counter");
            assertThat(event.get("current_time").asText())
                    .matches("2026-11-23 19:00:0[0-9](\\.[0-9]{1,9})? \\+0000 UTC m=\\+[0-9]+\\.[0-9]{9}");
            final long counter = event.get("heartbeat_counter").asLong();
            if (previousCounter >= 0) {
                assertThat(counter).isEqualTo(previousCounter + 1);
            }
            previousCounter = counter;
        }
    }

    @Test
    void malformedLineShouldRepeatTheLastSequenceNumberInsteadOfTakingANewOne() {
        encoder.encodeSubscriptions(SyntheticMarket.START_EPOCH_NS, sink);
        encoder.encodeMalformed(MalformedKind.NEGATIVE_SIZE, market, 0, SyntheticMarket.START_EPOCH_NS, sink);
        encoder.encodeSnapshot(market, 0, SyntheticMarket.START_EPOCH_NS, sink);
        final JsonNode bad = readUnchecked(sink.messages.get(2));
        assertThat(bad.get("sequence_num").asLong()).isEqualTo(1);
        assertThat(bad.get("events").get(0).get("updates").get(0).get("new_quantity").asText()).startsWith("-");
        assertThat(readUnchecked(sink.messages.get(3)).get("sequence_num").asLong()).isEqualTo(2);
    }
}
