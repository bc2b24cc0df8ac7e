package dev.orderbook.codec;

import dev.orderbook.codec.model.ProductRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The decoder's fast paths (the exact Advanced Trade update template, compact objects and arrays, eight-byte string
 * scanning) must decode exactly as the general path does: same verdict, same error and detail, same values. Each
 * input is decoded twice, once with the fast paths and once with every level read by the general path.
 */
class CoinbaseDecoderFastPathTest {
    private static final String HEAD = "{\"channel\":\"l2_data\",\"client_id\":\"\",\"timestamp\":"
            + "\"2026-08-09T21:05:48.505350477Z\",\"sequence_num\":14,\"events\":[{\"type\":\"update\","
            + "\"product_id\":\"BTC-USD\",\"updates\":[";
    private static final String TAIL = "]}]}";
    private static final String BID = "{\"side\":\"bid\",\"event_time\":\"2026-08-09T21:05:48.210883Z\","
            + "\"price_level\":\"65061.91\",\"new_quantity\":\"0.12345678\"}";
    private static final String OFFER = "{\"side\":\"offer\",\"event_time\":\"2026-08-09T21:05:48.210883Z\","
            + "\"price_level\":\"65070.5\",\"new_quantity\":\"0\"}";

    private final CoinbaseDecoder fast = new CoinbaseDecoder(ProductRegistry.open(),
            CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES, true);
    private final CoinbaseDecoder general = new CoinbaseDecoder(ProductRegistry.open(),
            CoinbaseDecoder.DEFAULT_MAX_MESSAGE_BYTES, false);
    private final FeedMessage fastOut = new FeedMessage();
    private final FeedMessage generalOut = new FeedMessage();

    private String decodeBoth(final byte[] input) {
        fast.decode(input, fastOut);
        general.decode(input, generalOut);
        final String expected = describe(generalOut);
        assertThat(describe(fastOut)).as("fast path on %s", new String(input, StandardCharsets.UTF_8))
                .isEqualTo(expected);
        return expected;
    }

    private String decodeBoth(final String updates) {
        return decodeBoth((HEAD + updates + TAIL).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldDecodeTemplateUpdatesLikeTheGeneralPath() {
        final String decoded = decodeBoth(BID + "," + OFFER + "," + BID);
        assertThat(fastOut.kind()).isEqualTo(MessageKind.BOOK);
        assertThat(fastOut.changeCount()).isEqualTo(3);
        assertThat(decoded).contains("0@650619100000000x1234567800").contains("1@650705000000000x0");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // Accepted, but not in the template's exact shape: the general path or compact objects take them.
        "{\"side\":\"bid\",\"price_level\":\"1.5\",\"new_quantity\":\"2\",\"event_time\":\"t\"}",
        "{\"price_level\":\"1.5\",\"side\":\"bid\",\"event_time\":\"t\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"2\",\"x\":\"y\"}",
        "{ \"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\": \"bid\",\"event_time\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"2\" }",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}\n",
        "{\"side\":\"b\\u0069d\",\"event_time\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\\\"quoted\\\"\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"\\\\\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"1\\u002e5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_\\u0074ime\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"2026-08-09T21:05:48Z é\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"123456789012.1234567\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":null,\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":12,\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"side\":\"offer\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        // Rejected: bad values, sides, types and syntax, in and out of the template's shape.
        "{\"side\":\"ask\",\"event_time\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"\",\"event_time\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"-1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"1e3\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":1.5,\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"1.5\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\tx\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\u0001\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\\x\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"},",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"2\",}",
        "{\"side\":\"bid\",\"event_time\":\"t\",\"price_level\":\"1.5\"\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\",\"event_time\":\"t,\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
        "{\"side\":\"bid\"\"event_time\":\"t\",\"price_level\":\"1.5\",\"new_quantity\":\"2\"}",
    })
    void shouldDecodeOtherShapesLikeTheGeneralPath(final String update) {
        decodeBoth(update);
        decodeBoth(BID + "," + update);
        decodeBoth(update + "," + OFFER);
    }

    @Test
    void shouldStopAtTheEndOfTheMessageInsideATemplateUpdate() {
        final String whole = HEAD + BID + TAIL;
        for (int cut = HEAD.length(); cut < whole.length(); cut++) {
            decodeBoth(whole.substring(0, cut).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldDecodeMutatedUpdatesLikeTheGeneralPath() {
        final byte[] alphabet = "{}[]\",:.-0123456789eE \\u\tbidofferXé\u0001".getBytes(StandardCharsets.UTF_8);
        final byte[] original = (HEAD + BID + "," + OFFER + "," + BID + TAIL).getBytes(StandardCharsets.UTF_8);
        final SplittableRandom random = new SplittableRandom(20261125);
        int books = 0;
        for (int i = 0; i < 20_000; i++) {
            final byte[] input = original.clone();
            final int edits = 1 + random.nextInt(2);
            for (int e = 0; e < edits; e++) {
                // Mostly inside the updates, where the fast paths are.
                input[HEAD.length() + random.nextInt(original.length - HEAD.length())] =
                        alphabet[random.nextInt(alphabet.length)];
            }
            decodeBoth(input);
            if (fastOut.kind() == MessageKind.BOOK) {
                books++;
            }
        }
        assertThat(books).isGreaterThan(1_000);
    }

    @Test
    void shouldDecodeExchangeMessagesLikeTheGeneralPath() {
        decodeBoth(("{\"type\":\"l2update\",\"product_id\":\"BTC-USD\",\"changes\":[[\"buy\",\"65000.01\","
                + "\"0.5\"],[\"sell\",\"65000.10\",\"0\"],[ \"sell\",\"1\",\"2\"],[\"sell\",\"1\\u0030\",\"2\"]]}")
                .getBytes(StandardCharsets.UTF_8));
        decodeBoth(("{\"type\":\"snapshot\",\"product_id\":\"BTC-USD\",\"bids\":[[\"1.5\",\"2\"],[\"1.4\",\"3\",\"x\"]],"
                + "\"asks\":[[\"1.6\",\"2\"]]}").getBytes(StandardCharsets.UTF_8));
    }

    private static String describe(final FeedMessage m) {
        final StringBuilder sb = new StringBuilder(m.toString()).append(" time=").append(m.time())
                .append(" seq=").append(m.sequence());
        if (m.kind() == MessageKind.INVALID) {
            return sb.toString();
        }
        for (int e = 0; e < m.eventCount(); e++) {
            sb.append(" [").append(m.eventProduct(e)).append(' ').append(m.eventType(e));
            for (int i = m.eventStart(e); i < m.eventEnd(e); i++) {
                sb.append(' ').append(m.sideCode(i)).append('@').append(m.priceTicks(i)).append('x')
                        .append(m.sizeLots(i));
            }
            sb.append(']');
        }
        return sb.toString();
    }
}
