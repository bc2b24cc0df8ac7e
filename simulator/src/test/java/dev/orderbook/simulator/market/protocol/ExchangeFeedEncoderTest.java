package dev.orderbook.simulator.market.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orderbook.codec.decimal.DecimalError;
import dev.orderbook.codec.decimal.Decimals;
import dev.orderbook.codec.model.Side;
import dev.orderbook.simulator.market.ChangeBatch;
import dev.orderbook.simulator.market.Protocol;
import dev.orderbook.simulator.market.SyntheticMarket;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class ExchangeFeedEncoderTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final SyntheticMarket market = EncoderFixture.market(1);
    private final FeedEncoder encoder = FeedEncoder.forProtocol(Protocol.EXCHANGE, market.products(),
            SyntheticMarket.START_EPOCH_NS, 1);
    private final EncoderFixture.Collector sink = new EncoderFixture.Collector();

    @Test
    void subscriptionsShouldConfirmLevel2BatchAndHeartbeatForEveryProduct() {
        encoder.encodeSubscriptions(SyntheticMarket.START_EPOCH_NS, sink);
        assertThat(sink.messages).containsExactly("{\"type\":\"subscriptions\",\"channels\":["
                + "{\"name\":\"level2_batch\",\"product_ids\":[\"BTC-USD\",\"ETH-USD\"]},"
                + "{\"name\":\"heartbeat\",\"product_ids\":[\"BTC-USD\",\"ETH-USD\"]}]}");
    }

    @Test
    void snapshotShouldHoldTheWholeBookBestFirst() throws JsonProcessingException {
        encoder.encodeSnapshot(market, 0, SyntheticMarket.START_EPOCH_NS, sink);
        final JsonNode snapshot = MAPPER.readTree(sink.last());
        assertThat(fieldNames(snapshot)).containsExactly("type", "product_id", "bids", "asks");
        assertThat(snapshot.get("type").asText()).isEqualTo("snapshot");
        assertThat(snapshot.get("product_id").asText()).isEqualTo("BTC-USD");
        assertThat(snapshot.get("bids")).hasSize(market.levelCount(0, Side.BID));
        assertThat(snapshot.get("asks")).hasSize(market.levelCount(0, Side.ASK));
        final List<Long> bidPrices = new ArrayList<>();
        snapshot.get("bids").forEach(level -> bidPrices.add(Decimals.parseOrThrow(level.get(0).asText(), 2)));
        assertThat(bidPrices).isSortedAccordingTo((a, b) -> Long.compare(b, a)).doesNotHaveDuplicates();
        assertThat(bidPrices.get(0)).isEqualTo(market.bestPriceTicks(0, Side.BID));
        assertThat(Decimals.parseOrThrow(snapshot.get("asks").get(0).get(0).asText(), 2))
                .isEqualTo(market.bestPriceTicks(0, Side.ASK));
    }

    @Test
    void updateShouldCarryEveryChangeOfTheBatchInOrder() throws JsonProcessingException {
        final ChangeBatch batch = market.newBatch();
        market.nextBatch(batch);
        encoder.encodeUpdates(new ChangeBatch[] {batch}, 1, sink);
        final String line = sink.last();
        assertThat(line).matches("\\{\"type\":\"l2update\",\"product_id\":\"(BTC|ETH)-USD\",\"changes\":"
                + "\\[(\\[\"(buy|sell)\",\"[0-9]+(\\.[0-9]+)?\",\"[0-9]+(\\.[0-9]+)?\"],?)+],"
                + "\"time\":\"2026-11-23T19:00:00\\.[0-9]{6}Z\"}");
        final JsonNode changes = MAPPER.readTree(line).get("changes");
        assertThat(changes).hasSize(batch.size());
        final int scale = market.products().get(batch.productIndex()).priceScale();
        for (int i = 0; i < batch.size(); i++) {
            assertThat(changes.get(i).get(0).asText()).isEqualTo(batch.side(i) == Side.BID ? "buy" : "sell");
            assertThat(Decimals.parseOrThrow(changes.get(i).get(1).asText(), scale)).isEqualTo(batch.priceTicks(i));
            assertThat(Decimals.parseOrThrow(changes.get(i).get(2).asText(), 8)).isEqualTo(batch.sizeLots(i));
        }
    }

    @Test
    void heartbeatsShouldComeOncePerSecondPerProductWithGrowingSequence() throws JsonProcessingException {
        encoder.encodeHeartbeatsDue(SyntheticMarket.START_EPOCH_NS + 10_500_000_000L, sink);
        assertThat(sink.messages).hasSizeBetween(18, 22);
        long previousBtcSequence = 0;
        for (final String line : sink.messages) {
            final JsonNode heartbeat = MAPPER.readTree(line);
            assertThat(fieldNames(heartbeat)).containsExactly("type", "sequence", "last_trade_id", "product_id",
                    "time");
            if ("BTC-USD".equals(heartbeat.get("product_id").asText())) {
                assertThat(heartbeat.get("sequence").asLong()).isGreaterThan(previousBtcSequence);
                previousBtcSequence = heartbeat.get("sequence").asLong();
            }
        }
    }

    @Test
    void malformedLinesShouldBeBadInTheRequestedWay() {
        for (final MalformedKind kind : MalformedKind.values()) {
            encoder.encodeMalformed(kind, market, 0, SyntheticMarket.START_EPOCH_NS, sink);
            final String line = sink.last();
            if (kind == MalformedKind.INVALID_JSON) {
                assertThatThrownBy(() -> MAPPER.readTree(line)).as(line).isInstanceOf(JsonProcessingException.class);
                continue;
            }
            final JsonNode change = readUnchecked(line).get("changes").get(0);
            final String side = change.get(0).asText();
            final long price = Decimals.parse(change.get(1).asText(), 2);
            final long size = Decimals.parse(change.get(2).asText(), 8);
            switch (kind) {
                case NEGATIVE_SIZE:
                    assertThat(size).isEqualTo(DecimalError.NEGATIVE.code());
                    break;
                case NON_NUMERIC_PRICE:
                    assertThat(Decimals.isError(price)).as(line).isTrue();
                    break;
                case UNKNOWN_SIDE:
                    assertThat(side).isNotIn("buy", "sell");
                    break;
                case EXPONENT:
                    assertThat(price).as(line).isEqualTo(DecimalError.EXPONENT.code());
                    break;
                default:
                    throw new AssertionError(kind);
            }
        }
    }

    static List<String> fieldNames(final JsonNode node) {
        final List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static JsonNode readUnchecked(final String line) {
        try {
            return MAPPER.readTree(line);
        } catch (final JsonProcessingException e) {
            throw new AssertionError("not JSON: " + line, e);
        }
    }
}
