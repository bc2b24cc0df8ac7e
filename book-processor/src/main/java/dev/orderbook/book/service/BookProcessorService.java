package dev.orderbook.book.service;

import dev.orderbook.book.BookProcessorConfig;
import dev.orderbook.book.BookTopology;
import dev.orderbook.book.processor.LocalBooks;
import dev.orderbook.book.processor.ProcessorMetrics;
import dev.orderbook.book.processor.ProductStreamPartitioner;
import dev.orderbook.contract.KafkaAccessErrors;
import dev.orderbook.support.http.ServiceHttpServer;
import dev.orderbook.support.http.ServiceHttpServer.Response;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The running book processor: topic setup, the Kafka Streams application, and the HTTP endpoints
 * ({@code /health}, {@code /ready}, {@code /metrics}, {@code /books/{product}}). Wiring only.
 *
 * <p>{@code /health} is 200 unless Kafka Streams has failed or stopped. {@code /ready} is 200 only when Kafka
 * Streams is {@code RUNNING}, every stream thread is running and no store is being restored.
 */
public final class BookProcessorService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BookProcessorService.class);

    private final BookProcessorConfig config;
    private final PrometheusMeterRegistry registry;
    private final ServiceHttpServer http;
    private final KafkaStreams streams;
    private final KafkaStreamsMetrics streamsMetrics;
    private final Set<TopicPartition> restoring = ConcurrentHashMap.newKeySet();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final LocalBooks localBooks = new LocalBooks();
    /** Why a stream thread stopped this instance, or null. */
    private volatile Throwable failure;

    private BookProcessorService(final BookProcessorConfig config) {
        this.config = config;
        ProcessorTopics.ensure(config);
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        this.http = ServiceHttpServer.start(config.httpHost(), config.httpPort(), registry);
        final HostInfo self = new HostInfo(config.advertisedHost(), http.port());
        try {
            final ProcessorMetrics metrics = new ProcessorMetrics(registry);
            this.streams = new KafkaStreams(BookTopology.build(config, metrics, localBooks),
                    config.toStreamsProperties(self.host() + ":" + self.port()));
        } catch (final RuntimeException e) {
            http.close();
            throw e;
        }
        this.streamsMetrics = new KafkaStreamsMetrics(streams);
        streamsMetrics.bindTo(registry);
        streams.setGlobalStateRestoreListener(new RestoreTracker());
        streams.setUncaughtExceptionHandler(e -> {
            failure = e;
            final java.util.Optional<String> refused = KafkaAccessErrors.explain(e);
            if (refused.isPresent()) {
                // Nothing to debug: a setting of the cluster or of --kafka-config, said in one line.
                log.error("Stopping this instance: {}. applicationId=[{}]", refused.get(), config.applicationId());
            } else {
                log.error("Stream thread failed; stopping this instance. applicationId=[{}]", config.applicationId(),
                        e);
            }
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((to, from) -> {
            log.info("Kafka Streams state changed. from=[{}] to=[{}]", from, to);
            if (to == KafkaStreams.State.NOT_RUNNING || to == KafkaStreams.State.ERROR) {
                stopped.countDown();
            }
        });
        final BookQuery books = new BookQuery(streams, config.ownershipStoreName(), localBooks, self,
                new ProductStreamPartitioner(config.products()));
        http.probeRoute("/health", request -> health())
                .probeRoute("/ready", request -> ready())
                .route("/books/", books::handle);
    }

    /**
     * Sets up topics, starts Kafka Streams and the HTTP server, and returns at once.
     *
     * @throws dev.orderbook.contract.TopicSetup.SetupException when the broker is unreachable or the raw topic is missing
     */
    public static BookProcessorService start(final BookProcessorConfig config) {
        final BookProcessorService service = new BookProcessorService(config);
        service.streams.start();
        log.info("Book processor started. applicationId=[{}] bootstrap=[{}] raw=[{}] guarantee=[{}] layout=[{}] "
                        + "http=[{}:{}]", config.applicationId(), config.bootstrapServers(), config.rawTopic(),
                config.guarantee(), config.storeLayout(), config.httpHost(), service.http.port());
        return service;
    }

    public int httpPort() {
        return http.port();
    }

    /** Why a stream thread stopped this instance, or null if none did. */
    public Throwable failure() {
        return failure;
    }

    public KafkaStreams streams() {
        return streams;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Whether every stream thread runs and no restoration is in progress. */
    public boolean isReady() {
        if (streams.state() != KafkaStreams.State.RUNNING || !restoring.isEmpty()) {
            return false;
        }
        final Set<ThreadMetadata> threads = streams.metadataForLocalThreads();
        return !threads.isEmpty() && threads.stream().allMatch(t -> "RUNNING".equals(t.threadState()));
    }

    private Response health() {
        final KafkaStreams.State state = streams.state();
        final boolean healthy = state != KafkaStreams.State.ERROR && state != KafkaStreams.State.NOT_RUNNING
                && state != KafkaStreams.State.PENDING_ERROR && state != KafkaStreams.State.PENDING_SHUTDOWN;
        return Response.json(healthy ? 200 : 503, "{\"status\":\"" + (healthy ? "UP" : "DOWN")
                + "\",\"streams\":\"" + state + "\"}");
    }

    private Response ready() {
        final boolean ready = isReady();
        return Response.json(ready ? 200 : 503, "{\"ready\":" + ready + ",\"streams\":\"" + streams.state()
                + "\",\"restoring_partitions\":" + restoring.size() + "}");
    }

    /** Blocks until Kafka Streams stops (failure or {@link #close}). */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Waits up to {@code timeout} for {@link #isReady()}. */
    public boolean awaitReady(final Duration timeout) throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (isReady()) {
                return true;
            }
            if (stopped.await(100, TimeUnit.MILLISECONDS)) {
                return false;
            }
        }
        return isReady();
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
        streamsMetrics.close();
        http.close();
        stopped.countDown();
    }

    /** Tracks partitions under restoration, for readiness. */
    private final class RestoreTracker implements StateRestoreListener {
        @Override
        public void onRestoreStart(final TopicPartition partition, final String storeName, final long startOffset,
                                   final long endOffset) {
            restoring.add(partition);
            log.info("Restoring store. store=[{}] partition=[{}] records=[{}]", storeName, partition,
                    endOffset - startOffset);
        }

        @Override
        public void onBatchRestored(final TopicPartition partition, final String storeName, final long batchEndOffset,
                                    final long numRestored) {
        }

        @Override
        public void onRestoreEnd(final TopicPartition partition, final String storeName, final long totalRestored) {
            restoring.remove(partition);
            log.info("Restored store. store=[{}] partition=[{}] records=[{}]", storeName, partition, totalRestored);
        }

        @Override
        public void onRestoreSuspended(final TopicPartition partition, final String storeName,
                                       final long totalRestored) {
            restoring.remove(partition);
        }
    }
}
