package dev.orderbook.ingestor.service;

import dev.orderbook.support.http.JsonStrings;
import dev.orderbook.support.http.ServiceHttpServer;
import dev.orderbook.ingestor.auth.Credentials;
import dev.orderbook.ingestor.coinbase.CoinbaseFeedClient;
import dev.orderbook.ingestor.coinbase.FeedClientConfig;
import dev.orderbook.ingestor.coinbase.FeedListener;
import dev.orderbook.contract.GapReason;
import dev.orderbook.contract.TopicSetup;
import dev.orderbook.ingestor.frame.DecodedFrame;
import dev.orderbook.ingestor.publish.FeedRequests;
import dev.orderbook.ingestor.publish.IngestMetrics;
import dev.orderbook.ingestor.publish.PublisherConfig;
import dev.orderbook.ingestor.publish.RawPublisher;
import dev.orderbook.ingestor.publish.RawTopics;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/**
 * The ingestor: the Coinbase feed client, the raw-topic publisher and the operator endpoints, wired together.
 * {@link #start} sets up the topics (failing with a clear message if Kafka cannot be reached), then connects;
 * {@link #close} stops the feed first, marks every product ({@code shutdown}), then closes the producer.
 *
 * <p>HTTP: {@code GET /health} answers 200 when connected, every product live (a snapshot published and no gap
 * since) and the buffer not overloaded, else 503, with the details as JSON (a readiness probe);
 * {@code GET /health/live} answers 200 while the process runs (a liveness probe); {@code GET /metrics} is
 * Prometheus.
 */
public final class IngestorService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IngestorService.class);

    /**
     * Everything the service needs.
     *
     * @param feed            the WebSocket side
     * @param publisher       the Kafka side; its products must equal the feed's
     * @param partitions      partitions of a created raw topic; 0 for one per product
     * @param retention       retention of created topics
     * @param setupTimeout    how long topic setup may wait for Kafka
     * @param httpHost        address of the HTTP endpoints
     * @param httpPort        port of the HTTP endpoints; 0 for a free one, negative for none
     * @param credentials     Coinbase API credentials, or null for the public channels
     */
    public record Config(FeedClientConfig feed, PublisherConfig publisher, int partitions, Duration retention,
                         Duration setupTimeout, String httpHost, int httpPort, Credentials credentials) {
        public Config {
            if (!feed.productIds().equals(publisher.products())) {
                throw new IllegalArgumentException("feed and publisher products differ: " + feed.productIds()
                        + " vs " + publisher.products());
            }
            if (partitions < 0) {
                throw new IllegalArgumentException("partitions must be zero or more, was " + partitions);
            }
        }

        /** Without credentials. */
        public Config(final FeedClientConfig feed, final PublisherConfig publisher, final int partitions,
                      final Duration retention, final Duration setupTimeout, final String httpHost,
                      final int httpPort) {
            this(feed, publisher, partitions, retention, setupTimeout, httpHost, httpPort, null);
        }
    }

    private final Config config;
    private final PrometheusMeterRegistry registry;
    private final IngestMetrics metrics;
    private final RawPublisher publisher;
    private final KafkaClientMetrics producerMetrics;
    private final ServiceHttpServer http;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile CoinbaseFeedClient client;

    private IngestorService(final Config config) {
        this.config = config;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        this.metrics = new IngestMetrics(registry);
        final Producer<byte[], byte[]> producer = new KafkaProducer<>(
                config.publisher().producerProperties("orderbook-ingestor"));
        this.producerMetrics = new KafkaClientMetrics(producer);
        producerMetrics.bindTo(registry);
        this.publisher = new RawPublisher(config.publisher(), producer, metrics, RawPublisher.Source.LIVE);
        if (config.httpPort() >= 0) {
            try {
                this.http = ServiceHttpServer.start(config.httpHost(), config.httpPort(), registry);
            } catch (final RuntimeException e) {
                publisher.close();
                producerMetrics.close();
                throw new IllegalStateException("cannot serve HTTP on " + config.httpHost() + ":" + config.httpPort()
                        + ": " + e.getMessage(), e);
            }
            http.route("/health", request -> request.path().equals("/health/live")
                    ? ServiceHttpServer.Response.json(200, "{\"status\":\"UP\"}")
                    : health());
        } else {
            this.http = null;
        }
    }

    /**
     * Sets up the topics, then starts the HTTP endpoints and the feed.
     *
     * @throws IllegalStateException if Kafka cannot be reached within the setup timeout or the raw topic is unfit
     */
    public static IngestorService start(final Config config) {
        final TopicSetup.Result topics = RawTopics.ensure(config.publisher(), config.partitions(),
                config.retention(), config.setupTimeout());
        log.info("Topics ready. raw=[{}] rawPartitions=[{}] dlq=[{}] created=[{}]", config.publisher().rawTopic(),
                topics.partitionsOf(config.publisher().rawTopic()), config.publisher().dlqTopic(), topics.created());
        final IngestorService service = new IngestorService(config);
        try {
            service.publisher.warmUp(config.setupTimeout());
        } catch (final IllegalStateException e) {
            service.close();
            throw e;
        }
        // Whatever an earlier ingestor wrote last, no book may carry on from it as if nothing had happened.
        service.publisher.markAll(GapReason.STARTUP, "startup-" + UUID.randomUUID());
        service.client = CoinbaseFeedClient.start(config.feed(), service.new Listener(), config.credentials(),
                config.publisher().newDecoder());
        log.info("Ingestor started. url=[{}] protocol=[{}] products=[{}] httpPort=[{}] credentials=[{}]",
                config.feed().url(), config.feed().protocol(), config.feed().productIds(), service.httpPort(),
                config.credentials() == null ? "none" : config.credentials());
        return service;
    }

    /** The HTTP port, or -1 when HTTP is off. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** The meters, as served on {@code /metrics}. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The publisher (its liveness per product, its buffer). */
    public RawPublisher publisher() {
        return publisher;
    }

    /** True while connected, every product live and the buffer not overloaded. */
    public boolean isHealthy() {
        final CoinbaseFeedClient c = client;
        if (c == null || !c.isConnected() || publisher.isOverloaded() || !publisher.isKafkaAvailable()) {
            return false;
        }
        for (final String product : config.feed().productIds()) {
            if (!publisher.isLive(product)) {
                return false;
            }
        }
        return true;
    }

    /** Blocks until {@link #close()} is called (by a shutdown hook, for example). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops the feed (frames still queued for the worker are dropped), marks every product ({@code shutdown}: the
     * books downstream must not look live while nothing feeds them), then closes the producer, giving what is in
     * flight up to ten seconds. Idempotent.
     */
    @Override
    public synchronized void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        try {
            final CoinbaseFeedClient c = client;
            if (c != null) {
                c.close();
            }
            if (c != null) {
                // The worker has stopped: this thread may drive the publisher now.
                publisher.markAll(GapReason.SHUTDOWN, c.sessionId() == null ? "" : c.sessionId());
            }
            publisher.close();
            producerMetrics.close();
            if (http != null) {
                http.close();
            }
            log.info("Ingestor stopped.");
        } finally {
            stopped.countDown();
        }
    }

    private ServiceHttpServer.Response health() {
        final CoinbaseFeedClient c = client;
        final StringBuilder json = new StringBuilder(256);
        final boolean healthy = isHealthy();
        json.append("{\"status\":").append(healthy ? "\"UP\"" : "\"DOWN\"")
                .append(",\"connected\":").append(c != null && c.isConnected())
                .append(",\"session_id\":").append(c == null || c.sessionId() == null ? "null"
                        : JsonStrings.quote(c.sessionId()))
                .append(",\"overloaded\":").append(publisher.isOverloaded())
                .append(",\"kafka_available\":").append(publisher.isKafkaAvailable())
                .append(",\"buffered_bytes\":").append(publisher.bufferedBytes())
                .append(",\"products\":{");
        boolean first = true;
        for (final String product : config.feed().productIds()) {
            json.append(first ? "" : ",").append(JsonStrings.quote(product)).append(':')
                    .append(publisher.isLive(product) ? "\"live\"" : "\"stale\"");
            first = false;
        }
        json.append("}}");
        return ServiceHttpServer.Response.json(healthy ? 200 : 503, json.toString());
    }

    /**
     * Carries out what the publisher asked of the feed, about the client's current session only (until the client
     * exists, during start, nothing is asked). Worker thread, after each publisher call.
     */
    private void apply(final FeedRequests.Request request) {
        final CoinbaseFeedClient c = client;
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

    /** Feed events to records; on the client's worker thread. */
    private final class Listener implements FeedListener {
        private String sessionId = "";

        @Override
        public void onConnected(final String newSessionId) {
            sessionId = newSessionId;
            metrics.connected();
            log.info("Connected. sessionId=[{}]", newSessionId);
        }

        @Override
        public void onFrame(final DecodedFrame frame) {
            publisher.publishFrame(frame);
            publisher.requests().drainTo(IngestorService.this::apply);
        }

        @Override
        public void onGap(final String productId, final GapReason reason) {
            publisher.publishGap(productId, reason, sessionId);
            publisher.requests().drainTo(IngestorService.this::apply);
        }

        @Override
        public void onTick(final String tickSessionId, final boolean[] healthy) {
            if (tickSessionId != null) {
                publisher.publishLiveness(tickSessionId, healthy);
            }
            publisher.requests().drainTo(IngestorService.this::apply);
        }

        @Override
        public void onSubscriptionProblem(final String detail) {
            metrics.subscriptionProblem();
            log.warn("Subscription problem. sessionId=[{}] detail=[{}]", sessionId, detail);
        }
    }
}
