package dev.orderbook.launcher;

import dev.orderbook.simulator.market.BatchSizeDistribution;
import dev.orderbook.simulator.market.MarketOptions;
import dev.orderbook.simulator.market.Protocol;
import dev.orderbook.simulator.server.ExchangeSimulator;
import dev.orderbook.simulator.server.SimulatorOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ./orderbook simulate}: a Coinbase-protocol WebSocket server on loopback, fed by the synthetic market or
 * by a recorded file ({@code --input}); optionally with a truth log ({@code --truth-log}) and an admin HTTP server
 * ({@code --admin-port}), so that tests in other processes can check a pipeline against the market and inject
 * faults.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {
            "Runs an exchange simulator until Ctrl-C: a real WebSocket server that speaks the Coinbase Exchange feed "
                    + "(level2_batch + heartbeat) or Advanced Trade (level2 + heartbeats) protocol from a seeded "
                    + "SYNTHETIC market, and prints its URL, so that a feed client can be pointed at "
                    + "ws://127.0.0.1:PORT/.",
            "With --input FILE the market is a recorded feed file instead (NDJSON, optionally gzip, either "
                    + "protocol, as replay reads it): its book messages are applied in order and served at --rate; a "
                    + "subscriber gets a snapshot of the current books, then the file's later messages. At the end "
                    + "of the file the connections stay open with heartbeats only.",
            "Subscribe within 5 s, as on Coinbase; unknown products get an error message.",
            "With --truth-log FILE every market message appends, after it is applied, one NDJSON line per product it "
                    + "touched: {\"product_id\":..,\"time\":..,\"bid_price\":..,\"bid_size\":..,"
                    + "\"ask_price\":..,\"ask_size\":..,\"seq\":N}, where time is the time that message carries "
                    + "on the wire (Exchange time, Advanced Trade envelope timestamp; null if none), prices and sizes "
                    + "the market's best levels (null for an empty side) and seq counts the product's messages from "
                    + "1. Injected faults write no line. Lines reach the file within about 50 ms.",
            "With --admin-port N (0: a free port) an HTTP server on 127.0.0.1 injects faults and tells the true top "
                    + "of book: POST (or GET) /faults/drop, /faults/reset, /faults/skip-sequence, "
                    + "/faults/silence?ms=N, /faults/silence-product?product=P, /faults/unsilence-product?product=P, "
                    + "/faults/cross?product=P, /faults/malformed[?product=P&kind=K], /faults/slow?rate=N, "
                    + "/faults/oversized?bytes=N, /faults/refuse-subscriptions?refuse=true|false; GET /top/P and "
                    + "/health. It prints 'Simulator admin at http://127.0.0.1:PORT/' after the simulator's URL."})
final class SimulateCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "0", paramLabel = "N",
            description = "Port to listen on (default: a free port).")
    int port;

    @Option(names = "--protocol", paramLabel = "exchange|advanced",
            description = "Protocol served (default: exchange; with --input, the file's own).")
    String protocol;

    @Option(names = "--input", paramLabel = "FILE",
            description = "Serve this recorded feed file instead of the synthetic market; --products, --seed and "
                    + "--levels are then unused.")
    Path input;

    @Option(names = "--products", split = ",", paramLabel = "A,B,...", defaultValue = "BTC-USD,ETH-USD",
            description = "Products the market trades (default: ${DEFAULT-VALUE}).")
    List<String> products;

    @Option(names = "--rate", defaultValue = "" + SimulatorOptions.MESSAGES_PER_SECOND_DEFAULT,
            paramLabel = "MESSAGES_PER_SECOND", description = "Update messages per second (default: ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--levels", defaultValue = "" + MarketOptions.LEVELS_PER_SIDE_DEFAULT, paramLabel = "N",
            description = "Levels per side (default: ${DEFAULT-VALUE}).")
    int levels;

    @Option(names = "--truth-log", paramLabel = "FILE",
            description = "Write the market's top of book after every message to this NDJSON file (created or "
                    + "truncated; default: none).")
    Path truthLog;

    @Option(names = "--admin-port", paramLabel = "N",
            description = "Serve the admin HTTP API (faults, /top/PRODUCT, /health) on 127.0.0.1 at this port, 0 "
                    + "for a free one (default: no admin server).")
    Integer adminPort;

    @Override
    public Integer call() {
        final SimulatorOptions options;
        try {
            if (input != null && !Files.isReadable(input)) {
                System.err.println("orderbook simulate: cannot read " + input);
                return 2;
            }
            if (adminPort != null && (adminPort < 0 || adminPort > 65_535)) {
                System.err.println("orderbook simulate: --admin-port must be 0 to 65535, was " + adminPort);
                return 2;
            }
            final Protocol p;
            if (protocol != null) {
                p = Protocol.valueOf(protocol.trim().toUpperCase(Locale.ROOT));
            } else if (input != null) {
                p = ExchangeSimulator.detectProtocol(input);
            } else {
                p = Protocol.EXCHANGE;
            }
            final MarketOptions market = new MarketOptions(MarketOptions.specsFor(products), seed, levels,
                    MarketOptions.DEEP_FRACTION_DEFAULT, BatchSizeDistribution.defaults());
            options = SimulatorOptions.of(p, market).withPort(port).withMessagesPerSecond(rate).withInput(input)
                    .withTruthLog(truthLog)
                    .withAdminPort(adminPort == null ? SimulatorOptions.ADMIN_PORT_NONE : adminPort);
        } catch (final IllegalArgumentException | IOException e) {
            System.err.println("orderbook simulate: " + e.getMessage());
            return 2;
        }
        try {
            ExchangeSimulator.runUntilInterrupted(options, System.out);
            return 0;
        } catch (final IOException e) {
            System.err.println("orderbook simulate: cannot start: " + e.getMessage());
            return 1;
        }
    }
}
