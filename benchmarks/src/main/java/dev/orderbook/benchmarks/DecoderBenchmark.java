package dev.orderbook.benchmarks;

import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.codec.FeedMessage;
import dev.orderbook.codec.MessageKind;
import dev.orderbook.codec.model.ProductRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The Coinbase decoder on the messages that matter: BTC-USD-sized snapshots of 50,000 levels in both protocols
 * (Exchange feed about 2.3 MB; Advanced Trade about 5.4 MB, the size COINBASE.md warns of) and batched updates of
 * both protocols. Run with {@code -prof gc} to see bytes allocated per operation.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar DecoderBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class DecoderBenchmark {
    /** Changes in each benchmarked update message. */
    public static final int CHANGES_PER_UPDATE = 8;

    private final CoinbaseDecoder decoder = new CoinbaseDecoder(ProductRegistry.open());
    private final FeedMessage message = new FeedMessage();
    private byte[] snapshot;
    private byte[] advancedSnapshot;
    private byte[] exchangeUpdate;
    private byte[] advancedUpdate;

    @Setup
    public void setUp() {
        final SplittableRandom random = new SplittableRandom(42);
        final StringBuilder sb = new StringBuilder(6_000_000);
        sb.append("{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[");
        for (int i = 0; i < 25_000; i++) {
            final long cents = 6_500_000 - 3L * i;
            sb.append(i == 0 ? "" : ",").append("[\"").append(cents / 100).append('.')
                    .append(String.format(Locale.ROOT, "%02d", cents % 100)).append("\",\"")
                    .append(String.format(Locale.ROOT, "%.8f", random.nextDouble(0.0001, 5))).append("\"]");
        }
        sb.append("],\"asks\":[");
        for (int i = 0; i < 25_000; i++) {
            final long cents = 6_500_001 + 3L * i;
            sb.append(i == 0 ? "" : ",").append("[\"").append(cents / 100).append('.')
                    .append(String.format(Locale.ROOT, "%02d", cents % 100)).append("\",\"")
                    .append(String.format(Locale.ROOT, "%.8f", random.nextDouble(0.0001, 5))).append("\"]");
        }
        sb.append("]}");
        snapshot = sb.toString().getBytes(StandardCharsets.UTF_8);

        final StringBuilder as = new StringBuilder(6_000_000);
        as.append("{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":\"2026-11-23T19:00:00.123456789Z\","
                + "\"sequence_num\":3,\"events\":[{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"updates\":[");
        for (int i = 0; i < 50_000; i++) {
            final boolean bid = i < 25_000;
            final long cents = bid ? 6_500_000 - 3L * i : 6_500_001 + 3L * (i - 25_000);
            as.append(i == 0 ? "" : ",").append("{\"side\":\"").append(bid ? "bid" : "offer")
                    .append("\",\"event_time\":\"2026-11-23T19:00:00.123456Z\",\"price_level\":\"")
                    .append(cents / 100).append('.').append(String.format(Locale.ROOT, "%02d", cents % 100))
                    .append("\",\"new_quantity\":\"")
                    .append(String.format(Locale.ROOT, "%.8f", random.nextDouble(0.0001, 5))).append("\"}");
        }
        as.append("]}]}");
        advancedSnapshot = as.toString().getBytes(StandardCharsets.UTF_8);

        final StringBuilder ex = new StringBuilder("{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[");
        final StringBuilder at = new StringBuilder("{\"channel\":\"l2_data\",\"client_id\":\"\","
                + "\"timestamp\":\"2026-11-23T19:00:00.123456789Z\",\"sequence_num\":14,\"events\":[{\"type\":\"update\","
                + "\"product_id\":\"BTC-USD\",\"updates\":[");
        for (int i = 0; i < CHANGES_PER_UPDATE; i++) {
            final boolean bid = i % 2 == 0;
            final String price = (64_990 + i) + "." + (10 + i);
            final String size = i % 3 == 0 ? "0.00000000" : "0.1234567" + i;
            ex.append(i == 0 ? "" : ",").append("[\"").append(bid ? "buy" : "sell").append("\",\"").append(price)
                    .append("\",\"").append(size).append("\"]");
            at.append(i == 0 ? "" : ",").append("{\"side\":\"").append(bid ? "bid" : "offer")
                    .append("\",\"event_time\":\"2026-11-23T19:00:00.123456Z\",\"price_level\":\"").append(price)
                    .append("\",\"new_quantity\":\"").append(size).append("\"}");
        }
        ex.append("],\"time\":\"2026-11-23T19:00:00.123456Z\"}");
        at.append("]}]}");
        exchangeUpdate = ex.toString().getBytes(StandardCharsets.UTF_8);
        advancedUpdate = at.toString().getBytes(StandardCharsets.UTF_8);
        System.err.printf(Locale.ROOT, "snapshot sizes: exchange %d bytes, advanced %d bytes%n", snapshot.length,
                advancedSnapshot.length);
        for (final byte[] m : new byte[][] {snapshot, advancedSnapshot, exchangeUpdate, advancedUpdate}) {
            if (decoder.decode(m, message).kind() != MessageKind.BOOK) {
                throw new IllegalStateException("benchmark message does not decode: " + message);
            }
        }
    }

    /** One whole 50,000-level snapshot; reported in ms per snapshot. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public int exchangeSnapshot50kLevels() {
        return decoder.decode(snapshot, message).changeCount();
    }

    /** One whole Advanced Trade 50,000-level snapshot of about 5.4 MB; reported in ms per snapshot. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public int advancedSnapshot50kLevels() {
        return decoder.decode(advancedSnapshot, message).changeCount();
    }

    /** An Exchange feed l2update; ops = level changes. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(CHANGES_PER_UPDATE)
    public int exchangeUpdatePerChange() {
        return decoder.decode(exchangeUpdate, message).changeCount();
    }

    /** An Advanced Trade l2_data update; ops = level changes. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(CHANGES_PER_UPDATE)
    public int advancedUpdatePerChange() {
        return decoder.decode(advancedUpdate, message).changeCount();
    }
}
