package dev.orderbook.ingestor.service;

import dev.orderbook.contract.ControlRequest;
import dev.orderbook.contract.GapReason;
import dev.orderbook.ingestor.coinbase.CoinbaseFeedClient;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Acts on the processor's requests from the control topic: a fresh snapshot of a product whose book is stale or
 * crossed, by resubscribing that product alone on the current connection (a {@code resnapshot-requested} gap marker,
 * then its snapshot), within the {@link ResnapshotLimiter}'s limits. A request that cannot be read, or names a product
 * this ingestor does not carry, is counted and logged, never acted on.
 *
 * <p>Metric {@code orderbook.ingest.control.requests{outcome}}: {@code resnapshot}, {@code rate_limited},
 * {@code not_connected}, {@code unknown_product}, {@code invalid}, {@code other_type}. Single thread (the leadership
 * thread).
 */
final class ControlRequests {
    private static final Logger log = LoggerFactory.getLogger(ControlRequests.class);
    private static final int INVALID_LOG_EVERY = 100;

    private final Set<String> products;
    private final ResnapshotLimiter limiter;
    private final Supplier<CoinbaseFeedClient> client;
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Counter> outcomes = new ConcurrentHashMap<>();
    private long invalid;

    ControlRequests(final Set<String> products, final ResnapshotLimiter limiter,
                    final Supplier<CoinbaseFeedClient> client, final MeterRegistry registry) {
        this.products = Set.copyOf(products);
        this.limiter = limiter;
        this.client = client;
        this.registry = registry;
    }

    void handle(final ConsumerRecord<byte[], byte[]> record) {
        final ControlRequest request;
        try {
            request = record.value() == null ? null : ControlRequest.fromJson(record.value());
        } catch (final IllegalArgumentException e) {
            count("invalid");
            if (invalid++ % INVALID_LOG_EVERY == 0) {
                log.warn("Unreadable control request ignored (logged every {}th). offset=[{}] error=[{}]",
                        INVALID_LOG_EVERY, record.offset(), e.getMessage());
            }
            return;
        }
        if (request == null) {
            count("other_type");
            return;
        }
        if (!products.contains(request.productId())) {
            count("unknown_product");
            log.warn("Control request for a product this ingestor does not carry; ignored. product=[{}] carried=[{}]",
                    request.productId(), products);
            return;
        }
        if (!limiter.tryAcquire(request.productId(), System.nanoTime())) {
            count("rate_limited");
            return;
        }
        final CoinbaseFeedClient c = client.get();
        if (c == null || !c.resnapshot(request.productId(), GapReason.RESNAPSHOT_REQUESTED)) {
            // No connection now: the reconnect under way brings every snapshot anyway.
            count("not_connected");
            return;
        }
        count("resnapshot");
        log.info("Resnapshotting on request. product=[{}] reason=[{}] requestedAt=[{}]", request.productId(),
                request.reason(), request.requestedAt());
    }

    private void count(final String outcome) {
        outcomes.computeIfAbsent(outcome, o -> Counter.builder("orderbook.ingest.control.requests").tag("outcome", o)
                .description("Snapshot requests read from the control topic, by what became of them")
                .register(registry)).increment();
    }
}
