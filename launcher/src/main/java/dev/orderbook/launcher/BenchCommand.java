package dev.orderbook.launcher;

import dev.orderbook.book.BookProcessorConfig;
import dev.orderbook.book.replay.BookBench;
import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.io.NdjsonReader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ./orderbook bench ...}: benchmarks that run on a recorded feed. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: the book and the processor on a recorded feed file, and the live path's latency.",
        subcommands = {BenchCommand.Book.class, BenchCommand.Process.class, BenchCommand.Latency.class})
final class BenchCommand implements Runnable {
    /** {@code --stale-after} of a benchmarked processor: longer than any run (the watchdog has tests of its own). */
    private static final long BENCH_STALE_AFTER_MS = 3_600_000;

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "book", mixinStandardHelpOptions = true,
            description = {
                "Times the order book alone: reads and decodes FILE fully into memory, then after warm-up passes on "
                        + "fresh books times loading every snapshot, applying every change and reading the top of "
                        + "book after every message, on one thread.",
                "Prints one line: book changes=... seconds=... changes_per_sec=... (median of the timed passes; "
                        + "snapshot levels are loaded in the timed region but not counted as changes)."})
    static final class Book implements Callable<Integer> {
        @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE", description = "Recorded feed.")
        Path input;

        @Option(names = "--warmup", defaultValue = "1", description = "Warm-up passes (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--passes", defaultValue = "3", description = "Timed passes (default: ${DEFAULT-VALUE}).")
        int passes;

        @Override
        public Integer call() {
            if (passes < 1 || warmup < 0) {
                System.err.println("orderbook bench book: --passes must be >= 1 and --warmup >= 0");
                return 2;
            }
            final BookBench bench;
            try (NdjsonReader reader = NdjsonReader.open(input, CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES)) {
                bench = BookBench.load(reader);
            } catch (final IOException e) {
                System.err.println("orderbook bench book: cannot read " + input + ": " + e);
                return 1;
            }
            if (bench.badLines() > 0) {
                System.err.println("orderbook bench book: skipped " + bench.badLines() + " bad lines");
            }
            System.out.println(bench.run(warmup, passes).toLine());
            return 0;
        }
    }

    @Command(name = "process", mixinStandardHelpOptions = true,
            description = {
                "Times the Kafka Streams book processor end to end on a real broker: writes all of FILE to a raw "
                        + "topic first (a backlog), then starts the processor and measures from Kafka Streams "
                        + "RUNNING until the last summary is visible to a read_committed consumer.",
                "Prints one line per store layout: process layout=... guarantee=... changes=... seconds=... "
                        + "changes_per_sec=... changelog_mb=..."})
    static final class Process implements java.util.concurrent.Callable<Integer> {
        @Option(names = {"-i", "--input"}, required = true, paramLabel = "FILE", description = "Recorded feed.")
        Path input;

        /** Without --bootstrap or --kafka-config, an embedded broker. */
        @picocli.CommandLine.Mixin
        KafkaClientOptions cluster;

        @picocli.CommandLine.Mixin
        TopicDurabilityOptions topics;

        @Option(names = "--layout", split = ",", paramLabel = "L",
                defaultValue = "checkpoint,hash,rocksdb_cached",
                description = "Store layouts to time, in order (default: ${DEFAULT-VALUE}).")
        java.util.List<String> layouts;

        @Option(names = "--guarantee", defaultValue = BookProcessorConfig.GUARANTEE_DEFAULT,
                description = "exactly_once_v2 or at_least_once (default: ${DEFAULT-VALUE}).")
        String guarantee;

        @Option(names = "--partitions", defaultValue = "4", description = "Raw topic partitions (default: "
                + "${DEFAULT-VALUE}).")
        int partitions;

        @Option(names = "--threads", defaultValue = "1", description = "Stream threads (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--commit-interval-ms", defaultValue = "-1",
                description = "Commit interval (default: Kafka Streams', 100 ms exactly-once).")
        long commitIntervalMs;

        @Option(names = "--warmup", defaultValue = "1",
                description = "Unreported runs of the first layout first, so that the JIT has compiled the shared "
                        + "code before any layout is timed (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--repeat", defaultValue = "1",
                description = "Rounds over the layouts (interleaved, so that a busy spell of the machine hits every "
                        + "layout); a median line per layout follows (default: ${DEFAULT-VALUE}).")
        int repeat;

        @Override
        public Integer call() throws Exception {
            final ProcessBench bench = ProcessBench.load(input);
            System.err.println("bench process: " + bench.records() + " records, " + bench.changes()
                    + " update changes, products " + bench.products());
            dev.orderbook.kafka.embedded.EmbeddedKafkaBroker broker = null;
            final dev.orderbook.contract.KafkaClientConfig given;
            try {
                given = cluster.given() ? cluster.load() : null;
                topics.durability();
            } catch (final IllegalArgumentException e) {
                System.err.println("orderbook bench process: " + e.getMessage());
                return 2;
            }
            final dev.orderbook.contract.KafkaClientConfig servers;
            if (given == null) {
                broker = dev.orderbook.kafka.embedded.EmbeddedKafkaBroker.start();
                servers = dev.orderbook.contract.KafkaClientConfig.of(broker.bootstrapServers());
            } else {
                servers = given;
            }
            final java.util.Map<String, java.util.List<ProcessBench.Result>> results = new java.util.LinkedHashMap<>();
            try {
                int run = 0;
                for (int round = -warmup; round < repeat; round++) {
                for (final String layout : round < 0 ? layouts.subList(0, 1) : layouts) {
                    run++;
                    final String suffix = "-" + ProcessHandle.current().pid() + "-" + run;
                    final String raw = "bench-raw" + suffix;
                    final long t0 = System.nanoTime();
                    bench.produce(servers, raw, partitions, topics.durability());
                    System.err.printf(java.util.Locale.ROOT, "bench process: wrote the backlog in %.1f s%n",
                            (System.nanoTime() - t0) / 1e9);
                    final BookProcessorConfig.Builder b = BookProcessorConfig.builder();
                    b.kafka = servers;
                    b.durability = topics.durability();
                    b.applicationId = "bench" + suffix;
                    b.stateDir = ProcessBench.tempStateDir();
                    b.httpHost = "127.0.0.1";
                    b.httpPort = 0;
                    b.guarantee = guarantee;
                    b.threads = threads;
                    b.rawTopic = raw;
                    b.summariesTopic = "bench-summaries" + suffix;
                    b.alertsTopic = "bench-alerts" + suffix;
                    b.dlqTopic = "bench-dlq" + suffix;
                    b.controlTopic = "bench-control" + suffix;
                    // The backlog carries no liveness records: a product whose partition is done early would be
                    // called stale (rightly, for a live feed) while the others still run, one summary more.
                    b.staleAfterMs = BENCH_STALE_AFTER_MS;
                    b.products = bench.products();
                    b.commitIntervalMs = commitIntervalMs;
                    b.storeLayout = BookProcessorConfig.StoreLayout.valueOf(layout.trim()
                            .toUpperCase(java.util.Locale.ROOT));
                    final ProcessBench.Result result;
                    try {
                        result = bench.run(b.build());
                    } finally {
                        org.apache.kafka.common.utils.Utils.delete(b.stateDir.toFile());
                    }
                    if (round < 0) {
                        System.err.println("bench process: warm-up " + result.toLine());
                        continue;
                    }
                    results.computeIfAbsent(layout, k -> new java.util.ArrayList<>()).add(result);
                    System.out.println(result.toLine());
                }
                }
                if (repeat > 1) {
                    results.forEach((layout, list) -> {
                        final double[] wall = list.stream().mapToDouble(ProcessBench.Result::changesPerSecond)
                                .sorted().toArray();
                        final double[] cpu = list.stream().mapToDouble(r -> r.changes() / r.streamCpuSeconds())
                                .sorted().toArray();
                        System.out.printf(java.util.Locale.ROOT, "median layout=%s runs=%d changes_per_sec=%.0f "
                                + "(min %.0f, max %.0f) changes_per_cpu_sec=%.0f (min %.0f, max %.0f)%n", layout,
                                wall.length, wall[wall.length / 2], wall[0], wall[wall.length - 1], cpu[cpu.length / 2],
                                cpu[0], cpu[cpu.length - 1]);
                    });
                }
            } finally {
                if (broker != null) {
                    broker.close();
                }
            }
            return 0;
        }
    }

    @Command(name = "latency", mixinStandardHelpOptions = true,
            description = {
                "End-to-end latency of the live path: starts (unless --bootstrap or --kafka-config) an embedded "
                        + "broker, the exchange simulator, the ingestor and the processor in this JVM, and a "
                        + "read_committed consumer of the summaries that records, per summary, now minus the "
                        + "ingestor's receive time (ob-receive-time-ns) in an HdrHistogram. Each offered rate runs "
                        + "a warm-up (not counted), then the measured period.",
                "Prints one line per rate: latency guarantee=... offered_changes_per_sec=... "
                        + "achieved_changes_per_sec=... summaries_per_sec=... p50_ms= p99_ms= p999_ms= max_ms= "
                        + "cpu_seconds=... stream_cpu_seconds=... heap_used_max_mb=...; --output-svg plots the "
                        + "percentiles against the offered rate (docs/performance.md)."})
    static final class Latency implements Callable<Integer> {
        /** Without --bootstrap or --kafka-config, an embedded broker. */
        @picocli.CommandLine.Mixin
        KafkaClientOptions cluster;

        @picocli.CommandLine.Mixin
        TopicDurabilityOptions topics;

        @Option(names = "--rates", split = ",", paramLabel = "CHANGES_PER_SEC", defaultValue = "1000,10000,50000",
                description = "Offered rates in level changes per second, run in this order; the simulator is "
                        + "driven at rate / its mean changes per message (8) messages per second "
                        + "(default: ${DEFAULT-VALUE}).")
        List<Integer> rates;

        @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "20s",
                converter = DurationConverter.class,
                description = "Measured period per rate, after its warm-up (default: ${DEFAULT-VALUE}).")
        Duration duration;

        @Option(names = "--warmup", paramLabel = "DURATION", defaultValue = "10s",
                converter = DurationConverter.class,
                description = "Warm-up per rate, not counted (default: ${DEFAULT-VALUE}).")
        Duration warmup;

        @Option(names = "--guarantee", defaultValue = BookProcessorConfig.GUARANTEE_DEFAULT,
                description = "The processor's: exactly_once_v2 (summaries visible at each commit) or "
                        + "at_least_once (visible when written) (default: ${DEFAULT-VALUE}).")
        String guarantee;

        @Option(names = "--commit-interval-ms", paramLabel = "MS", defaultValue = "-1",
                description = "The processor's commit interval: under exactly-once the floor of the latency "
                        + "(a summary is visible only when its transaction commits), against more transactions "
                        + "per second (default: Kafka Streams', 100 ms exactly-once).")
        long commitIntervalMs;

        @Option(names = "--linger-ms", paramLabel = "MS", defaultValue = "5",
                description = "The ingestor's producer linger: latency added to each raw record against fuller "
                        + "batches (default: ${DEFAULT-VALUE}).")
        int lingerMs;

        @Option(names = "--processor-linger-ms", paramLabel = "MS", defaultValue = "-1",
                description = "The processor's producer linger (summaries, changelog), as producer.linger.ms in "
                        + "the processor's --kafka-config (it has no option of its own) (default: the processor's, "
                        + "5 ms).")
        int processorLingerMs;

        @Option(names = "--products", split = ",", paramLabel = "A,B,...", defaultValue = "BTC-USD,ETH-USD",
                description = "Simulated products (default: ${DEFAULT-VALUE}).")
        List<String> products;

        @Option(names = "--output-svg", paramLabel = "FILE",
                description = "Write a plot of p50, p99, p99.9 and max against the offered rate (SVG).")
        Path outputSvg;

        @Override
        public Integer call() throws Exception {
            final LatencyBench.Options options;
            try {
                if (rates.isEmpty() || rates.stream().anyMatch(r -> r == null || r < 1
                        || LatencyBench.messagesPerSecond(r) > dev.orderbook.simulator.server.SimulatorOptions
                        .MAX_MESSAGES_PER_SECOND)) {
                    throw new IllegalArgumentException("--rates must be positive changes per second, was " + rates);
                }
                if (duration.isZero() || warmup.isNegative()) {
                    throw new IllegalArgumentException("--duration must be positive and --warmup >= 0");
                }
                if (lingerMs < 0 || processorLingerMs < -1 || commitIntervalMs == 0 || commitIntervalMs < -1) {
                    throw new IllegalArgumentException("--linger-ms and --processor-linger-ms must be >= 0, "
                            + "--commit-interval-ms >= 1");
                }
                final String g = guarantee.trim().toLowerCase(java.util.Locale.ROOT);
                if (!g.equals("exactly_once_v2") && !g.equals("at_least_once")) {
                    throw new IllegalArgumentException("--guarantee must be exactly_once_v2 or at_least_once, was "
                            + guarantee);
                }
                for (final String product : products) {
                    if (!dev.orderbook.codec.model.ProductRegistry.isValidProductId(product)) {
                        throw new IllegalArgumentException("invalid product id: " + product);
                    }
                }
                options = new LatencyBench.Options(List.copyOf(rates), duration, warmup, g, commitIntervalMs,
                        lingerMs, processorLingerMs, List.copyOf(products), cluster.given() ? cluster.load() : null,
                        topics.durability());
            } catch (final IllegalArgumentException e) {
                System.err.println("orderbook bench latency: " + e.getMessage());
                return 2;
            }
            final List<LatencyBench.Result> results = new java.util.ArrayList<>();
            try {
                for (final LatencyBench.Result r : new LatencyBench(options, System.err).run()) {
                    results.add(r);
                }
            } catch (final IllegalStateException e) {
                System.err.println("orderbook bench latency: " + e.getMessage());
                return 1;
            }
            results.forEach(r -> System.out.println(r.toLine()));
            if (outputSvg != null) {
                final boolean eos = options.guarantee().equals("exactly_once_v2");
                final String title = "End-to-end latency, " + options.guarantee() + ", commit interval "
                        + (commitIntervalMs > 0 ? commitIntervalMs + " ms" : eos ? "100 ms" : "30 s")
                        + ", " + products.size() + " products";
                java.nio.file.Files.writeString(outputSvg, LatencyPlot.svg(title, results, eos ? 150 : 25));
                System.err.println("bench latency: wrote " + outputSvg);
            }
            return 0;
        }
    }
}
