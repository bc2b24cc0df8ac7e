package dev.orderbook.systemtest;

import dev.orderbook.contract.summary.BookState;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fault suite: the real pipeline as separate JVMs on loopback (a Kafka broker, the exchange simulator, one or
 * two ingestors, the book processor), one fault after another, each followed by the same checks:
 * <ul>
 *   <li>every book says it is stale within the time the fault allows (where the fault is one downstream can see:
 *       during a broker outage nobody commits anything), and is live again after the remedy;</li>
 *   <li>every summary ever committed as {@code live} is a true top of book of the simulator's market
 *       ({@link TruthCheck}): a fault may make a book stale, never wrong;</li>
 *   <li>where the ingestors change (a restart, a failover), no book is ever stale for a record of another ingest
 *       session than its own ({@code session-changed}): two ingestors never interleave, and every new one starts
 *       with startup markers.</li>
 * </ul>
 * The times measured go to {@code target/system-tests/ReliabilityIT/report.md} (the source of
 * docs/reliability.md). The ingestor that starts first reaches Kafka through a {@link TcpProxy}, so that it alone can
 * be cut off; the second ingestor of the failover faults reaches it directly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(180)
class ReliabilityIT {
    private static final String TEST = "ReliabilityIT";
    private static final List<String> PRODUCTS = List.of("BTC-USD", "ETH-USD");
    private static final Duration STALE_AFTER = Duration.ofSeconds(5);
    /**
     * What the product promises for "every book stale" after an ingestor's death, and for a standby's take-over
     * after the active one's (docs/reliability.md). Measured and reported against the promise ({@code report.md}),
     * not asserted: about 6 s on an idle machine, and a busy one can add seconds without anything being wrong.
     */
    private static final Duration PROMISED_WITHIN = Duration.ofSeconds(10);
    /**
     * What is asserted instead: a hang guard, far beyond the promise, that still fails on a real regression (never
     * stale, never elected, or several times the promise).
     */
    private static final Duration HANG_GUARD = Duration.ofSeconds(45);
    private static final Duration LIVE_WITHIN = Duration.ofSeconds(45);
    private static final Pattern ADMIN = Pattern.compile("Simulator admin at http://127\\.0\\.0\\.1:(\\d+)/");

    private final HttpClient http = HttpClient.newHttpClient();
    private final Map<String, String> report = new LinkedHashMap<>();
    private Path dir;
    private TcpProxy proxy;
    private BrokerJvm broker;
    private ChildJvm simulator;
    private int simulatorPort;
    private int adminPort;
    private Path truthLog;
    private ChildJvm ingestor;
    private int ingestorHttp;
    /** A second ingestor standing by, between the failover faults. */
    private ChildJvm standby;
    private int standbyHttp;
    private ChildJvm processor;
    private int processorHttp;
    private SummaryLog summaries;
    private int ingestorRuns;
    private int processorRuns;

    @BeforeAll
    void startThePipeline() throws Exception {
        dir = ChildJvm.outputDirectory(TEST);
        // A run starts from nothing: no topic, state or truth of an earlier run.
        for (final String leftover : List.of("kafka", "processor-state", "truth.ndjson", "report.md")) {
            Utils.delete(dir.resolve(leftover).toFile());
        }
        Files.createDirectories(dir);
        final int proxiedPort = LoopbackPorts.free();
        proxy = TcpProxy.start(TcpProxy.LOOPBACK_HOST, proxiedPort);
        broker = BrokerJvm.builder(TEST, dir.resolve("kafka"))
                .proxiedListener(proxiedPort, proxy.port())
                // Retention can delete records within seconds when a fault asks for it.
                .brokerProperty("log.retention.check.interval.ms", "1000")
                .start();
        simulatorPort = LoopbackPorts.free();
        truthLog = dir.resolve("truth.ndjson");
        simulator = ChildJvm.builder(TEST, "simulator").args("simulate", "--port", Integer.toString(simulatorPort),
                "--admin-port", "0", "--truth-log", truthLog.toString(), "--products", String.join(",", PRODUCTS),
                "--rate", "100", "--seed", "3").start();
        adminPort = Integer.parseInt(simulator.awaitOutput(ADMIN, Duration.ofSeconds(60)).group(1));
        ingestor = startIngestor(proxy.address());
        processor = startProcessor();
        summaries = new SummaryLog(broker.bootstrapServers(), "summaries", PRODUCTS.size());
        summaries.awaitAll(PRODUCTS, SummaryLog.Seen::isLive, Duration.ofSeconds(90), "every book live at start");
    }

    @AfterAll
    void stopThePipeline() throws Exception {
        if (summaries != null) {
            summaries.close();
        }
        for (final AutoCloseable c : new AutoCloseable[] {processor, ingestor, standby, simulator, broker, proxy}) {
            if (c != null) {
                c.close();
            }
        }
        final StringBuilder md = new StringBuilder("| fault | measured |\n| --- | --- |\n");
        report.forEach((fault, measured) -> md.append("| ").append(fault).append(" | ").append(measured)
                .append(" |\n"));
        Files.writeString(dir.resolve("report.md"), md.toString(), StandardCharsets.UTF_8);
    }

    /** After every fault: nothing live was ever wrong. */
    @AfterEach
    void everyLiveSummaryIsTrue() throws Exception {
        Thread.sleep(300);
        for (final String product : PRODUCTS) {
            final List<SummaryLog.Seen> mine = summaries.of(product);
            assertThat(TruthCheck.assertLiveSummariesAreTrue(product, mine, truthLog, Duration.ofSeconds(5)))
                    .as("%s live summaries checked", product).isPositive();
        }
    }

    /** Two ingestors never interleaved: no book was built on one session and fed from another. */
    private void assertNoSessionsInterleavedSince(final long sinceMs) {
        assertThat(reasonsSince(sinceMs)).doesNotContain("session-changed");
    }

    @Test
    @Order(1)
    void ingestorKilledWithKillNineMakesEveryBookStaleAndARestartMakesThemLive() throws Exception {
        // When the ingestor dies without a word
        final long killedAt = System.currentTimeMillis();
        ingestor.kill9();
        // Then every book says so (promised within ten seconds: measured and reported against that, asserted within
        // the hang guard, see PROMISED_WITHIN): nothing, not even a liveness record, comes for its product
        final long staleAt = summaries.awaitAll(PRODUCTS, s -> !s.isLive() && s.readAtMs() > killedAt, HANG_GUARD,
                "every book stale after the ingestor's kill -9");
        final Set<String> reasons = reasonsSince(killedAt);
        assertThat(reasons).contains("feed-silent");
        // When an ingestor starts again, every book is live again
        final long restartedAt = System.currentTimeMillis();
        ingestor = startIngestor(proxy.address());
        final long liveAt = awaitAllLiveAfter(restartedAt, "live again after a restart");
        assertThat(reasonsSince(killedAt)).contains("gap:startup");
        assertNoSessionsInterleavedSince(killedAt);
        record("ingestor `kill -9`, then restarted", staleAt - killedAt, liveAt - restartedAt, reasons);
        report.put("every book stale after the ingestor's `kill -9`", (staleAt - killedAt) + " ms"
                + againstPromise(staleAt - killedAt));
    }

    @Test
    @Order(2)
    void ingestorCutOffFromKafkaMakesEveryBookStaleAndComesBackWhenReconnected() throws Exception {
        // When the ingestor's network path to Kafka is cut while it keeps its feed
        final long cutAt = System.currentTimeMillis();
        proxy.cut();
        final long staleAt = summaries.awaitAll(PRODUCTS, s -> !s.isLive() && s.readAtMs() > cutAt, HANG_GUARD,
                "every book stale while the ingestor is cut off from Kafka");
        Thread.sleep(3_000);
        // When the path is back
        final long restoredAt = System.currentTimeMillis();
        proxy.restore();
        final long liveAt = awaitAllLiveAfter(restoredAt, "live again after the ingestor reached Kafka again");
        record("ingestor cut off from Kafka for " + (restoredAt - cutAt) / 1000 + " s, then reconnected",
                staleAt - cutAt, liveAt - restoredAt, reasonsSince(cutAt));
    }

    @Test
    @Order(3)
    void aCrossedBookAsksForASnapshotAndIsLiveAgainWithinSeconds() throws Exception {
        // When the exchange sends one update that crosses BTC-USD's book (the simulator's truth stays uncrossed)
        final long injectedAt = System.currentTimeMillis();
        admin("/faults/cross?product=BTC-USD");
        // Then the book says crossed, asks the ingestor for a snapshot, and is live and true again
        awaitSummary("BTC-USD", s -> s.summary().bookState() == BookState.CROSSED && s.readAtMs() > injectedAt,
                "a crossed BTC-USD summary");
        final long crossedAt = summaries.of("BTC-USD").stream()
                .filter(s -> s.summary().bookState() == BookState.CROSSED && s.readAtMs() > injectedAt)
                .findFirst().orElseThrow().readAtMs();
        final long liveAt = awaitAllLiveAfter(crossedAt, "BTC-USD healed by a requested snapshot");
        assertThat(reasonsSince(injectedAt)).contains("crossed", "gap:resnapshot-requested");
        record("a crossed book (one bad update from the exchange)", crossedAt - injectedAt, liveAt - crossedAt,
                reasonsSince(injectedAt));
    }

    @Test
    @Order(4)
    void oneSilentProductGoesStaleAloneAndComesBackWhenItsFeedResumes() throws Exception {
        // When ETH-USD's feed alone falls silent (no data, no heartbeats)
        final long silencedAt = System.currentTimeMillis();
        admin("/faults/silence-product?product=ETH-USD");
        final long staleAt = awaitSummary("ETH-USD", s -> !s.isLive() && s.readAtMs() > silencedAt,
                "ETH-USD stale");
        Thread.sleep(2_000);
        // Then BTC-USD was live all along
        assertThat(summaries.of("BTC-USD")).filteredOn(s -> s.readAtMs() > silencedAt).allMatch(SummaryLog.Seen::isLive);
        // When its feed resumes, the book is live again (a resnapshot brings it back)
        final long resumedAt = System.currentTimeMillis();
        admin("/faults/unsilence-product?product=ETH-USD");
        final long liveAt = awaitAllLiveAfter(resumedAt, "ETH-USD live again");
        record("one product's feed silent (ETH-USD), then resumed", staleAt - silencedAt, liveAt - resumedAt,
                reasonsSince(silencedAt));
    }

    @Test
    @Order(5)
    void anIngestorCutOffFromKafkaIsReplacedByTheStandbyAndNeverWritesAfterIt() throws Exception {
        // Given a second ingestor for the same products (reaching Kafka directly)
        final int secondHttp = LoopbackPorts.free();
        final ChildJvm second = ChildJvm.builder(TEST, "ingestor-second").args(ingestArgs(
                broker.bootstrapServers(), secondHttp)).start();
        final ChildJvm partitioned = ingestor;
        final int partitionedHttp = ingestorHttp;
        try {
            awaitHealth(secondHttp, "\"role\":\"standby\"");
            Thread.sleep(2_000);
            // Then it publishes nothing: the books stay live, built on the active one's session alone
            final long joinedAt = System.currentTimeMillis() - 2_000;
            assertThat(reasonsSince(joinedAt)).isEmpty();
            // When the active one is cut off from Kafka, its feed still running
            final long cutAt = System.currentTimeMillis();
            proxy.cut();
            // Then its lease lapses before the standby is elected, and the books go live on the standby's feed
            awaitHealth(secondHttp, "\"role\":\"active\"");
            final long electedAt = System.currentTimeMillis();
            final long liveAt = awaitAllLiveAfter(electedAt, "live on the standby's feed");
            // When the cut-off one reaches Kafka again, it stands by: nothing it held lands after its successor's
            proxy.restore();
            awaitHealth(partitionedHttp, "\"role\":\"standby\"");
            Thread.sleep(2_000);
            assertNoSessionsInterleavedSince(cutAt);
            assertThat(summaries.all()).filteredOn(s -> s.readAtMs() > liveAt + 1_000).isNotEmpty()
                    .allMatch(SummaryLog.Seen::isLive);
            record("active ingestor cut off from Kafka with a standby running", -1, liveAt - cutAt,
                    reasonsSince(cutAt));
            report.put("standby elected after the active one was cut off", (electedAt - cutAt) + " ms; records of "
                    + "the cut-off one refused by the processor (`FENCED`): " + processorMetric(
                    "orderbook_dlq_total{reason=\"FENCED\""));
        } finally {
            // The standby publishes now; the cut-off one stands by.
            ingestor = second;
            ingestorHttp = secondHttp;
            standby = partitioned;
            standbyHttp = partitionedHttp;
        }
    }

    @Test
    @Order(6)
    void theStandbyTakesOverWithinTenSecondsOfTheActiveOnesDeath() throws Exception {
        // Given the active ingestor and a standby (the previous fault left one of each)
        assertThat(standby).as("a standby from the previous fault").isNotNull();
        awaitHealth(standbyHttp, "\"role\":\"standby\"");
        // When the active one dies
        final long killedAt = System.currentTimeMillis();
        ingestor.kill9();
        try {
            // Then the standby is elected (promised within ten seconds: measured and reported against that, see
            // PROMISED_WITHIN; asserted within the hang guard), and every book is live again on its feed
            awaitHealth(standbyHttp, "\"role\":\"active\"");
            final long electedAt = System.currentTimeMillis();
            assertThat(Duration.ofMillis(electedAt - killedAt)).as("standby elected after the kill")
                    .isLessThan(HANG_GUARD);
            final long liveAt = awaitAllLiveAfter(killedAt, "live on the standby's feed");
            assertNoSessionsInterleavedSince(killedAt);
            record("active ingestor `kill -9` with a standby running", -1, liveAt - killedAt,
                    reasonsSince(killedAt));
            report.put("standby elected after the active one's `kill -9`", (electedAt - killedAt) + " ms"
                    + againstPromise(electedAt - killedAt));
        } finally {
            ingestor = standby;
            ingestorHttp = standbyHttp;
            standby = null;
        }
    }

    @Test
    @Order(7)
    void aBrokerRestartLeavesEveryBookLiveAndTrueOnceKafkaIsBack() throws Exception {
        // When the broker dies and comes back on the same ports and log directory
        final long killedAt = System.currentTimeMillis();
        broker.kill9();
        Thread.sleep(3_000);
        broker.restart();
        final long restartedAt = System.currentTimeMillis();
        // Then every book is live again, and nothing live was ever wrong (checked after each fault)
        final long liveAt = awaitAllLiveAfter(restartedAt, "live after the broker restart");
        record("broker `kill -9`, restarted after 3 s", -1, liveAt - restartedAt, reasonsSince(killedAt));
    }

    @Test
    @Order(8)
    void aProcessorDownPastTheRawTopicsRetentionSaysStaleThenHealsBySnapshotRequests() throws Exception {
        // Given the processor stopped, and raw records it has not read deleted by retention meanwhile
        processor.kill9();
        final long downAt = System.currentTimeMillis();
        setRawRetention(Duration.ofSeconds(2));
        awaitRecordsDeletedPastCommittedOffsets();
        setRawRetention(Duration.ofDays(7));
        // When it starts again on its state
        final long restartedAt = System.currentTimeMillis();
        processor = startProcessor();
        // Then it says its books missed records, asks for snapshots, and they are live and true again
        final long liveAt = awaitAllLiveAfter(restartedAt, "live after the processor's restart past retention");
        final Set<String> reasons = reasonsSince(downAt);
        assertThat(reasons).containsAnyOf("raw-offset-gap", "product-sequence-jump");
        record("processor down past the raw topic's retention, then restarted", -1, liveAt - restartedAt, reasons);
    }

    // ---- the pipeline ----------------------------------------------------------------------------------------

    private ChildJvm startIngestor(final String bootstrap) {
        ingestorHttp = LoopbackPorts.free();
        return ChildJvm.builder(TEST, "ingestor-" + ++ingestorRuns).args(ingestArgs(bootstrap, ingestorHttp)).start();
    }

    private List<String> ingestArgs(final String bootstrap, final int httpPort) {
        return List.of("ingest", "--bootstrap", bootstrap, "--url", "ws://127.0.0.1:" + simulatorPort + "/",
                "--products", String.join(",", PRODUCTS), "--raw-topic", "raw", "--dlq-topic", "dlq",
                "--control-topic", "control", "--group-id", "ingestors", "--session-timeout", "6s",
                "--http-host", "127.0.0.1", "--http-port", Integer.toString(httpPort));
    }

    private ChildJvm startProcessor() throws InterruptedException, IOException {
        processorHttp = LoopbackPorts.free();
        awaitRawTopic();
        // A killed instance's group membership and open transaction clear within seconds.
        final Path kafkaConfig = Files.writeString(dir.resolve("processor-kafka.properties"), """
                consumer.session.timeout.ms=6000
                consumer.heartbeat.interval.ms=1000
                producer.transaction.timeout.ms=5000
                """, StandardCharsets.UTF_8);
        return ChildJvm.builder(TEST, "processor-" + ++processorRuns).args("process",
                "--bootstrap", broker.bootstrapServers(), "--products", String.join(",", PRODUCTS),
                "--application-id", "books", "--state-dir", dir.resolve("processor-state").toString(),
                "--raw-topic", "raw", "--summaries-topic", "summaries", "--alerts-topic", "alerts",
                "--dlq-topic", "dlq", "--control-topic", "control", "--stale-after", STALE_AFTER.toSeconds() + "s",
                "--http-host", "127.0.0.1", "--http-port", Integer.toString(processorHttp),
                "--kafka-config", kafkaConfig.toString()).start();
    }

    private void awaitRawTopic() throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Admin admin = admin()) {
            while (true) {
                try {
                    if (admin.listTopics().names().get().contains("raw")) {
                        return;
                    }
                } catch (final ExecutionException e) {
                    // the broker may be starting
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the ingestor did not create the raw topic");
                }
                Thread.sleep(200);
            }
        }
    }

    // ---- faults' helpers -------------------------------------------------------------------------------------

    private void admin(final String pathAndQuery) throws Exception {
        final HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort
                + pathAndQuery)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("simulator %s: %s", pathAndQuery, r.body()).isEqualTo(200);
    }

    private void awaitHealth(final int port, final String contains) throws InterruptedException {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                if (last.contains(contains)) {
                    return;
                }
            } catch (final IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        throw new AssertionError("/health on " + port + " never said " + contains + "; last: " + last);
    }

    /** The value of one of the processor's Prometheus samples (the name and the start of its labels), or 0. */
    private double processorMetric(final String sampleStart) throws Exception {
        final String text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + processorHttp
                + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (final String line : text.split("\n")) {
            if (line.startsWith(sampleStart)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /**
     * Waits until every product's latest summary is live and was read after {@code afterMs} (the market moves
     * several times a second, so a flowing pipeline commits new summaries all the time).
     *
     * @return when the last of them was read
     */
    private long awaitAllLiveAfter(final long afterMs, final String what) throws InterruptedException {
        return summaries.awaitAll(PRODUCTS, s -> s.isLive() && s.readAtMs() > afterMs, LIVE_WITHIN, what);
    }

    private long awaitSummary(final String product, final Predicate<SummaryLog.Seen> condition,
                              final String what) throws InterruptedException {
        final long deadline = System.nanoTime() + LIVE_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            for (final SummaryLog.Seen s : summaries.of(product)) {
                if (condition.test(s)) {
                    return s.readAtMs();
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out waiting for " + what + "; latest: "
                + SummaryLog.describe(summaries.latest()));
    }

    private Set<String> reasonsSince(final long sinceMs) {
        return summaries.all().stream().filter(s -> s.readAtMs() >= sinceMs && s.summary().stateReason() != null)
                .map(s -> s.summary().stateReason()).collect(Collectors.toCollection(TreeSet::new));
    }

    private void record(final String fault, final long staleMs, final long liveMs, final Set<String> reasons) {
        report.put(fault, (staleMs >= 0 ? "not live after " + staleMs + " ms; " : "")
                + "live again " + liveMs + " ms after the remedy; reasons seen: " + reasons);
    }

    /** The measured time against {@link #PROMISED_WITHIN}, for the report; printed too when it was missed. */
    private static String againstPromise(final long measuredMs) {
        if (measuredMs <= PROMISED_WITHIN.toMillis()) {
            return " (promised within " + PROMISED_WITHIN.toSeconds() + " s: met)";
        }
        System.out.printf("ReliabilityIT: %d ms, beyond the promised %d s (a busy machine, or a regression)%n",
                measuredMs, PROMISED_WITHIN.toSeconds());
        return " (promised within " + PROMISED_WITHIN.toSeconds() + " s: **not met** on this run)";
    }

    private Admin admin() {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    private void setRawRetention(final Duration retention) throws Exception {
        try (Admin admin = admin()) {
            final ConfigResource raw = new ConfigResource(ConfigResource.Type.TOPIC, "raw");
            admin.incrementalAlterConfigs(Map.of(raw, List.of(
                    new AlterConfigOp(new ConfigEntry(TopicConfig.RETENTION_MS_CONFIG,
                            Long.toString(retention.toMillis())), AlterConfigOp.OpType.SET),
                    // Only closed segments are deleted: roll them often while retention is short.
                    new AlterConfigOp(new ConfigEntry(TopicConfig.SEGMENT_MS_CONFIG,
                            Long.toString(Math.min(retention.toMillis(), Duration.ofDays(7).toMillis()))),
                            AlterConfigOp.OpType.SET)))).all().get();
        }
    }

    /** Waits until, on every raw partition, retention has deleted records the processor had not read. */
    private void awaitRecordsDeletedPastCommittedOffsets() throws Exception {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        try (Admin admin = admin()) {
            while (true) {
                final Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets("books")
                        .partitionsToOffsetAndMetadata().get();
                final Map<TopicPartition, OffsetSpec> earliest = new LinkedHashMap<>();
                for (int p = 0; p < PRODUCTS.size(); p++) {
                    earliest.put(new TopicPartition("raw", p), OffsetSpec.earliest());
                }
                final var starts = admin.listOffsets(earliest).all().get();
                final boolean deleted = earliest.keySet().stream().allMatch(tp -> committed.get(tp) != null
                        && starts.get(tp).offset() > committed.get(tp).offset());
                if (deleted) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("retention did not delete unread records: start offsets " + starts
                            + ", committed " + committed);
                }
                Thread.sleep(500);
            }
        }
    }
}
