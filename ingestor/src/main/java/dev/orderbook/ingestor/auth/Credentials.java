package dev.orderbook.ingestor.auth;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * Optional Coinbase API credentials. Market data works without them; with them the Exchange feed subscribes to the
 * authenticated, unbatched {@code level2} channel, and Advanced Trade subscribe messages carry a fresh JWT.
 *
 * <p>Read from the environment or from a properties file with the same names (never from the command line, which
 * other users of the machine can read):
 * <ul>
 *   <li>Exchange: {@code COINBASE_API_KEY}, {@code COINBASE_API_SECRET} (base64), {@code COINBASE_API_PASSPHRASE};</li>
 *   <li>Advanced Trade: {@code COINBASE_CDP_KEY_NAME} ({@code organizations/…/apiKeys/…}) and
 *       {@code COINBASE_CDP_PRIVATE_KEY} (the EC private key PEM, SEC1 or PKCS#8; {@code \n} escapes allowed).</li>
 * </ul>
 * Secrets never appear in {@link #toString()} or in logs.
 */
public final class Credentials {
    public static final String API_KEY = "COINBASE_API_KEY";
    public static final String API_SECRET = "COINBASE_API_SECRET";
    public static final String API_PASSPHRASE = "COINBASE_API_PASSPHRASE";
    public static final String CDP_KEY_NAME = "COINBASE_CDP_KEY_NAME";
    public static final String CDP_PRIVATE_KEY = "COINBASE_CDP_PRIVATE_KEY";

    private final ExchangeSigner exchange;
    private final AdvancedTradeJwt advanced;

    private Credentials(final ExchangeSigner exchange, final AdvancedTradeJwt advanced) {
        this.exchange = exchange;
        this.advanced = advanced;
    }

    /** Credentials from these variables, or empty when none are set. */
    public static Optional<Credentials> from(final Map<String, String> values) {
        final String key = blankToNull(values.get(API_KEY));
        final String secret = blankToNull(values.get(API_SECRET));
        final String passphrase = blankToNull(values.get(API_PASSPHRASE));
        final String keyName = blankToNull(values.get(CDP_KEY_NAME));
        final String privateKey = blankToNull(values.get(CDP_PRIVATE_KEY));
        ExchangeSigner exchange = null;
        if (key != null || secret != null || passphrase != null) {
            if (key == null || secret == null || passphrase == null) {
                throw new IllegalArgumentException("Exchange credentials need all of " + API_KEY + ", " + API_SECRET
                        + " and " + API_PASSPHRASE);
            }
            exchange = new ExchangeSigner(key, secret, passphrase);
        }
        AdvancedTradeJwt advanced = null;
        if (keyName != null || privateKey != null) {
            if (keyName == null || privateKey == null) {
                throw new IllegalArgumentException("Advanced Trade credentials need both " + CDP_KEY_NAME + " and "
                        + CDP_PRIVATE_KEY);
            }
            advanced = new AdvancedTradeJwt(keyName, privateKey.replace("\\n", "\n"));
        }
        return exchange == null && advanced == null ? Optional.empty()
                : Optional.of(new Credentials(exchange, advanced));
    }

    /** Credentials from a properties file holding the same names as the environment variables. */
    public static Optional<Credentials> fromFile(final Path file) throws IOException {
        final Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        final Map<String, String> values = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> values.put(name, properties.getProperty(name)));
        return from(values);
    }

    /** The Exchange signer, if Exchange credentials were given. */
    public Optional<ExchangeSigner> exchange() {
        return Optional.ofNullable(exchange);
    }

    /** The Advanced Trade JWT maker, if Advanced Trade credentials were given. */
    public Optional<AdvancedTradeJwt> advancedTrade() {
        return Optional.ofNullable(advanced);
    }

    @Override
    public String toString() {
        return "Credentials[exchange=" + (exchange == null ? "none" : "key " + exchange.keyHint())
                + ", advancedTrade=" + (advanced == null ? "none" : "key " + advanced.keyName()) + ", secrets=***]";
    }

    private static String blankToNull(final String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
