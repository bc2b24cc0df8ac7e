package dev.orderbook.launcher;

import dev.orderbook.book.BookProcessorConfig;
import dev.orderbook.book.StateDirectories;
import dev.orderbook.book.replay.Replay;
import dev.orderbook.book.replay.ReplayStats;
import dev.orderbook.book.service.BookProcessorService;
import dev.orderbook.codec.AdvancedTradeSplitter;
import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.MessageKind;
import dev.orderbook.codec.io.NdjsonReader;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.contract.ProductPartitioner;
import dev.orderbook.contract.Header;
import dev.orderbook.contract.KafkaClientConfig;
import dev.orderbook.contract.Limits;
import dev.orderbook.contract.TopicDurability;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * End-to-end benchmark of the book processor on a real broker: the whole input is first written to a raw topic (a
 * backlog, as after an outage), then the processor starts and the clock runs from Kafka Streams reaching
 * {@code RUNNING} until the last expected summary is visible to a {@code read_committed} consumer. Changes per second
 * count the update level changes (as the replay's stats line does).
 */
final class ProcessBench {
    /**
     * @param streamCpuSeconds CPU time of the stream threads over the run: unlike wall time, it hardly depends on
     *     what else the machine runs (the broker, other processes)
     */
    record Result(BookProcessorConfig.StoreLayout layout, String guarantee, long changes, long summaries,
                  double seconds, double streamCpuSeconds, double changelogMb) {
        double changesPerSecond() {
            return changes / seconds;
        }

        String toLine() {
            return String.format(java.util.Locale.ROOT, "process layout=%s guarantee=%s changes=%d summaries=%d "
                    + "seconds=%.3f changes_per_sec=%.0f stream_cpu_seconds=%.3f changes_per_cpu_sec=%.0f "
                    + "changelog_mb=%.2f changelog_bytes_per_change=%.2f load=%s",
                    layout.name().toLowerCase(java.util.Locale.ROOT), guarantee, changes, summaries, seconds,
                    changesPerSecond(), streamCpuSeconds, changes / streamCpuSeconds, changelogMb,
                    changelogMb * 1e6 / changes, loadAverage());
        }
    }

    /** The 1-minute load average, for the record (a busy machine slows the wall clock, not the CPU time). */
    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (final IOException | RuntimeException e) {
            return String.format(java.util.Locale.ROOT, "%.2f",
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    /** CPU nanoseconds of the live Kafka Streams stream threads, by thread id. */
    static Map<Long, Long> streamThreadCpuNs() {
        final java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        final Map<Long, Long> out = new HashMap<>();
        for (final java.lang.management.ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info != null && info.getThreadName().contains("-StreamThread-")) {
                final long ns = mx.getThreadCpuTime(info.getThreadId());
                if (ns >= 0) {
                    out.put(info.getThreadId(), ns);
                }
            }
        }
        return out;
    }

    private record Raw(byte[] key, byte[] value) {
    }

    private final List<Raw> records = new ArrayList<>();
    private final long changes;
    private final long summaries;
    private final List<String> products;

    private ProcessBench(final long changes, final long summaries, final List<String> products) {
        this.changes = changes;
        this.summaries = summaries;
        this.products = products;
    }

    /** Reads the file into raw records (split and keyed as the ingestor does) and replays it for the counts. */
    static ProcessBench load(final Path input) throws IOException {
        final Replay.Options d = Replay.Options.defaults();
        final ReplayStats stats;
        try (NdjsonReader reader = NdjsonReader.open(input, CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES);
             OutputStream none = OutputStream.nullOutputStream()) {
            stats = Replay.run(reader, none, null, new PrintStream(new ByteArrayOutputStream(), true,
                    StandardCharsets.UTF_8), new Replay.Options(d.thresholds(), d.products(), d.maxLineBytes(), 0,
                    false));
        }
        final ProductRegistry registry = ProductRegistry.open();
        final CoinbaseDecoder decoder = new CoinbaseDecoder(registry);
        final FeedMessage msg = new FeedMessage();
        final AdvancedTradeSplitter splitter = new AdvancedTradeSplitter();
        final List<String> products = new ArrayList<>();
        final List<Raw> raws = new ArrayList<>();
        try (NdjsonReader reader = NdjsonReader.open(input, CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES)) {
            while (reader.next()) {
                final byte[] line = Arrays.copyOfRange(reader.buffer(), reader.offset(),
                        reader.offset() + reader.length());
                if (line.length == 0 || new String(line, StandardCharsets.UTF_8).isBlank()) {
                    continue;
                }
                List<byte[]> values = List.of(line);
                try {
                    if (new String(line, 0, Math.min(line.length, 200), StandardCharsets.UTF_8)
                            .contains("\"l2_data\"")) {
                        values = splitter.split(line, 0, line.length).stream()
                                .map(AdvancedTradeSplitter.ProductMessage::json).toList();
                    }
                } catch (final AdvancedTradeSplitter.NotSplittable e) {
                    values = List.of(line);
                }
                for (final byte[] v : values) {
                    decoder.decode(v, msg);
                    String product = null;
                    if (msg.kind() == MessageKind.BOOK && msg.eventCount() > 0) {
                        product = msg.eventProduct(0).id();
                    } else if (msg.kind() == MessageKind.GAP) {
                        product = msg.markerProduct().id();
                    }
                    if (product != null && !products.contains(product)) {
                        products.add(product);
                    }
                    raws.add(new Raw(product == null ? null : product.getBytes(StandardCharsets.UTF_8), v));
                }
            }
        }
        final ProcessBench bench = new ProcessBench(stats.engine().changes, stats.engine().summaries, products);
        bench.records.addAll(raws);
        return bench;
    }

    int records() {
        return records.size();
    }

    long changes() {
        return changes;
    }

    List<String> products() {
        return products;
    }

    /** Writes every record to a new raw topic; returns its name. */
    String produce(final KafkaClientConfig kafka, final String rawTopic, final int partitions,
                   final TopicDurability durability) throws Exception {
        final Map<String, String> configs = new java.util.HashMap<>(durability.topicConfigs());
        configs.put("max.message.bytes", Integer.toString(Limits.FETCH_BYTES));
        try (Admin admin = Admin.create(kafka.admin())) {
            admin.createTopics(List.of(new NewTopic(rawTopic, java.util.Optional.of(partitions),
                            durability.replicationFactor() > 0
                                    ? java.util.Optional.of((short) durability.replicationFactor())
                                    : java.util.Optional.empty()).configs(configs)))
                    .all().get(60, TimeUnit.SECONDS);
            // A new topic's partitions have no leader for a moment; a first batch refused then, retried after later
            // batches were taken, is lost (the broker accepts any first sequence of a producer it has no state for).
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!everyPartitionHasALeader(admin, rawTopic)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no leader for every partition of " + rawTopic);
                }
                Thread.sleep(50);
            }
        }
        final Map<String, Object> props = new HashMap<>();
        props.putAll(kafka.producer());
        props.put(ProducerConfig.PARTITIONER_CLASS_CONFIG, ProductPartitioner.class.getName());
        props.put(ProductPartitioner.PRODUCTS_CONFIG, String.join(",", products));
        props.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        // One request in flight per partition: a refused batch cannot be overtaken by the next one.
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
        props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Limits.FETCH_BYTES);
        long seq = 0;
        // One ingest session, each product's records numbered as the ingestor numbers them.
        final byte[] session = ("bench-" + rawTopic).getBytes(StandardCharsets.UTF_8);
        final Map<String, Long> productSeq = new HashMap<>();
        final java.util.concurrent.atomic.AtomicReference<Exception> failure =
                new java.util.concurrent.atomic.AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (final Raw r : records) {
                final RecordHeaders headers = new RecordHeaders();
                headers.add(Header.RECEIVE_TIME_NS.key(), Header.longHeader(System.currentTimeMillis() * 1_000_000L));
                headers.add(Header.SESSION_ID.key(), session);
                headers.add(Header.SESSION_SEQ.key(), Header.longHeader(++seq));
                if (r.key() != null) {
                    headers.add(Header.PRODUCT_SEQ.key(), Header.longHeader(productSeq.merge(
                            new String(r.key(), StandardCharsets.UTF_8), 1L, Long::sum)));
                }
                producer.send(new ProducerRecord<>(rawTopic, r.key() == null ? Integer.valueOf(0) : null, null,
                        r.key(), r.value(), headers), (metadata, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("writing the backlog failed: " + failure.get(), failure.get());
        }
        return rawTopic;
    }

    private static boolean everyPartitionHasALeader(final Admin admin, final String topic) throws Exception {
        try {
            return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic)
                    .partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty());
        } catch (final java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) {
                return false; // created, but not known to this broker's metadata yet
            }
            throw e;
        }
    }

    /** Runs the processor over the backlog on {@code rawTopic} until every summary is committed. */
    Result run(final BookProcessorConfig config) throws Exception {
        final AtomicLong runningAtNs = new AtomicLong();
        try (BookProcessorService service = BookProcessorService.start(config)) {
            final long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
            long progressNs = System.nanoTime();
            final Map<String, Object> props = new HashMap<>();
            props.putAll(config.kafka().consumer());
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            long seen = 0;
            long lastNs = 0;
            final Map<Long, Long> cpu = new HashMap<>();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                    new ByteArrayDeserializer())) {
                final List<TopicPartition> tps = consumer.partitionsFor(config.summariesTopic(),
                        Duration.ofSeconds(30)).stream().map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
                consumer.assign(tps);
                consumer.seekToBeginning(tps);
                while (seen < summaries && System.nanoTime() < deadline) {
                    if (runningAtNs.get() == 0 && service.streams().state() == KafkaStreams.State.RUNNING) {
                        runningAtNs.set(System.nanoTime());
                    }
                    final int n = consumer.poll(Duration.ofMillis(50)).count();
                    if (n == 0 && System.nanoTime() - progressNs > TimeUnit.SECONDS.toNanos(60)) {
                        throw new IllegalStateException("no summary for 60 s after " + seen + " of " + summaries
                                + "; dead letters: " + recordCount(config.kafka(), config.dlqTopic()));
                    }
                    if (n > 0) {
                        seen += n;
                        lastNs = System.nanoTime();
                        progressNs = lastNs;
                        // Threads live until close: keep the last reading of each.
                        cpu.putAll(streamThreadCpuNs());
                    }
                }
            }
            if (seen < summaries) {
                throw new IllegalStateException("only " + seen + " of " + summaries + " summaries in 30 minutes");
            }
            final double seconds = (lastNs - runningAtNs.get()) / 1e9;
            final double cpuSeconds = cpu.values().stream().mapToLong(Long::longValue).sum() / 1e9;
            return new Result(config.storeLayout(), config.guarantee(), changes, seen, seconds, cpuSeconds,
                    changelogMb(config));
        }
    }

    /** Offsets in a topic: its records, plus transaction markers when written exactly-once (a rough count). */
    private static long recordCount(final KafkaClientConfig kafka, final String topic) {
        try (Admin admin = Admin.create(kafka.admin())) {
            final Map<TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> request = new HashMap<>();
            admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions()
                    .forEach(p -> request.put(new TopicPartition(topic, p.partition()),
                            org.apache.kafka.clients.admin.OffsetSpec.latest()));
            return admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).values().stream()
                    .mapToLong(org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo::offset).sum();
        } catch (final Exception e) {
            return -1;
        }
    }

    private static double changelogMb(final BookProcessorConfig config) throws Exception {
        // Every changelog of the application: the level store or the checkpoints, and the meta store.
        final String prefix = config.applicationId() + "-";
        try (Admin admin = Admin.create(config.kafka().admin())) {
            final Set<Integer> brokers = new java.util.HashSet<>();
            admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).forEach(n -> brokers.add(n.id()));
            long bytes = 0;
            for (final Map<String, LogDirDescription> dirs : admin.describeLogDirs(brokers).allDescriptions()
                    .get(30, TimeUnit.SECONDS).values()) {
                for (final LogDirDescription dir : dirs.values()) {
                    for (final Map.Entry<TopicPartition, ReplicaInfo> e : dir.replicaInfos().entrySet()) {
                        final String topic = e.getKey().topic();
                        if (topic.startsWith(prefix) && topic.endsWith("-changelog")) {
                            bytes += e.getValue().size();
                        }
                    }
                }
            }
            return bytes / 1e6;
        }
    }

    static Path tempStateDir() throws IOException {
        return StateDirectories.ephemeral("bench-state");
    }
}
