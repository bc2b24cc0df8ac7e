package dev.orderbook.launcher;

import dev.orderbook.codec.Protocol;
import dev.orderbook.ingestor.coinbase.FeedClientConfig;
import dev.orderbook.ingestor.auth.Credentials;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/** The feed options shared by {@code ingest} and {@code record}: where to connect and what to subscribe to. */
final class FeedOptions {
    /** Coinbase Exchange market data (public {@code level2_batch}). */
    static final String EXCHANGE_URL = "wss://ws-feed.exchange.coinbase.com";
    /** Coinbase Advanced Trade market data (public {@code level2}). */
    static final String ADVANCED_URL = "wss://advanced-trade-ws.coinbase.com";

    @Option(names = "--url", paramLabel = "URL",
            description = "WebSocket URL (default: Coinbase's real endpoint for the protocol: " + EXCHANGE_URL
                    + " or " + ADVANCED_URL + "); ws://127.0.0.1:N/ for ./orderbook simulate.")
    String url;

    @Option(names = "--protocol", defaultValue = "exchange", paramLabel = "exchange|advanced",
            description = "Exchange feed (level2_batch + heartbeat) or Advanced Trade (level2 + heartbeats) "
                    + "(default: ${DEFAULT-VALUE}).")
    String protocol;

    @Option(names = "--products", split = ",", paramLabel = "A,B,...", defaultValue = "BTC-USD,ETH-USD",
            description = "Products to subscribe to; also their partition order (default: ${DEFAULT-VALUE}).")
    List<String> products;

    @Option(names = "--silence-timeout-ms", paramLabel = "MS", defaultValue = "5000",
            description = "Nothing received for this long (heartbeats come every second) means the connection is "
                    + "dead: gaps are marked and it reconnects (default: ${DEFAULT-VALUE}).")
    long silenceTimeoutMs;

    @Option(names = "--credentials-file", paramLabel = "FILE",
            description = "Coinbase API credentials as a properties file (COINBASE_API_KEY, COINBASE_API_SECRET, "
                    + "COINBASE_API_PASSPHRASE for the Exchange feed's authenticated level2 channel; "
                    + "COINBASE_CDP_KEY_NAME, COINBASE_CDP_PRIVATE_KEY for Advanced Trade). Without it, the same "
                    + "environment variables are read; without either, the public channels are used. Never logged.")
    Path credentialsFile;

    /** Credentials from --credentials-file or the environment, or null for none. */
    Credentials credentials() throws IOException {
        final Optional<Credentials> credentials = credentialsFile != null ? Credentials.fromFile(credentialsFile)
                : Credentials.from(System.getenv());
        return credentials.orElse(null);
    }

    Protocol protocol() {
        return parseProtocol(protocol);
    }

    /** {@code exchange} or {@code advanced}, any case; {@link IllegalArgumentException} with a message otherwise. */
    static Protocol parseProtocol(final String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            case "exchange" -> Protocol.EXCHANGE;
            case "advanced" -> Protocol.ADVANCED;
            default -> throw new IllegalArgumentException("--protocol must be exchange or advanced, was " + name);
        };
    }

    /** The client configuration; throws {@link IllegalArgumentException} with a message for bad values. */
    FeedClientConfig clientConfig() {
        final Protocol p = protocol();
        final String endpoint = url != null ? url : p == Protocol.EXCHANGE ? EXCHANGE_URL : ADVANCED_URL;
        return FeedClientConfig.of(endpoint, p, products).withSilenceTimeout(Duration.ofMillis(silenceTimeoutMs));
    }
}
