package dev.orderbook.ingestor.service;

import dev.orderbook.contract.GapReason;
import dev.orderbook.contract.ProtectedKafkaProperties;
import dev.orderbook.contract.TopicSetup;
import dev.orderbook.contract.TopicSpec;
import dev.orderbook.ingestor.auth.Credentials;
import dev.orderbook.ingestor.coinbase.CoinbaseFeedClient;
import dev.orderbook.ingestor.coinbase.FeedClientConfig;
import dev.orderbook.ingestor.publish.IngestMetrics;
import dev.orderbook.ingestor.publish.PublisherConfig;
import dev.orderbook.ingestor.publish.RawPublisher;
import dev.orderbook.ingestor.publish.RawTopics;
import dev.orderbook.support.http.ServiceHttpServer;

import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;

/**
 * The ingestor: the Coinbase feed client, the raw-topic publisher, the leadership among ingestors of the same
 * products and the operator endpoints, wired together.
 *
 * <p>Lifecycle. {@link #start} sets up the topics (failing with a clear message if Kafka cannot be reached) and joins
 * the ingestors' group ({@link Leadership}); it is a standby until elected. Each leadership term has a producer, a
 * publisher and a feed of its own ({@link Term}). Elected, the ingestor writes a {@code startup} marker for every
 * product (no book may carry on from what an earlier ingestor wrote) and connects; deposed (another ingestor took
 * over, or its lease lapsed), it drops its feed and closes its producer at once, dropping whatever had not been
 * written (a record of a partitioned ingestor must never land after the next one's), and writes nothing more.
 * {@link #close} stops the feed, marks every product {@code shutdown} if it still holds the lease, closes the
 * producer and leaves the group, so that a standby takes over at once.
 *
 * <p>Failure. An unexpected error in the feed's worker stops the service, loudly (an ERROR line saying what to do,
 * and {@link #failed()} for the command to exit non-zero): an ingestor that carried on could skip what failed.
 *
 * <p>HTTP ({@link IngestorHealth}): {@code /health} (readiness), {@code /health/live} (liveness: the worker, or the
 * standby's leadership thread, is going round), {@code /metrics}.
 */
public final class IngestorService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IngestorService.class);

    /**
     * Everything the service needs.
     *
     * @param feed         the WebSocket side
     * @param publisher    the Kafka side; its products must equal the feed's
     * @param partitions   partitions of a created raw topic; 0 for one per product
     * @param retention    retention of a created raw topic
     * @param setupTimeout how long topic setup may wait for Kafka
     * @param httpHost     address of the HTTP endpoints
     * @param httpPort     port of the HTTP endpoints; 0 for a free one, negative for none
     * @param credentials  Coinbase API credentials, or null for the public channels
     * @param control      leadership and snapshot requests
     */
    public record Config(FeedClientConfig feed, PublisherConfig publisher, int partitions, Duration retention,
                         Duration setupTimeout, String httpHost, int httpPort, Credentials credentials,
                         ControlOptions control) {
        public Config {
            if (!feed.productIds().equals(publisher.products())) {
                throw new IllegalArgumentException("feed and publisher products differ: " + feed.productIds()
                        + " vs " + publisher.products());
            }
            if (partitions < 0) {
                throw new IllegalArgumentException("partitions must be zero or more, was " + partitions);
            }
            if (control == null) {
                control = ControlOptions.defaults();
            }
            ProtectedKafkaProperties.refuseFixed(publisher.kafka().consumer().keySet(),
                    ControlOptions.FIXED_CONSUMER_PROPERTIES, "the ingestors' leadership consumer");
        }

        /** Without credentials, with the default control options. */
        public Config(final FeedClientConfig feed, final PublisherConfig publisher, final int partitions,
                      final Duration retention, final Duration setupTimeout, final String httpHost,
                      final int httpPort) {
            this(feed, publisher, partitions, retention, setupTimeout, httpHost, httpPort, null, null);
        }

        public Config withControl(final ControlOptions options) {
            return new Config(feed, publisher, partitions, retention, setupTimeout, httpHost, httpPort, credentials,
                    options);
        }
    }

    private final Config config;
    private final PrometheusMeterRegistry registry;
    private final IngestMetrics metrics;
    private final Leadership leadership;
    private final ServiceHttpServer http;
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** The current leadership term; null while standing by. */
    private volatile Term term;
    private volatile Throwable failure;
    private boolean closed;

    /**
     * One leadership term: a producer, the publisher on it, and the feed. Created when elected, ended when deposed
     * or closing; never reused, so that nothing of one term can be written in another.
     */
    private final class Term {
        final RawPublisher publisher;
        final KafkaClientMetrics producerMetrics;
        final CoinbaseFeedClient client;

        /** @param epoch the leadership epoch, stamped on every record of the term */
        Term(final long epoch) {
            final Producer<byte[], byte[]> producer = new KafkaProducer<>(
                    config.publisher().producerProperties("orderbook-ingestor"));
            this.producerMetrics = new KafkaClientMetrics(producer);
            producerMetrics.bindTo(registry);
            this.publisher = new RawPublisher(config.publisher(), producer, metrics, RawPublisher.Source.LIVE, epoch);
            try {
                try {
                    // Briefly: this runs on the leadership thread, which must go on renewing the lease.
                    publisher.warmUp(warmUpLimit());
                } catch (final IllegalStateException e) {
                    // The outage handling takes over from here: nothing is lost silently.
                    log.info("Topic metadata not available yet; publishing anyway. error=[{}]", e.getMessage());
                }
                // Whatever an earlier ingestor wrote last, no book may carry on from it as if nothing had happened.
                publisher.markAll(GapReason.STARTUP, "startup-" + UUID.randomUUID());
                publisher.requests().drainTo(request -> { });
                // The publisher's requests go to this term's feed only (null until it is assigned, a moment from
                // now).
                this.client = CoinbaseFeedClient.start(config.feed(), new FeedPublishing(publisher, metrics,
                        leadership::holdsLease, () -> Term.this.client, IngestorService.this::fail),
                        config.credentials(), config.publisher().newDecoder());
            } catch (final RuntimeException e) {
                publisher.abort();
                producerMetrics.close();
                throw e;
            }
        }

        /**
         * Either stops the feed, marks every product and closes the producer; or (deposed) drops what the producer
         * holds at once, before anything else, then stops the feed.
         */
        void end(final boolean markShutdown) {
            if (!markShutdown) {
                // First: every moment the producer lives, it may retry a batch a successor must not see behind its own.
                publisher.abort();
            }
            client.close();
            try {
                if (markShutdown) {
                    // The worker has stopped: this thread may drive the publisher now. Marking is the safe
                    // direction even after a failure: the books go stale now, not when the processor notices.
                    final String session = client.sessionId() == null ? "" : client.sessionId();
                    try {
                        publisher.markAll(GapReason.SHUTDOWN, session);
                    } catch (final RuntimeException e) {
                        log.warn("Could not mark the products on the way out; the processor's watchdog will. "
                                + "error=[{}]", e.toString());
                    }
                    publisher.close();
                }
            } finally {
                producerMetrics.close();
            }
        }
    }

    private IngestorService(final Config config) {
        this.config = config;
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        this.metrics = new IngestMetrics(registry);
        metrics.watch(() -> term == null ? null : term.publisher, config.publisher());
        final ControlRequests requests = new ControlRequests(new HashSet<>(config.feed().productIds()),
                new ResnapshotLimiter(config.control().resnapshotInterval(), config.control().resnapshotsPerSecond()),
                this::currentClient, registry);
        this.leadership = new Leadership(config.publisher().kafka().consumer(), config.control().topic(),
                config.control().groupId(), config.control().sessionTimeout(), new Leadership.Listener() {
                    @Override
                    public void elected(final long epoch) {
                        activate(epoch);
                    }

                    @Override
                    public void deposed(final String why) {
                        deactivate(why);
                    }

                    @Override
                    public void request(final ConsumerRecord<byte[], byte[]> r) {
                        requests.handle(r);
                    }

                    @Override
                    public void failed(final Throwable error) {
                        fail(error);
                    }
                });
        final IngestorHealth health = new IngestorHealth(config.feed().productIds(), this::publisher, leadership,
                this::currentClient, () -> failure, config.feed().livenessInterval());
        if (config.httpPort() >= 0) {
            try {
                this.http = ServiceHttpServer.start(config.httpHost(), config.httpPort(), registry);
            } catch (final RuntimeException e) {
                throw new IllegalStateException("cannot serve HTTP on " + config.httpHost() + ":" + config.httpPort()
                        + ": " + e.getMessage(), e);
            }
            http.probeRoute("/health", request -> request.path().equals("/health/live") ? health.live()
                    : health.ready());
        } else {
            this.http = null;
        }
    }

    /**
     * Sets up the topics, starts the HTTP endpoints and joins the ingestors' group; the feed starts when elected.
     *
     * @throws IllegalStateException if Kafka cannot be reached within the setup timeout or a topic is unfit
     */
    public static IngestorService start(final Config config) {
        final TopicSetup.Result topics = RawTopics.ensure(config.publisher(), config.partitions(),
                config.retention(), config.setupTimeout());
        TopicSetup.ensure(TopicSetup.adminProperties(config.publisher().kafka().admin(), config.setupTimeout()),
                List.of(TopicSetup.Request.create(TopicSpec.CONTROL, config.control().topic(), 1,
                        config.publisher().durability(), null)),
                config.setupTimeout());
        log.info("Topics ready. raw=[{}] rawPartitions=[{}] dlq=[{}] control=[{}] created=[{}]",
                config.publisher().rawTopic(), topics.partitionsOf(config.publisher().rawTopic()),
                config.publisher().dlqTopic(), config.control().topic(), topics.created());
        final IngestorService service = new IngestorService(config);
        service.leadership.start();
        log.info("Ingestor started; active once elected. url=[{}] protocol=[{}] products=[{}] group=[{}] "
                + "httpPort=[{}] credentials=[{}]", config.feed().url(), config.feed().protocol(),
                config.feed().productIds(), config.control().groupId(), service.httpPort(),
                config.credentials() == null ? "none" : config.credentials());
        return service;
    }

    /** Leadership thread: elected. A new term: startup markers first, then the feed. */
    private synchronized void activate(final long epoch) {
        if (closed || term != null) {
            return;
        }
        term = new Term(epoch);
        log.info("Publishing. url=[{}] products=[{}] epoch=[{}]", config.feed().url(), config.feed().productIds(),
                epoch);
    }

    /** How long a new term waits for the raw topic's metadata: at most one lease renewal interval. */
    private Duration warmUpLimit() {
        final Duration renewal = config.control().sessionTimeout().dividedBy(6);
        return renewal.compareTo(config.setupTimeout()) < 0 ? renewal : config.setupTimeout();
    }

    /** Leadership thread: deposed. The term ends; whatever it had not written is dropped. */
    private synchronized void deactivate(final String why) {
        final Term t = term;
        if (t != null) {
            term = null;
            t.end(false);
            log.info("Feed stopped, unwritten records dropped; standing by. why=[{}]", why);
        }
    }

    private CoinbaseFeedClient currentClient() {
        final Term t = term;
        return t == null ? null : t.client;
    }

    /** The worker or the leadership thread failed: stop loudly, from another thread (closing waits for both). */
    private void fail(final Throwable error) {
        failure = error;
        log.error("The ingestor stops because a thread of it failed ({}); its books downstream go stale. Restart it "
                + "(an orchestrator does); a standby, if any, takes over meanwhile.", error.toString());
        final Thread closer = new Thread(this::close, "ingestor-fail-stop");
        closer.setDaemon(true);
        closer.start();
    }

    /** The HTTP port, or -1 when HTTP is off. */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    /** The meters, as served on {@code /metrics}. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The current term's publisher (its liveness per product, its buffer), or null while standing by. */
    public RawPublisher publisher() {
        final Term t = term;
        return t == null ? null : t.publisher;
    }

    /** True while this ingestor is the one that publishes (elected, lease held). */
    public boolean isActive() {
        return leadership.holdsLease() && term != null;
    }

    /** True while active, connected, every product live and the buffer not overloaded. */
    public boolean isHealthy() {
        final Term t = term;
        if (t == null || !leadership.holdsLease() || !t.client.isConnected() || t.publisher.isOverloaded()
                || !t.publisher.isKafkaAvailable()) {
            return false;
        }
        for (final String product : config.feed().productIds()) {
            if (!t.publisher.isLive(product)) {
                return false;
            }
        }
        return true;
    }

    /** Why the service stopped on its own, or null. */
    public Throwable failed() {
        return failure;
    }

    /** Blocks until {@link #close()} is called (by a shutdown hook, or after a failure). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops the feed (frames still queued for the worker are dropped), marks every product ({@code shutdown}: the
     * books downstream must not look live while nothing feeds them) if this ingestor still holds the lease, closes
     * the producer (giving what is in flight up to ten seconds) and leaves the group. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            synchronized (this) {
                final Term t = term;
                if (t != null) {
                    term = null;
                    // Only an ingestor that may still publish marks the products; a deposed one writes nothing.
                    t.end(leadership.holdsLease());
                }
            }
            // After the producer: a standby must not start before the last records of this one are written.
            leadership.close();
            if (http != null) {
                http.close();
            }
            log.info("Ingestor stopped.");
        } finally {
            stopped.countDown();
        }
    }
}
