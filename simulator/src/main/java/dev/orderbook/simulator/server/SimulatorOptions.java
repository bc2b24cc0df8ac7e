package dev.orderbook.simulator.server;

import dev.orderbook.codec.CoinbaseDecoder;
import dev.orderbook.simulator.market.MarketOptions;
import dev.orderbook.simulator.market.Protocol;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How an {@link ExchangeSimulator} runs. Immutable; validated on construction. Start from {@link #of} and adjust
 * with the {@code with...} methods.
 *
 * @param protocol          the Coinbase protocol spoken; may not be null
 * @param port              TCP port to listen on, {@code 0} for any free port
 * @param marketOptions     the synthetic market (products, seed, depth); may not be null; unused with {@code input}
 * @param messagesPerSecond market update messages generated per second, in {@code [1, MAX_MESSAGES_PER_SECOND]};
 *                          each goes to every connection subscribed to its product
 * @param maxMessageBytes   largest text message the server accepts from a client, in bytes; also the size of its
 *                          incoming buffer
 * @param subscribeTimeout  a connection that has not subscribed this long after opening is closed; positive
 * @param input             a recorded NDJSON file (optionally gzip, either protocol) whose book messages replace
 *                          the synthetic market, served at {@code messagesPerSecond}; null for the synthetic market
 * @param truthLog          a file to write the truth log to (created or truncated at start; one {@link TopOfBook}
 *                          line per product each market message touched); null for none
 * @param adminPort         port of the admin HTTP server on 127.0.0.1 ({@link SimulatorAdminServer}), {@code 0}
 *                          for any free port, {@link #ADMIN_PORT_NONE} for no admin server
 */
public record SimulatorOptions(Protocol protocol, int port, MarketOptions marketOptions, int messagesPerSecond,
                               int maxMessageBytes, Duration subscribeTimeout, Path input, Path truthLog,
                               int adminPort) {

    /** Default rate: a busy but realistic feed; tests raise it to measure throughput. */
    public static final int MESSAGES_PER_SECOND_DEFAULT = 1_000;
    /** Highest rate accepted; the sender is measured to reach 50,000 messages/s on loopback. */
    public static final int MAX_MESSAGES_PER_SECOND = 1_000_000;
    /** Default incoming buffer: generous, as COINBASE.md asks of WebSocket buffers (16 MiB). */
    public static final int MAX_MESSAGE_BYTES_DEFAULT = CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES;
    /** Coinbase closes a connection that has not subscribed within 5 s of connecting. */
    public static final Duration SUBSCRIBE_TIMEOUT_DEFAULT = Duration.ofSeconds(5);
    /** {@link #adminPort()} meaning "no admin server" (the default). */
    public static final int ADMIN_PORT_NONE = -1;

    public SimulatorOptions {
        if (protocol == null) {
            throw new IllegalArgumentException("protocol may not be null");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be in [0, 65535], was " + port);
        }
        if (marketOptions == null) {
            throw new IllegalArgumentException("marketOptions may not be null");
        }
        checkRate(messagesPerSecond);
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException("maxMessageBytes must be at least 1024, was " + maxMessageBytes);
        }
        if (subscribeTimeout == null || subscribeTimeout.isNegative() || subscribeTimeout.isZero()) {
            throw new IllegalArgumentException("subscribeTimeout must be positive, was " + subscribeTimeout);
        }
        if (adminPort < ADMIN_PORT_NONE || adminPort > 65_535) {
            throw new IllegalArgumentException("adminPort must be in [0, 65535], or -1 for none, was " + adminPort);
        }
    }

    /** Options without a recorded input (the synthetic market) and without a truth log. */
    public SimulatorOptions(final Protocol protocol, final int port, final MarketOptions marketOptions,
                            final int messagesPerSecond, final int maxMessageBytes, final Duration subscribeTimeout) {
        this(protocol, port, marketOptions, messagesPerSecond, maxMessageBytes, subscribeTimeout, null, null,
                ADMIN_PORT_NONE);
    }

    /** Options without a truth log or admin server. */
    public SimulatorOptions(final Protocol protocol, final int port, final MarketOptions marketOptions,
                            final int messagesPerSecond, final int maxMessageBytes, final Duration subscribeTimeout,
                            final Path input) {
        this(protocol, port, marketOptions, messagesPerSecond, maxMessageBytes, subscribeTimeout, input, null,
                ADMIN_PORT_NONE);
    }

    /** Options for {@code protocol} and {@code market} on a free port with every other setting at its default. */
    public static SimulatorOptions of(final Protocol protocol, final MarketOptions market) {
        return new SimulatorOptions(protocol, 0, market, MESSAGES_PER_SECOND_DEFAULT, MAX_MESSAGE_BYTES_DEFAULT,
                SUBSCRIBE_TIMEOUT_DEFAULT, null, null, ADMIN_PORT_NONE);
    }

    /** Options for the given products (built-in parameters, default depth) and seed; see {@link #of}. */
    public static SimulatorOptions of(final Protocol protocol, final List<String> productIds, final long seed) {
        return of(protocol, MarketOptions.of(productIds, seed));
    }

    /**
     * Options serving a recorded file in {@code protocol}: products come from the file (every {@code product_id}
     * in it); every other setting at its default. See {@link ExchangeSimulator#detectProtocol} to serve a file in
     * its own protocol.
     *
     * @param input the NDJSON file (optionally gzip); may not be null
     */
    public static SimulatorOptions ofRecording(final Protocol protocol, final Path input) {
        if (input == null) {
            throw new IllegalArgumentException("input may not be null");
        }
        return of(protocol, MarketOptions.of(List.of("BTC-USD"), 0)).withInput(input);
    }

    public SimulatorOptions withPort(final int newPort) {
        return new SimulatorOptions(protocol, newPort, marketOptions, messagesPerSecond, maxMessageBytes,
                subscribeTimeout, input, truthLog, adminPort);
    }

    public SimulatorOptions withMessagesPerSecond(final int rate) {
        return new SimulatorOptions(protocol, port, marketOptions, rate, maxMessageBytes, subscribeTimeout, input,
                truthLog, adminPort);
    }

    public SimulatorOptions withMaxMessageBytes(final int bytes) {
        return new SimulatorOptions(protocol, port, marketOptions, messagesPerSecond, bytes, subscribeTimeout,
                input, truthLog, adminPort);
    }

    public SimulatorOptions withSubscribeTimeout(final Duration timeout) {
        return new SimulatorOptions(protocol, port, marketOptions, messagesPerSecond, maxMessageBytes, timeout,
                input, truthLog, adminPort);
    }

    /** The same options with the market read from {@code file} (null: back to the synthetic market). */
    public SimulatorOptions withInput(final Path file) {
        return new SimulatorOptions(protocol, port, marketOptions, messagesPerSecond, maxMessageBytes,
                subscribeTimeout, file, truthLog, adminPort);
    }

    /**
     * The same options writing the truth log to {@code file} (null: no truth log): created or truncated when the
     * simulator starts, then one NDJSON line ({@link TopOfBook#toJson()}) per product each market message touched,
     * written after the message was applied; visible to other processes within about 50 ms; flushed and closed by
     * {@link ExchangeSimulator#close()}.
     */
    public SimulatorOptions withTruthLog(final Path file) {
        return new SimulatorOptions(protocol, port, marketOptions, messagesPerSecond, maxMessageBytes,
                subscribeTimeout, input, file, adminPort);
    }

    /**
     * The same options with an admin HTTP server on 127.0.0.1 at {@code newPort} ({@code 0}: any free port,
     * {@link #ADMIN_PORT_NONE}: none): faults and the true top of book for a simulator in another process; see
     * {@link SimulatorAdminServer}.
     */
    public SimulatorOptions withAdminPort(final int newPort) {
        return new SimulatorOptions(protocol, port, marketOptions, messagesPerSecond, maxMessageBytes,
                subscribeTimeout, input, truthLog, newPort);
    }

    static void checkRate(final int messagesPerSecond) {
        if (messagesPerSecond < 1 || messagesPerSecond > MAX_MESSAGES_PER_SECOND) {
            throw new IllegalArgumentException("messagesPerSecond must be in [1, " + MAX_MESSAGES_PER_SECOND
                    + "], was " + messagesPerSecond);
        }
    }
}
