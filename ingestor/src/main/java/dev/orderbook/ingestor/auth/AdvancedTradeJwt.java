package dev.orderbook.ingestor.auth;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Makes the JWT an Advanced Trade subscribe message may carry ({@code "jwt":…}): ES256, header
 * {@code {"alg":"ES256","kid":KEY_NAME,"nonce":RANDOM,"typ":"JWT"}}, claims
 * {@code {"iss":"cdp","nbf":NOW,"exp":NOW+120,"sub":KEY_NAME}}. A JWT expires after two minutes, so a fresh one is
 * made for every subscribe message. Thread-safe.
 */
public final class AdvancedTradeJwt {
    /** Lifetime Coinbase allows. */
    public static final long LIFETIME_SECONDS = 120;
    // DER prefix of a PKCS#8 PrivateKeyInfo wrapping a SEC1 P-256 key: version 0, id-ecPublicKey, prime256v1.
    private static final byte[] EC_P256_ALGORITHM = {
        0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08,
        0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x03, 0x01, 0x07};
    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

    private final String keyName;
    private final PrivateKey key;
    private final SecureRandom random = new SecureRandom();

    AdvancedTradeJwt(final String keyName, final String privateKeyPem) {
        this.keyName = keyName;
        this.key = parse(privateKeyPem);
    }

    /** The key name (not secret). */
    public String keyName() {
        return keyName;
    }

    /** A JWT valid from {@code epochSeconds} for {@link #LIFETIME_SECONDS}. */
    public String jwt(final long epochSeconds) {
        final byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        final String header = "{\"alg\":\"ES256\",\"kid\":\"" + ExchangeSigner.escape(keyName) + "\",\"nonce\":\""
                + HexFormat.of().formatHex(nonce) + "\",\"typ\":\"JWT\"}";
        final String claims = "{\"iss\":\"cdp\",\"nbf\":" + epochSeconds + ",\"exp\":"
                + (epochSeconds + LIFETIME_SECONDS) + ",\"sub\":\"" + ExchangeSigner.escape(keyName) + "\"}";
        final String signingInput = URL.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + URL.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
        try {
            final Signature signature = Signature.getInstance("SHA256withECDSA");
            signature.initSign(key);
            signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + URL.encodeToString(derToJose(signature.sign()));
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("ES256 signing failed", e);
        }
    }

    /** JWS wants R||S, 32 bytes each; the JDK gives an ASN.1 DER SEQUENCE of two INTEGERs. */
    static byte[] derToJose(final byte[] der) {
        int i = 2;
        if ((der[1] & 0x80) != 0) {
            i += der[1] & 0x7F;
        }
        final byte[] out = new byte[64];
        for (int part = 0; part < 2; part++) {
            final int len = der[i + 1];
            final BigInteger value = new BigInteger(1, Arrays.copyOfRange(der, i + 2, i + 2 + len));
            final byte[] bytes = value.toByteArray();
            final int start = bytes.length > 32 ? bytes.length - 32 : 0;
            final int copy = bytes.length - start;
            System.arraycopy(bytes, start, out, part * 32 + 32 - copy, copy);
            i += 2 + len;
        }
        return out;
    }

    private static PrivateKey parse(final String pem) {
        final boolean sec1 = pem.contains("BEGIN EC PRIVATE KEY");
        if (!sec1 && !pem.contains("BEGIN PRIVATE KEY")) {
            throw new IllegalArgumentException(Credentials.CDP_PRIVATE_KEY
                    + " must be a PEM EC private key (BEGIN EC PRIVATE KEY or BEGIN PRIVATE KEY)");
        }
        final String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            byte[] der = Base64.getDecoder().decode(base64);
            if (sec1) {
                der = pkcs8(der);
            }
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (final IllegalArgumentException | GeneralSecurityException e) {
            // Never the key material in the message.
            throw new IllegalArgumentException(Credentials.CDP_PRIVATE_KEY + " could not be read as a P-256 key");
        }
    }

    /** Wraps a SEC1 ECPrivateKey in a PKCS#8 PrivateKeyInfo (P-256). */
    private static byte[] pkcs8(final byte[] sec1) {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(EC_P256_ALGORITHM);
        body.write(0x04);
        writeLength(body, sec1.length);
        body.writeBytes(sec1);
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        writeLength(out, body.size());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static void writeLength(final ByteArrayOutputStream out, final int length) {
        if (length < 0x80) {
            out.write(length);
        } else if (length < 0x100) {
            out.write(0x81);
            out.write(length);
        } else {
            out.write(0x82);
            out.write(length >> 8);
            out.write(length & 0xFF);
        }
    }
}
