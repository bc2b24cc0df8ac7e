package dev.orderbook.book;

import dev.orderbook.kafka.embedded.KafkaCluster;
import dev.orderbook.kafka.embedded.junit.KafkaClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Kill -9: the processor runs as its own JVM and is killed ({@code destroyForcibly}) several times mid-stream while
 * the raw topic fills, then restarted on the same state directory each time. Its committed summaries must be those of
 * an uninterrupted run (the replay's): no duplicate, no gap.
 */
@ExtendWith(KafkaClusterExtension.class)
class ProcessorKillIT {
    private static final Logger log = LoggerFactory.getLogger(ProcessorKillIT.class);
    private static final int KILLS = 3;

    @TempDir
    Path tmp;

    @Test
    void shouldCommitExactlyTheUninterruptedSummariesWhenKilledRepeatedlyMidStream(final KafkaCluster cluster)
            throws Exception {
        // Given a raw topic that fills over several seconds
        final String raw = KafkaClusterExtension.createTopic(cluster, "raw", 4);
        final List<byte[]> lines = BookProcessorIT.feed(tmp, 5, 150_000);
        final List<RawFeed.Raw> records = RawFeed.records(lines);
        final List<String> expected = RawFeed.replaySummaries(lines);
        final BookProcessorConfig config = BookProcessorIT.config(cluster, tmp.resolve("state"), raw).build();
        final int port = freePort();
        final AtomicInteger produced = new AtomicInteger();
        final CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> {
            final int chunks = 40;
            for (int i = 0; i < chunks; i++) {
                KafkaIo.produce(cluster.bootstrapServers(), raw, BookProcessorIT.PRODUCTS,
                        records.subList(records.size() * i / chunks, records.size() * (i + 1) / chunks));
                produced.set(i + 1);
                pause(800);
            }
        });

        // When the processor JVM is killed -9 repeatedly mid-stream and restarted
        final Random random = new Random(42);
        for (int kill = 0; kill < KILLS; kill++) {
            final Process process = startProcessor(config, port, kill);
            try {
                awaitReady(process, port, Duration.ofSeconds(60));
                pause(500 + random.nextInt(1500));
                // Mid-stream: the raw topic is still filling while the processor works through it.
                assertThat(producing.isDone()).as("input still arriving at kill " + (kill + 1)).isFalse();
            } finally {
                process.destroyForcibly();
                assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            }
            log.info("Killed the processor. kill=[{}] exit=[{}] chunksProduced=[{}]", kill + 1, process.exitValue(),
                    produced.get());
        }
        producing.get(120, TimeUnit.SECONDS);
        final Process last = startProcessor(config, port, KILLS);
        final List<ConsumerRecord<byte[], byte[]>> summaries;
        try {
            KafkaIo.readCommitted(cluster.bootstrapServers(), config.summariesTopic(), expected.size(),
                    Duration.ofSeconds(120));
            // Read it all again, waiting a little for one more: anything beyond the expected count is a duplicate.
            summaries = KafkaIo.readCommitted(cluster.bootstrapServers(), config.summariesTopic(), expected.size() + 1,
                    Duration.ofSeconds(3));
        } finally {
            last.destroy();
            last.waitFor(30, TimeUnit.SECONDS);
        }

        // Then every product's committed summaries are exactly the uninterrupted run's
        assertThat(KafkaIo.byProduct(summaries)).isEqualTo(KafkaIo.byProductId(expected));
        assertThat(summaries).hasSameSizeAs(expected);
    }

    private Process startProcessor(final BookProcessorConfig config, final int port, final int run)
            throws IOException {
        final List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                ProcessorChildMain.class.getName()));
        command.addAll(ProcessorChildMain.args(config, port));
        final ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectErrorStream(true).redirectOutput(tmp.resolve("processor-" + run + ".log").toFile());
        return pb.start();
    }

    private static void awaitReady(final Process process, final int port, final Duration timeout) throws Exception {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("the processor exited with " + process.exitValue());
            }
            try {
                if (BookProcessorIT.get(port, "/ready").startsWith("200 ")) {
                    return;
                }
            } catch (final IOException e) {
                // not listening yet
            }
            pause(100);
        }
        throw new AssertionError("the processor did not become ready in " + timeout);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void pause(final long ms) {
        try {
            Thread.sleep(ms);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
