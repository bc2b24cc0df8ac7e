package dev.orderbook.simulator.server;

import com.fasterxml.jackson.databind.JsonNode;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The simulator's side of an authenticated Exchange subscription: the request's {@code key} and
 * {@code passphrase} must match, its {@code timestamp} (Unix seconds) be within 30 s of now, and its
 * {@code signature} be the base64 HMAC-SHA256, keyed with the base64-decoded secret, of
 * {@code timestamp + "GET/users/self/verify"}. Thread-safe.
 */
public final class ExchangeAuth {
    private static final long MAX_SKEW_SECONDS = 30;

    private final String key;
    private final byte[] secret;
    private final String passphrase;

    /**
     * @param base64Secret the API secret as Coinbase hands it out (base64)
     */
    public ExchangeAuth(final String key, final String base64Secret, final String passphrase) {
        this.key = key;
        this.secret = Base64.getDecoder().decode(base64Secret);
        this.passphrase = passphrase;
    }

    boolean verifies(final JsonNode request) {
        final String timestamp = request.path("timestamp").asText("");
        final long seconds;
        try {
            seconds = Long.parseLong(timestamp);
        } catch (final NumberFormatException e) {
            return false;
        }
        if (Math.abs(System.currentTimeMillis() / 1000 - seconds) > MAX_SKEW_SECONDS
                || !key.equals(request.path("key").asText()) || !passphrase.equals(request.path("passphrase").asText())) {
            return false;
        }
        try {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            final byte[] expected = mac.doFinal((timestamp + "GET/users/self/verify").getBytes(StandardCharsets.UTF_8));
            final byte[] given = Base64.getDecoder().decode(request.path("signature").asText(""));
            return MessageDigest.isEqual(expected, given);
        } catch (final GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
