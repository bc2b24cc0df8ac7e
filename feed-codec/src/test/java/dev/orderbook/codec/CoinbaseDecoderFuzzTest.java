package dev.orderbook.codec;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.orderbook.codec.model.ProductRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Differential fuzzing of the decoder's hand-written JSON reader against Jackson, the reference strict parser:
 * thousands of seeded mutations of the wire-format fixtures. The decoder must never throw, must call a document
 * invalid JSON exactly when Jackson does, and must decode a valid document the same way whatever its whitespace.
 */
class CoinbaseDecoderFuzzTest {
    private static final ObjectMapper JACKSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final List<String> FIXTURES = List.of("exchange-snapshot.json",
            "exchange-l2update-zero-spellings.json", "exchange-heartbeat.json", "exchange-subscriptions.json",
            "exchange-error.json", "advanced-snapshot.json", "advanced-update-two-products.json",
            "advanced-subscriptions.json", "advanced-heartbeats.json", "fields-reordered.json");
    // ASCII only, weighted towards JSON's structural characters; the reader does not validate UTF-8 by design.
    private static final byte[] ALPHABET = "{}[]\",:.-+0123456789eEtrufalsn \\/bfnrtu\tabcdefXYZ".getBytes();

    private static byte[] fixture(final String name) {
        try (InputStream in = CoinbaseDecoderFuzzTest.class.getResourceAsStream("/coinbase/" + name)) {
            return in.readAllBytes();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean jacksonAccepts(final byte[] json) {
        try {
            final JsonNode node = JACKSON.readTree(json);
            return node != null && !node.isMissingNode();
        } catch (final IOException e) {
            return false;
        }
    }

    private static byte[] mutate(final byte[] original, final SplittableRandom random) {
        byte[] b = original.clone();
        final int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits; e++) {
            final int at = random.nextInt(b.length);
            switch (random.nextInt(4)) {
                case 0 -> b[at] = ALPHABET[random.nextInt(ALPHABET.length)];
                case 1 -> {
                    final byte[] shorter = new byte[b.length - 1];
                    System.arraycopy(b, 0, shorter, 0, at);
                    System.arraycopy(b, at + 1, shorter, at, b.length - at - 1);
                    b = shorter.length == 0 ? b : shorter;
                }
                case 2 -> {
                    final byte[] longer = new byte[b.length + 1];
                    System.arraycopy(b, 0, longer, 0, at);
                    longer[at] = ALPHABET[random.nextInt(ALPHABET.length)];
                    System.arraycopy(b, at, longer, at + 1, b.length - at);
                    b = longer;
                }
                default -> {
                    final byte[] truncated = new byte[Math.max(1, at)];
                    System.arraycopy(b, 0, truncated, 0, truncated.length);
                    b = truncated;
                }
            }
        }
        return b;
    }

    @Test
    void shouldAgreeWithJacksonOnWhichMutatedMessagesAreValidJson() {
        final CoinbaseDecoder decoder = new CoinbaseDecoder(ProductRegistry.open());
        final FeedMessage msg = new FeedMessage();
        final SplittableRandom random = new SplittableRandom(20261124);
        int invalid = 0;
        int valid = 0;
        for (int i = 0; i < 40_000; i++) {
            final byte[] input = mutate(fixture(FIXTURES.get(i % FIXTURES.size())), random);
            decoder.decode(input, msg);
            final boolean ours = msg.kind() != MessageKind.INVALID || msg.error() != DecodeError.INVALID_JSON;
            assertThat(ours).as("verdict on %s (%s)", new String(input), msg).isEqualTo(jacksonAccepts(input));
            if (ours) {
                valid++;
            } else {
                invalid++;
            }
        }
        // The mutations must exercise both verdicts substantially.
        assertThat(invalid).isGreaterThan(10_000);
        assertThat(valid).isGreaterThan(2_000);
    }

    @Test
    void shouldDecodePrettyPrintedAndEscapedMessagesLikeCompactOnes() throws IOException {
        final CoinbaseDecoder decoder = new CoinbaseDecoder(ProductRegistry.open());
        final FeedMessage compact = new FeedMessage();
        final FeedMessage pretty = new FeedMessage();
        for (final String name : FIXTURES) {
            final byte[] original = fixture(name);
            final byte[] reformatted = JACKSON.writerWithDefaultPrettyPrinter()
                    .writeValueAsBytes(JACKSON.readTree(original));
            decoder.decode(original, compact);
            final String expected = compact.toString() + describe(compact);
            decoder.decode(reformatted, pretty);
            assertThat(pretty.toString() + describe(pretty)).as(name).isEqualTo(expected);
        }
        // Escapes are JSON: "\u0062uy" is "buy" and "6\u0035000.01" is "65000.01".
        decoder.decode(("{\"type\":\"l2update\",\"product_id\":\"BTC\\u002dUSD\",\"changes\":"
                + "[[\"\\u0062uy\",\"6\\u0035000.01\",\"1\"]]}").getBytes(), compact);
        assertThat(compact.kind()).isEqualTo(MessageKind.BOOK);
        assertThat(compact.eventProduct(0).id()).isEqualTo("BTC-USD");
        assertThat(compact.priceTicks(0)).isEqualTo(650_000_100_000_000L);
    }

    private static String describe(final FeedMessage m) {
        final StringBuilder sb = new StringBuilder(" time=").append(m.time()).append(" seq=").append(m.sequence());
        for (int e = 0; e < m.eventCount(); e++) {
            sb.append(" [").append(m.eventProduct(e)).append(' ').append(m.eventType(e));
            for (int i = m.eventStart(e); i < m.eventEnd(e); i++) {
                sb.append(' ').append(m.sideCode(i)).append('@').append(m.priceTicks(i)).append('x')
                        .append(m.sizeLots(i));
            }
            sb.append(']');
        }
        return sb.append(' ').append(m.subscriptions()).append(' ').append(m.errorMessage()).toString();
    }
}
