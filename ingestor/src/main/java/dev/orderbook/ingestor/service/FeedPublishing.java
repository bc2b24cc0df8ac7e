package dev.orderbook.ingestor.service;

import dev.orderbook.contract.GapReason;
import dev.orderbook.ingestor.coinbase.CoinbaseFeedClient;
import dev.orderbook.ingestor.coinbase.FeedListener;
import dev.orderbook.ingestor.frame.DecodedFrame;
import dev.orderbook.ingestor.publish.FeedRequests;
import dev.orderbook.ingestor.publish.IngestMetrics;
import dev.orderbook.ingestor.publish.RawPublisher;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The feed's events to the publisher, on the feed's worker thread: frames, gaps and liveness ticks are published
 * while this ingestor holds its leadership lease (and dropped the moment it lapses: whoever holds it next starts with
 * startup markers), and what the publisher asks of the feed is carried out on the client's current session only.
 */
final class FeedPublishing implements FeedListener {
    private static final Logger log = LoggerFactory.getLogger(FeedPublishing.class);

    private final RawPublisher publisher;
    private final IngestMetrics metrics;
    private final BooleanSupplier holdsLease;
    private final Supplier<CoinbaseFeedClient> client;
    private final Consumer<Throwable> onFatal;
    private final Consumer<FeedRequests.Request> apply = this::apply;
    private String sessionId = "";

    FeedPublishing(final RawPublisher publisher, final IngestMetrics metrics, final BooleanSupplier holdsLease,
                   final Supplier<CoinbaseFeedClient> client, final Consumer<Throwable> onFatal) {
        this.publisher = publisher;
        this.metrics = metrics;
        this.holdsLease = holdsLease;
        this.client = client;
        this.onFatal = onFatal;
    }

    @Override
    public void onConnected(final String newSessionId) {
        sessionId = newSessionId;
        metrics.connected();
        log.info("Connected. sessionId=[{}]", newSessionId);
    }

    @Override
    public void onFrame(final DecodedFrame frame) {
        if (holdsLease.getAsBoolean()) {
            publisher.publishFrame(frame);
            publisher.requests().drainTo(apply);
        }
    }

    @Override
    public void onGap(final String productId, final GapReason reason) {
        if (holdsLease.getAsBoolean()) {
            publisher.publishGap(productId, reason, sessionId);
            publisher.requests().drainTo(apply);
        }
    }

    @Override
    public void onTick(final String tickSessionId, final boolean[] healthy) {
        if (tickSessionId != null && holdsLease.getAsBoolean()) {
            publisher.publishLiveness(tickSessionId, healthy);
            publisher.requests().drainTo(apply);
        }
    }

    @Override
    public void onSubscriptionProblem(final String detail) {
        metrics.subscriptionProblem();
        log.warn("Subscription problem. sessionId=[{}] detail=[{}]", sessionId, detail);
    }

    @Override
    public void onFatal(final Throwable error) {
        onFatal.accept(error);
    }

    /** Carries out what the publisher asked of the feed, about the client's current session only. */
    private void apply(final FeedRequests.Request request) {
        final CoinbaseFeedClient c = client.get();
        if (c == null || !request.sessionId().equals(c.sessionId())) {
            return;
        }
        if (request instanceof FeedRequests.Resnapshot r) {
            // Unsubscribe and subscribe again on the same connection: a fresh snapshot for this product only, the
            // others untouched. False when no connection is open: the reconnect brings snapshots anyway.
            c.resnapshot(r.productId(), r.reason());
        } else if (request instanceof FeedRequests.Reconnect r) {
            c.dropConnection(r.reason(), r.detail(), r.delayAtLeast());
        }
    }
}
