package dev.orderbook.launcher;

import dev.orderbook.book.BookProcessorConfig;
import dev.orderbook.book.StateDirectories;
import dev.orderbook.book.service.BookProcessorService;
import dev.orderbook.codec.Protocol;
import dev.orderbook.contract.Header;
import dev.orderbook.contract.KafkaClientConfig;
import dev.orderbook.contract.TopicDurability;
import dev.orderbook.ingestor.coinbase.FeedClientConfig;
import dev.orderbook.ingestor.frame.EpochClock;
import dev.orderbook.ingestor.publish.PublisherConfig;
import dev.orderbook.ingestor.service.ControlOptions;
import dev.orderbook.ingestor.service.IngestorService;
import dev.orderbook.kafka.embedded.EmbeddedKafkaBroker;
import dev.orderbook.simulator.market.BatchSizeDistribution;
import dev.orderbook.simulator.market.MarketOptions;
import dev.orderbook.simulator.server.ExchangeSimulator;
import dev.orderbook.simulator.server.SimulatorOptions;

import io.micrometer.core.instrument.Counter;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.utils.Utils;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code ./orderbook bench latency}: end-to-end latency of the live path, in this JVM: the exchange simulator at an
 * offered rate of level changes per second, the ingestor (WebSocket to the raw topic), the Kafka Streams processor
 * and a {@code read_committed} consumer of the summaries that records, per summary, now minus the ingestor's receive
 * time (header {@code ob-receive-time-ns}) into an HdrHistogram. One pipeline runs through every rate in turn (the
 * simulator's rate is changed in place); each rate has a warm-up, whose summaries are not counted, then a measured
 * period. Receive time and "now" come from the same clock ({@link EpochClock}) of the same JVM, so no clock skew
 * enters.
 *
 * <p>Everything runs in one JVM, as {@code ./orderbook run} does (the broker too, unless {@code --bootstrap}): CPU
 * and heap are therefore the whole pipeline's, and the stream threads' CPU is reported apart.
 */
final class LatencyBench {
    /** What to run. {@code given} null: an embedded broker. */
    record Options(List<Integer> rates, Duration duration, Duration warmup, String guarantee, long commitIntervalMs,
                   int ingestLingerMs, int processorLingerMs, List<String> products, KafkaClientConfig given,
                   TopicDurability durability) {
    }

    /** One rate's measurement. Latencies in milliseconds. */
    record Result(String guarantee, int offeredChangesPerSec, int messagesPerSec, double seconds,
                  double simMessagesPerSec, double achievedChangesPerSec, long summaries, double summariesPerSec,
                  double p50, double p99, double p999, double max, double cpuSeconds, double streamCpuSeconds,
                  double gcSeconds, double heapUsedMaxMb, double heapCommittedMb, String load) {
        String toLine() {
            return String.format(Locale.ROOT, "latency guarantee=%s offered_changes_per_sec=%d "
                    + "sim_messages_per_sec=%.0f achieved_changes_per_sec=%.0f summaries=%d summaries_per_sec=%.0f "
                    + "p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f seconds=%.1f cpu_seconds=%.2f "
                    + "cpu_cores=%.2f stream_cpu_seconds=%.2f gc_seconds=%.2f heap_used_max_mb=%.0f "
                    + "heap_committed_mb=%.0f load=%s", guarantee, offeredChangesPerSec, simMessagesPerSec,
                    achievedChangesPerSec, summaries, summariesPerSec, p50, p99, p999, max, seconds, cpuSeconds,
                    cpuSeconds / seconds, streamCpuSeconds, gcSeconds, heapUsedMaxMb, heapCommittedMb, load);
        }
    }

    private static final BatchSizeDistribution BATCHES = BatchSizeDistribution.defaults();
    private static final int LEVELS_PER_SIDE = 2_000;

    private final Options options;
    private final PrintStream err;
    private final Recorder recorder = new Recorder(3);
    private final AtomicLong withHeader = new AtomicLong();
    private final AtomicLong withoutHeader = new AtomicLong();
    private final AtomicReference<Throwable> consumerFailure = new AtomicReference<>();
    private volatile boolean consuming = true;

    LatencyBench(final Options options, final PrintStream err) {
        this.options = options;
        this.err = err;
    }

    /** Simulator messages per second for an offered rate of level changes per second (mean changes per message). */
    static int messagesPerSecond(final int changesPerSecond) {
        return (int) Math.max(1, Math.round(changesPerSecond / BATCHES.exactMean()));
    }

    /** Runs every rate in order; one result per rate. */
    List<Result> run() throws Exception {
        final Deque<AutoCloseable> resources = new ArrayDeque<>();
        final Path stateDir = StateDirectories.ephemeral("latency-state");
        final String suffix = "-" + ProcessHandle.current().pid() + "-" + System.currentTimeMillis() % 100_000;
        try {
            final KafkaClientConfig kafka;
            if (options.given() == null) {
                err.println("bench latency: starting an embedded Kafka broker (KRaft)...");
                final EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start();
                resources.push(broker);
                kafka = KafkaClientConfig.of(broker.bootstrapServers());
            } else {
                kafka = options.given();
            }
            final String raw = "latency-raw" + suffix;
            final String summaries = "latency-summaries" + suffix;
            final String control = "latency-control" + suffix;
            final int firstRate = messagesPerSecond(options.rates().get(0));
            final ExchangeSimulator simulator = ExchangeSimulator.start(SimulatorOptions.of(
                    dev.orderbook.simulator.market.Protocol.EXCHANGE,
                    new MarketOptions(MarketOptions.specsFor(options.products()), 1, LEVELS_PER_SIDE,
                            MarketOptions.DEEP_FRACTION_DEFAULT, BATCHES)).withMessagesPerSecond(firstRate));
            resources.push(simulator);
            final IngestorService ingestor = IngestorService.start(new IngestorService.Config(
                    FeedClientConfig.of(simulator.url(), Protocol.EXCHANGE, options.products()),
                    PublisherConfig.of(kafka, options.products()).withTopics(raw, "latency-ingest-dlq" + suffix)
                            .withBatching(Duration.ofMillis(options.ingestLingerMs()),
                                    PublisherConfig.BATCH_BYTES_DEFAULT)
                            .withDurability(options.durability()),
                    0, Duration.ofDays(1), Duration.ofSeconds(30), "127.0.0.1", -1)
                    .withControl(ControlOptions.defaults().withTopic(control)
                            .withGroupId("latency-ingestor" + suffix)));
            resources.push(ingestor);
            final BookProcessorConfig.Builder b = BookProcessorConfig.builder();
            b.kafka = processorKafka(kafka, options.processorLingerMs());
            b.durability = options.durability();
            b.applicationId = "latency" + suffix;
            b.stateDir = stateDir;
            b.httpHost = "127.0.0.1";
            b.httpPort = 0;
            b.guarantee = options.guarantee();
            b.commitIntervalMs = options.commitIntervalMs();
            b.products = options.products();
            b.rawTopic = raw;
            b.summariesTopic = summaries;
            b.alertsTopic = "latency-alerts" + suffix;
            b.dlqTopic = "latency-dlq" + suffix;
            b.controlTopic = control;
            final BookProcessorService processor = BookProcessorService.start(b.build());
            resources.push(processor);
            err.printf(Locale.ROOT, "bench latency: guarantee=%s commit_interval_ms=%s ingest_linger_ms=%d "
                            + "processor_linger_ms=%s products=%s mean_changes_per_message=%.2f simulator=%s%n",
                    options.guarantee(), options.commitIntervalMs() > 0 ? options.commitIntervalMs()
                            : "default(" + (b.build().exactlyOnce() ? 100 : 30_000) + ")",
                    options.ingestLingerMs(), options.processorLingerMs() >= 0 ? options.processorLingerMs()
                            : "default(5)", options.products(), BATCHES.exactMean(), simulator.url());
            final Thread consumer = new Thread(() -> consume(kafka, summaries), "latency-consumer");
            consumer.setDaemon(true);
            consumer.start();
            resources.push(() -> {
                consuming = false;
                consumer.join(10_000);
            });
            awaitFirstSummary(processor, ingestor);
            final List<Result> results = new ArrayList<>();
            for (final int rate : options.rates()) {
                results.add(measure(rate, simulator, ingestor, processor));
            }
            return results;
        } finally {
            while (!resources.isEmpty()) {
                try {
                    resources.pop().close();
                } catch (final Exception e) {
                    err.println("bench latency: closing failed: " + e);
                }
            }
            try {
                Utils.delete(stateDir.toFile());
            } catch (final IOException e) {
                err.println("bench latency: could not delete " + stateDir + ": " + e);
            }
        }
    }

    /** The processor's client properties: the given ones, plus its producer's linger when asked for. */
    private static KafkaClientConfig processorKafka(final KafkaClientConfig kafka, final int lingerMs) {
        if (lingerMs < 0) {
            return kafka;
        }
        final Map<String, String> props = new HashMap<>(kafka.properties());
        props.put("producer.linger.ms", Integer.toString(lingerMs));
        return KafkaClientConfig.of(kafka.bootstrapServers(), props);
    }

    private void awaitFirstSummary(final BookProcessorService processor, final IngestorService ingestor)
            throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (withHeader.get() == 0) {
            checkAlive(processor, ingestor);
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no summary within 120 s of starting the pipeline");
            }
            Thread.sleep(100);
        }
        err.println("bench latency: first summary committed; measuring");
    }

    private void checkAlive(final BookProcessorService processor, final IngestorService ingestor) {
        if (consumerFailure.get() != null) {
            throw new IllegalStateException("the summaries consumer failed: " + consumerFailure.get(),
                    consumerFailure.get());
        }
        if (processor.failure() != null) {
            throw new IllegalStateException("the processor failed: " + processor.failure(), processor.failure());
        }
        if (ingestor.failed() != null) {
            throw new IllegalStateException("the ingestor failed: " + ingestor.failed(), ingestor.failed());
        }
    }

    private Result measure(final int offered, final ExchangeSimulator simulator, final IngestorService ingestor,
                           final BookProcessorService processor) throws InterruptedException {
        final int messages = messagesPerSecond(offered);
        simulator.slowDown(messages); // sets the rate, up or down
        err.printf(Locale.ROOT, "bench latency: %d changes/s (%d messages/s): warm-up %d s%n", offered, messages,
                options.warmup().toSeconds());
        sleepChecking(options.warmup(), processor, ingestor, null);
        // Start of the measured period.
        recorder.getIntervalHistogram(); // drops the warm-up's values
        final Counter applied = processor.registry().find("orderbook.changes.applied").counter();
        final double changes0 = applied == null ? Double.NaN : applied.count();
        final long messages0 = simulator.messagesGenerated();
        final long summaries0 = withHeader.get();
        final Map<Long, ThreadCpu> threads0 = threadCpu();
        final long cpu0 = processCpuNs();
        final long gc0 = gcMillis();
        final double commits0 = streamsMetric(processor, "commit-total");
        final long t0 = System.nanoTime();
        final double[] heap = new double[2];
        sleepChecking(options.duration(), processor, ingestor, heap);
        final long t1 = System.nanoTime();
        final Histogram h = recorder.getIntervalHistogram();
        final double seconds = (t1 - t0) / 1e9;
        final double cpu = (processCpuNs() - cpu0) / 1e9;
        final double gc = (gcMillis() - gc0) / 1e3;
        final Map<Long, ThreadCpu> threads1 = threadCpu();
        final long summaries = withHeader.get() - summaries0;
        final double changes = applied == null ? Double.NaN : applied.count() - changes0;
        final double streamCpu = threads1.entrySet().stream().filter(e -> e.getValue().name()
                        .contains("-StreamThread-"))
                .mapToLong(e -> e.getValue().ns() - threads0.getOrDefault(e.getKey(), new ThreadCpu("", 0)).ns())
                .sum() / 1e9;
        final Result r = new Result(options.guarantee(), offered, messages, seconds,
                (simulator.messagesGenerated() - messages0) / seconds, changes / seconds, h.getTotalCount(),
                summaries / seconds, ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), cpu, streamCpu, gc, heap[0] / 1e6,
                heap[1] / 1e6, ProcessBench.loadAverage());
        err.println("bench latency: " + offered + " changes/s: cores by part: " + byPart(threads0, threads1, seconds,
                cpu) + String.format(Locale.ROOT, "; stream thread commits %.0f (%.1f/s), commit latency avg "
                        + "%.1f ms, max %.1f ms (Kafka's window, about the last minute)",
                streamsMetric(processor, "commit-total") - commits0,
                (streamsMetric(processor, "commit-total") - commits0) / seconds,
                streamsMetric(processor, "commit-latency-avg"), streamsMetric(processor, "commit-latency-max"))
                + "; heap after the last GC " + Math.round(heapAfterGcBytes() / 1e6) + " MB; busiest threads: "
                + busiest(threads0, threads1, seconds));
        return r;
    }

    /** A stream-thread metric of Kafka Streams (summed over stream threads), NaN when absent. */
    private static double streamsMetric(final BookProcessorService processor, final String name) {
        double sum = Double.NaN;
        for (final Map.Entry<org.apache.kafka.common.MetricName, ? extends org.apache.kafka.common.Metric> e
                : processor.streams().metrics().entrySet()) {
            if (e.getKey().name().equals(name) && e.getKey().group().equals("stream-thread-metrics")
                    && e.getValue().metricValue() instanceof Number n && !Double.isNaN(n.doubleValue())) {
                sum = (Double.isNaN(sum) ? 0 : sum) + n.doubleValue();
            }
        }
        return sum;
    }

    private static double ms(final long ns) {
        return ns / 1e6;
    }

    private void sleepChecking(final Duration duration, final BookProcessorService processor,
                               final IngestorService ingestor, final double[] heap) throws InterruptedException {
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        final long end = System.nanoTime() + duration.toNanos();
        while (true) {
            checkAlive(processor, ingestor);
            if (heap != null) {
                final java.lang.management.MemoryUsage u = memory.getHeapMemoryUsage();
                heap[0] = Math.max(heap[0], u.getUsed());
                heap[1] = Math.max(heap[1], u.getCommitted());
            }
            final long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            Thread.sleep(Math.max(1, Math.min(250, TimeUnit.NANOSECONDS.toMillis(left))));
        }
    }

    /** Reads committed summaries as they come and records their latency; runs on its own thread. */
    private void consume(final KafkaClientConfig kafka, final String topic) {
        final Map<String, Object> props = new HashMap<>(kafka.consumer());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> tps = List.of();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (consuming && tps.isEmpty()) {
                // The processor creates the topic at its start.
                tps = consumer.listTopics(Duration.ofSeconds(10)).getOrDefault(topic, List.of()).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
                if (tps.isEmpty()) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the summaries topic " + topic + " did not appear");
                    }
                    Thread.sleep(100);
                }
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            while (consuming) {
                for (final ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    final org.apache.kafka.common.header.Header receive = r.headers()
                            .lastHeader(Header.RECEIVE_TIME_NS.key());
                    if (receive == null || receive.value() == null || receive.value().length != 8) {
                        withoutHeader.incrementAndGet(); // e.g. the watchdog's: no source record
                        continue;
                    }
                    recorder.recordValue(Math.max(0, EpochClock.nowEpochNs() - Header.longHeader(receive.value())));
                    withHeader.incrementAndGet();
                }
            }
        } catch (final Throwable e) {
            consumerFailure.set(e);
        }
    }

    private record ThreadCpu(String name, long ns) {
    }

    private static Map<Long, ThreadCpu> threadCpu() {
        final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        final Map<Long, ThreadCpu> out = new HashMap<>();
        for (final ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info != null) {
                final long ns = mx.getThreadCpuTime(info.getThreadId());
                if (ns >= 0) {
                    out.put(info.getThreadId(), new ThreadCpu(info.getThreadName(), ns));
                }
            }
        }
        return out;
    }

    /** The five threads that used the most CPU over the period, as {@code name=cores}. */
    private static String busiest(final Map<Long, ThreadCpu> before, final Map<Long, ThreadCpu> after,
                                  final double seconds) {
        return after.entrySet().stream()
                .map(e -> Map.entry(e.getValue().name(), e.getValue().ns()
                        - before.getOrDefault(e.getKey(), new ThreadCpu("", 0)).ns()))
                .sorted((a, c) -> Long.compare(c.getValue(), a.getValue())).limit(5)
                .map(e -> String.format(Locale.ROOT, "%s=%.2f", e.getKey(), e.getValue() / 1e9 / seconds))
                .reduce((a, c) -> a + ", " + c).orElse("");
    }

    /** Which part of the pipeline a thread belongs to, by its name. */
    private static String part(final String thread) {
        if (thread.contains("StreamThread") || thread.startsWith("latency-")) {
            return thread.equals("latency-consumer") ? "consumer" : "processor";
        }
        if (thread.contains("ingest") || thread.startsWith("coinbase-") || thread.contains("leadership")) {
            return "ingestor";
        }
        if (thread.contains("simulator")) {
            return "simulator";
        }
        if (thread.startsWith("Grizzly") || thread.contains("Tyrus") || thread.contains("grizzly")) {
            return "websocket"; // both ends of the WebSocket (simulator and ingestor) share these names
        }
        if (thread.contains("consumer")) {
            return "consumer";
        }
        return "broker_and_other";
    }

    /** CPU cores used over the period, by part; {@code jvm} is the process's CPU outside Java threads (GC, JIT). */
    private static String byPart(final Map<Long, ThreadCpu> before, final Map<Long, ThreadCpu> after,
                                 final double seconds, final double processCpuSeconds) {
        final Map<String, Long> ns = new java.util.TreeMap<>();
        long sum = 0;
        for (final Map.Entry<Long, ThreadCpu> e : after.entrySet()) {
            final long d = e.getValue().ns() - before.getOrDefault(e.getKey(), new ThreadCpu("", 0)).ns();
            ns.merge(part(e.getValue().name()), d, Long::sum);
            sum += d;
        }
        final StringBuilder out = new StringBuilder();
        ns.forEach((k, v) -> out.append(String.format(Locale.ROOT, "%s=%.2f ", k, v / 1e9 / seconds)));
        return out.append(String.format(Locale.ROOT, "jvm_gc_jit=%.2f", Math.max(0,
                processCpuSeconds - sum / 1e9) / seconds)).toString();
    }

    /** Heap in use right after the last collection, summed over the pools: the live set, roughly. */
    private static long heapAfterGcBytes() {
        long total = 0;
        for (final java.lang.management.MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null) {
                total += pool.getCollectionUsage().getUsed();
            }
        }
        return total;
    }

    private static long processCpuNs() {
        final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime();
        }
        return ProcessHandle.current().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    private static long gcMillis() {
        long total = 0;
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }
}
