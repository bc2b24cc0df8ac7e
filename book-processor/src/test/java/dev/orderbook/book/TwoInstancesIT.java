package dev.orderbook.book;

import dev.orderbook.book.service.BookProcessorService;
import dev.orderbook.kafka.embedded.KafkaCluster;
import dev.orderbook.kafka.embedded.junit.KafkaClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two instances of one application: the book query answers the same from either (forwarded to the owner); when one
 * stops, the other takes its partitions over (from a standby) and the books stay exact.
 */
@ExtendWith(KafkaClusterExtension.class)
class TwoInstancesIT {
    @TempDir
    Path tmp;

    @Test
    void shouldKeepBooksExactAndAnswerQueriesFromEitherInstanceWhenOneStops(final KafkaCluster cluster)
            throws Exception {
        // Given two instances with a standby each, and the first half of a feed processed
        final String raw = KafkaClusterExtension.createTopic(cluster, "raw", 4);
        final List<byte[]> lines = BookProcessorIT.feed(tmp, 9, 40_000);
        final List<byte[]> firstHalf = lines.subList(0, lines.size() / 2);
        final BookProcessorConfig.Builder b = BookProcessorIT.config(cluster, tmp.resolve("a"), raw);
        b.standbyReplicas = 1;
        final BookProcessorConfig configA = b.build();
        final BookProcessorConfig.Builder bb = configA.toBuilder();
        bb.stateDir = tmp.resolve("b");
        final BookProcessorConfig configB = bb.build();
        // One ingestor session: the second half's records follow on from the first half's numbers.
        final Map<String, Long> productSeq = new HashMap<>();
        KafkaIo.produce(cluster.bootstrapServers(), raw, BookProcessorIT.PRODUCTS,
                RawFeed.records(firstHalf, productSeq));
        final List<String> expectedFirst = RawFeed.replaySummaries(firstHalf);
        final List<String> expected = RawFeed.replaySummaries(lines);
        try (BookProcessorService b2 = BookProcessorService.start(configB)) {
            try (BookProcessorService a = BookProcessorService.start(configA)) {
                KafkaIo.readCommitted(cluster.bootstrapServers(), configA.summariesTopic(), expectedFirst.size(),
                        Duration.ofSeconds(60));
                assertThat(a.awaitReady(Duration.ofSeconds(60))).isTrue();
                assertThat(b2.awaitReady(Duration.ofSeconds(60))).isTrue();

                // When the book is queried on either instance
                // Then both answer the same book (one of them forwards), with the top of the last summary
                final Map<String, List<String>> last = KafkaIo.byProductId(expectedFirst);
                final Set<String> owners = new HashSet<>();
                for (final String product : BookProcessorIT.PRODUCTS) {
                    final String fromA = BookProcessorIT.get(a.httpPort(), "/books/" + product + "?depth=5");
                    final String fromB = BookProcessorIT.get(b2.httpPort(), "/books/" + product + "?depth=5");
                    assertThat(fromA).startsWith("200 ").isEqualTo(fromB);
                    assertTop(fromA, last.get(product));
                    owners.add(fromA.substring(fromA.indexOf("\"served_by\"")));
                }
                // Each instance owns some books, so some answers were forwarded from the other one.
                assertThat(owners).hasSize(2);
            }

            // When instance A stops and the second half of the feed arrives
            KafkaIo.produce(cluster.bootstrapServers(), raw, BookProcessorIT.PRODUCTS,
                    RawFeed.records(lines.subList(lines.size() / 2, lines.size()), productSeq));
            KafkaIo.readCommitted(cluster.bootstrapServers(), configA.summariesTopic(), expected.size(),
                    Duration.ofSeconds(90));
            final List<ConsumerRecord<byte[], byte[]>> summaries = KafkaIo.readCommitted(cluster.bootstrapServers(),
                    configA.summariesTopic(), expected.size() + 1, Duration.ofSeconds(3));

            // Then B has taken every book over and the summaries are exactly the replay's
            assertThat(KafkaIo.byProduct(summaries)).isEqualTo(KafkaIo.byProductId(expected));
            assertThat(b2.awaitReady(Duration.ofSeconds(30))).isTrue();
            final Map<String, List<String>> last = KafkaIo.byProductId(expected);
            for (final String product : BookProcessorIT.PRODUCTS) {
                final String fromB = BookProcessorIT.get(b2.httpPort(), "/books/" + product + "?depth=5");
                assertThat(fromB).startsWith("200 ").contains("\"served_by\":\"127.0.0.1:" + b2.httpPort() + "\"");
                assertTop(fromB, last.get(product));
            }
        }
    }

    private static void assertTop(final String book, final List<String> summaries) {
        final String summary = summaries.get(summaries.size() - 1);
        assertThat(book).contains("\"bids\":[[\"" + field(summary, "bid_price") + "\",\"" + field(summary, "bid_size")
                + "\"]").contains("\"asks\":[[\"" + field(summary, "ask_price") + "\",\""
                + field(summary, "ask_size") + "\"]");
    }

    private static String field(final String summary, final String name) {
        final int at = summary.indexOf("\"" + name + "\":\"") + name.length() + 4;
        return summary.substring(at, summary.indexOf('"', at));
    }
}
