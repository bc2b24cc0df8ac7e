package dev.orderbook.ingestor.service;

import dev.orderbook.contract.GapReason;

import dev.orderbook.codec.Protocol;
import dev.orderbook.ingestor.coinbase.FeedClientConfig;
import dev.orderbook.ingestor.publish.PublisherConfig;
import dev.orderbook.ingestor.publish.RawPublisher;
import dev.orderbook.ingestor.RawTopicBooks;
import dev.orderbook.ingestor.RawTopicBooks.Raw;
import dev.orderbook.kafka.embedded.EmbeddedKafkaBroker;
import dev.orderbook.simulator.market.BatchSizeDistribution;
import dev.orderbook.simulator.market.MarketOptions;
import dev.orderbook.simulator.server.ExchangeSimulator;
import dev.orderbook.simulator.server.SimulatorOptions;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kafka goes away under a live feed: the ingestor must stay within its buffer budget, drop the WebSocket and mark
 * gaps rather than grow or publish a hole; once Kafka is back, fresh snapshots make every book whole again. Runs
 * its own broker (stopped and restarted on the same port and log directory mid-test).
 */
@Timeout(120)
class IngestorKafkaOutageIT {
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD");
    private static final long BUDGET = 1024 * 1024;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path kafkaDir;

    private EmbeddedKafkaBroker broker;
    private ExchangeSimulator simulator;
    private IngestorService service;

    @AfterEach
    void tearDown() {
        if (service != null) {
            service.close();
        }
        if (simulator != null) {
            simulator.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldMarkGapsAndDropTheConnectionWhileKafkaIsDownThenRecoverWhenItReturns() throws Exception {
        // Given a healthy ingestor
        broker = EmbeddedKafkaBroker.builder().logDir(kafkaDir).start();
        final int port = broker.port();
        final MarketOptions market = new MarketOptions(MarketOptions.specsFor(PRODUCTS), 11, 300,
                MarketOptions.DEEP_FRACTION_DEFAULT, BatchSizeDistribution.defaults());
        simulator = ExchangeSimulator.start(SimulatorOptions.of(dev.orderbook.simulator.market.Protocol.EXCHANGE,
                market).withMessagesPerSecond(3_000));
        final PublisherConfig publisher = PublisherConfig.of(broker.bootstrapServers(), PRODUCTS)
                .withTopics("raw", "dlq").withBufferBudgetBytes(BUDGET);
        service = IngestorService.start(new IngestorService.Config(
                FeedClientConfig.of(simulator.url(), Protocol.EXCHANGE, PRODUCTS)
                        .withReconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(500)),
                publisher, 0, Duration.ofDays(1), Duration.ofSeconds(30), "127.0.0.1", -1));
        await(service::isHealthy, "healthy");
        Thread.sleep(1_000);
        await(service::isHealthy, "healthy");
        final double discardedBefore = counter("orderbook.ingest.frames.discarded");
        final double gapsBefore = gaps();

        // When Kafka goes away
        broker.close();
        broker = null;

        // Then memory stays bounded: the ingestor discards, marks gaps and drops the connection (whichever it notices
        // first: the budget filling up, or a send that finds no Kafka at all)
        await(() -> counter("orderbook.ingest.frames.discarded") > discardedBefore, "frames discarded");
        assertThat(service.isHealthy()).isFalse();
        assertThat(gaps() - gapsBefore).as("one marker per product, however often it reconnects")
                .isEqualTo(PRODUCTS.size());
        // Records already handed to the producer stay; never more than the budget plus one batch of markers.
        final RawPublisher during = service.publisher();
        if (during != null) {
            assertThat(during.bufferedBytes()).isLessThan(BUDGET + 64 * 1024);
        }
        // And with the whole cluster gone, the group coordinator cannot renew its leadership lease: it steps down
        // and drops its producer, whose waiting records must never land after another ingestor's
        await(() -> !service.isActive() && service.publisher() == null, "stepped down, producer dropped");

        // When Kafka comes back on the same port and log directory
        broker = EmbeddedKafkaBroker.builder().port(port).logDir(kafkaDir).start();

        // Then fresh snapshots follow the gap markers and the ingestor is healthy again
        await(service::isHealthy, "healthy after Kafka returned");
        simulator.goSilent(Duration.ofSeconds(4));
        Thread.sleep(300);
        await(() -> service.publisher().bufferedBytes() == 0, "buffer drained");
        final List<Raw> all = RawTopicBooks.readAll(broker.bootstrapServers(), "raw");
        final Map<String, List<Raw>> everything = RawTopicBooks.allByProduct(all);
        final Map<String, List<Raw>> records = RawTopicBooks.byProduct(all);
        for (final String product : PRODUCTS) {
            // The new term starts with startup markers (the old term's pending markers went with its producer)
            final List<Raw> mine = everything.get(product);
            final int gapAt = indexOfLastGap(mine);
            assertThat(gapAt).as("%s has a marker after its first records", product).isPositive();
            assertThat(mine.subList(gapAt + 1, mine.size())).as("%s snapshot after the gap", product)
                    .anyMatch(Raw::isSnapshot);
            RawTopicBooks.assertLiveAndEqual(product, records.get(product), simulator.bookSnapshot(product));
        }
    }

    private static int indexOfLastGap(final List<Raw> records) {
        final Set<String> reasons = Set.of(GapReason.BACKPRESSURE.wireName(), GapReason.KAFKA_UNAVAILABLE.wireName(),
                GapReason.STARTUP.wireName());
        for (int i = records.size() - 1; i >= 0; i--) {
            if (records.get(i).isGap() && reasons.contains(records.get(i).json().get("reason").asText())) {
                return i;
            }
        }
        return -1;
    }

    private double gaps() {
        return counter("orderbook.ingest.gaps", "reason", GapReason.BACKPRESSURE.wireName())
                + counter("orderbook.ingest.gaps", "reason", GapReason.KAFKA_UNAVAILABLE.wireName());
    }

    private double counter(final String name, final String... tags) {
        final var search = service.registry().find(name).tags(tags).counter();
        return search == null ? 0 : search.count();
    }

    private static void await(final BooleanSupplier condition, final String what) {
        Await.until(condition, WAIT, what);
    }
}
