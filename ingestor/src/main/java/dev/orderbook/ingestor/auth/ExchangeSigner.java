package dev.orderbook.ingestor.auth;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * Signs an Exchange feed subscription as Coinbase asks for the authenticated channels: the subscribe message carries
 * {@code key}, {@code passphrase}, {@code timestamp} (Unix seconds) and {@code signature}, the base64 HMAC-SHA256,
 * keyed with the base64-decoded secret, of {@code timestamp + "GET" + "/users/self/verify"}. Thread-safe.
 */
public final class ExchangeSigner {
    private static final String REQUEST = "GET/users/self/verify";

    private final String key;
    private final byte[] secret;
    private final String passphrase;

    ExchangeSigner(final String key, final String base64Secret, final String passphrase) {
        this.key = key;
        try {
            this.secret = Base64.getDecoder().decode(base64Secret);
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException(Credentials.API_SECRET + " is not valid base64");
        }
        this.passphrase = passphrase;
    }

    /**
     * The JSON fields to add to a subscribe message (without braces), for example
     * {@code "signature":"…","key":"…","passphrase":"…","timestamp":"1764000000"}.
     */
    public String subscribeFields(final long epochSeconds) {
        final String timestamp = Long.toString(epochSeconds);
        return "\"signature\":\"" + sign(timestamp) + "\",\"key\":\"" + escape(key) + "\",\"passphrase\":\""
                + escape(passphrase) + "\",\"timestamp\":\"" + timestamp + "\"";
    }

    /** The signature for a timestamp. */
    String sign(final String timestamp) {
        try {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(
                    mac.doFinal((timestamp + REQUEST).getBytes(StandardCharsets.UTF_8)));
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    /** The first characters of the key, for logs. */
    String keyHint() {
        return key.length() <= 4 ? "****" : key.substring(0, 4) + "…";
    }

    static String escape(final String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
