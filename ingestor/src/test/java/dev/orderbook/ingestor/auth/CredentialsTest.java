package dev.orderbook.ingestor.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CredentialsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String SECRET = Base64.getEncoder().encodeToString("not-a-real-secret-32-bytes-long!"
            .getBytes(StandardCharsets.UTF_8));
    private static final String KEY_NAME = "organizations/org-1/apiKeys/key-1";

    private static String resource(final String name) throws Exception {
        try (InputStream in = CredentialsTest.class.getResourceAsStream("/auth/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldBeEmptyWhenNoCredentialsAreSet() {
        assertThat(Credentials.from(Map.of("PATH", "/bin"))).isEmpty();
    }

    @Test
    void shouldRefuseIncompleteExchangeCredentialsNamingWhatIsMissingButNoSecret() {
        assertThatThrownBy(() -> Credentials.from(Map.of(Credentials.API_KEY, "k", Credentials.API_SECRET, SECRET)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Credentials.API_PASSPHRASE)
                .hasMessageNotContaining(SECRET);
    }

    @Test
    void shouldNeverShowSecretsInToString() throws Exception {
        final Credentials credentials = Credentials.from(Map.of(Credentials.API_KEY, "abcdefgh",
                Credentials.API_SECRET, SECRET, Credentials.API_PASSPHRASE, "pass-phrase",
                Credentials.CDP_KEY_NAME, KEY_NAME, Credentials.CDP_PRIVATE_KEY, resource("test-ec-sec1.pem")))
                .orElseThrow();
        assertThat(credentials.toString()).doesNotContain(SECRET, "pass-phrase", "PRIVATE", "abcdefgh")
                .contains("abcd", KEY_NAME);
    }

    @Test
    void shouldSignExchangeSubscriptionsWithHmacOfTimestampMethodAndPath() throws Exception {
        // Given
        final ExchangeSigner signer = Credentials.from(Map.of(Credentials.API_KEY, "key-1",
                Credentials.API_SECRET, SECRET, Credentials.API_PASSPHRASE, "pp")).orElseThrow().exchange()
                .orElseThrow();
        // When
        final JsonNode fields = MAPPER.readTree("{" + signer.subscribeFields(1_764_000_000L) + "}");
        // Then
        final Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET), "HmacSHA256"));
        final String expected = Base64.getEncoder().encodeToString(
                mac.doFinal("1764000000GET/users/self/verify".getBytes(StandardCharsets.UTF_8)));
        assertThat(fields.get("signature").asText()).isEqualTo(expected);
        assertThat(fields.get("key").asText()).isEqualTo("key-1");
        assertThat(fields.get("passphrase").asText()).isEqualTo("pp");
        assertThat(fields.get("timestamp").asText()).isEqualTo("1764000000");
    }

    @ParameterizedTest
    @ValueSource(strings = {"test-ec-sec1.pem", "test-ec-pkcs8.pem"})
    void shouldMakeAnEs256JwtThatTheKeysPublicHalfVerifies(final String pem) throws Exception {
        // Given (the key as an environment variable would hold it, newlines escaped)
        final AdvancedTradeJwt maker = Credentials.from(Map.of(Credentials.CDP_KEY_NAME, KEY_NAME,
                Credentials.CDP_PRIVATE_KEY, resource(pem).replace("\n", "\\n"))).orElseThrow().advancedTrade()
                .orElseThrow();
        // When
        final String jwt = maker.jwt(1_764_000_000L);
        // Then
        final String[] parts = jwt.split("\\.");
        assertThat(parts).hasSize(3);
        final JsonNode header = MAPPER.readTree(Base64.getUrlDecoder().decode(parts[0]));
        final JsonNode claims = MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
        assertThat(header.get("alg").asText()).isEqualTo("ES256");
        assertThat(header.get("kid").asText()).isEqualTo(KEY_NAME);
        assertThat(header.get("nonce").asText()).hasSize(32);
        assertThat(claims.get("iss").asText()).isEqualTo("cdp");
        assertThat(claims.get("sub").asText()).isEqualTo(KEY_NAME);
        assertThat(claims.get("exp").asLong() - claims.get("nbf").asLong()).isEqualTo(120);
        final Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(publicKey());
        verifier.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
        assertThat(verifier.verify(joseToDer(Base64.getUrlDecoder().decode(parts[2])))).isTrue();
        assertThat(maker.jwt(1_764_000_000L)).as("a fresh nonce per token").isNotEqualTo(jwt);
    }

    @Test
    void shouldRefuseAKeyThatIsNotAnEcPemWithoutQuotingIt() {
        assertThatThrownBy(() -> Credentials.from(Map.of(Credentials.CDP_KEY_NAME, KEY_NAME,
                Credentials.CDP_PRIVATE_KEY, "-----BEGIN EC PRIVATE KEY-----\nAAAAsecretish\n-----END EC PRIVATE KEY-----")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("AAAAsecretish");
    }

    @Test
    void shouldReadTheSameNamesFromAPropertiesFile(@TempDir final Path dir) throws Exception {
        final Path file = Files.writeString(dir.resolve("coinbase.properties"), Credentials.API_KEY + "=k\n"
                + Credentials.API_SECRET + "=" + SECRET + "\n" + Credentials.API_PASSPHRASE + "=p\n");
        assertThat(Credentials.fromFile(file).orElseThrow().exchange()).isPresent();
    }

    private static PublicKey publicKey() throws Exception {
        final String base64 = resource("test-ec-public.pem").replaceAll("-----[A-Z ]+-----", "")
                .replaceAll("\\s", "");
        return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
    }

    private static byte[] joseToDer(final byte[] jose) {
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int part = 0; part < 2; part++) {
            final byte[] integer = new BigInteger(1, Arrays.copyOfRange(jose, part * 32, part * 32 + 32))
                    .toByteArray();
            body.write(0x02);
            body.write(integer.length);
            body.writeBytes(integer);
        }
        final ByteArrayOutputStream der = new ByteArrayOutputStream();
        der.write(0x30);
        der.write(body.size());
        der.writeBytes(body.toByteArray());
        return der.toByteArray();
    }
}
