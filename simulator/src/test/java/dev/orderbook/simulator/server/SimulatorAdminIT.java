package dev.orderbook.simulator.server;

import dev.orderbook.simulator.market.Protocol;

import com.fasterxml.jackson.databind.JsonNode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admin HTTP server ({@link SimulatorAdminServer}) driven by real HTTP requests against a started simulator. */
class SimulatorAdminIT {
    private final HttpClient http = HttpClient.newHttpClient();

    private static ExchangeSimulator started(final SimulatorOptions options) throws IOException {
        return ExchangeSimulator.start(options.withAdminPort(0));
    }

    private HttpResponse<String> post(final ExchangeSimulator simulator, final String pathAndQuery)
            throws IOException, InterruptedException {
        return send(simulator, "POST", pathAndQuery);
    }

    private HttpResponse<String> get(final ExchangeSimulator simulator, final String pathAndQuery)
            throws IOException, InterruptedException {
        return send(simulator, "GET", pathAndQuery);
    }

    private HttpResponse<String> send(final ExchangeSimulator simulator, final String method,
                                      final String pathAndQuery) throws IOException, InterruptedException {
        final URI uri = URI.create(simulator.adminUrl()).resolve(pathAndQuery);
        return http.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(final HttpResponse<String> response) {
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        try {
            return FeedTestClient.JSON.readTree(response.body());
        } catch (final IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    @Test
    void healthShouldDescribeTheRunningSimulator() throws Exception {
        try (ExchangeSimulator simulator = started(ExchangeFeedSimulatorIT.options(200))) {
            final HttpResponse<String> response = get(simulator, "/health");

            assertThat(response.statusCode()).isEqualTo(200);
            final JsonNode health = json(response);
            assertThat(health.get("status").asText()).isEqualTo("ok");
            assertThat(health.get("protocol").asText()).isEqualTo("EXCHANGE");
            assertThat(health.get("url").asText()).isEqualTo(simulator.url());
            assertThat(health.get("products").toString()).isEqualTo("[\"BTC-USD\",\"ETH-USD\"]");
            assertThat(health.get("faults_injected").asLong()).isZero();
            assertThat(simulator.adminUrl()).isEqualTo("http://127.0.0.1:" + simulator.adminPort() + "/");
        }
    }

    @Test
    void topShouldAnswerTheTrueTopOfBookInTheTruthLogFormat() throws Exception {
        try (ExchangeSimulator simulator = started(ExchangeFeedSimulatorIT.options(500))) {
            TruthLogIT.awaitSeq(simulator, "ETH-USD", 1);
            simulator.goSilent(Duration.ofMinutes(5));
            final TopOfBook expected = simulator.topOfBook("ETH-USD");

            final HttpResponse<String> response = get(simulator, "/top/ETH-USD");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(expected.toJson());
            assertThat(TopOfBook.fromJson(response.body()).isCrossed()).isFalse();
        }
    }

    @Test
    void topShouldAnswer404ForAnUnknownProductAnd400ForNone() throws Exception {
        try (ExchangeSimulator simulator = started(ExchangeFeedSimulatorIT.options(100))) {
            final HttpResponse<String> unknown = get(simulator, "/top/DOGE-USD");
            final HttpResponse<String> none = get(simulator, "/top/");

            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(json(unknown).get("error").asText()).contains("DOGE-USD");
            assertThat(none.statusCode()).isEqualTo(400);
            assertThat(json(none).has("error")).isTrue();
        }
    }

    @Test
    void dropShouldCloseEveryConnection() throws Exception {
        try (ExchangeSimulator simulator = started(ExchangeFeedSimulatorIT.options(200));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            ExchangeFeedSimulatorIT.subscribe(client);

            final HttpResponse<String> response = post(simulator, "/faults/drop");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(json(response).get("fault").asText()).isEqualTo("drop");
            assertThat(json(response).get("faults_injected").asLong()).isEqualTo(1);
            assertThat(client.closeCode.get(5, TimeUnit.SECONDS)).isEqualTo(1011);
        }
    }

    @Test
    void resetShouldResetEveryConnectionWithoutACloseFrame() throws Exception {
        try (ExchangeSimulator simulator = started(ExchangeFeedSimulatorIT.options(200));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            ExchangeFeedSimulatorIT.subscribe(client);

            assertThat(post(simulator, "/faults/reset").statusCode()).isEqualTo(200);

            assertThatThrownBy(() -> client.closeCode.get(5, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
        }
    }

    @Test
    void crossShouldCrossASubscribedClientsBookButNotTheTruth() throws Exception {
        try (ExchangeSimulator simulator = started(ExchangeFeedSimulatorIT.options(200));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            final Map<String, ClientBook> books = ExchangeFeedSimulatorIT.subscribe(client);

            assertThat(post(simulator, "/faults/cross?product=BTC-USD").statusCode()).isEqualTo(200);

            while (!books.get("BTC-USD").isCrossed()) {
                TruthLogIT.apply(client.nextJson(), books);
            }
            assertThat(TopOfBook.fromJson(get(simulator, "/top/BTC-USD").body()).isCrossed()).isFalse();
            assertThat(json(get(simulator, "/health")).get("crossing_updates_sent").asLong()).isEqualTo(1);
        }
    }

    @Test
    void malformedWithProductAndKindShouldSendThatProductsSpoiledUpdate() throws Exception {
        try (ExchangeSimulator simulator = started(ExchangeFeedSimulatorIT.options(200));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            ExchangeFeedSimulatorIT.subscribe(client);

            assertThat(post(simulator, "/faults/malformed?product=ETH-USD&kind=negative-size").statusCode())
                    .isEqualTo(200);

            final JsonNode bad = client.nextMatching(m -> m.at("/changes/0/2").asText().startsWith("-"),
                    Duration.ofSeconds(5));
            assertThat(bad.get("product_id").asText()).isEqualTo("ETH-USD");
        }
    }

    @Test
    void malformedWithoutParametersShouldSendOneFrameThatIsNotJson() throws Exception {
        try (ExchangeSimulator simulator = started(ExchangeFeedSimulatorIT.options(200));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            ExchangeFeedSimulatorIT.subscribe(client);

            assertThat(get(simulator, "/faults/malformed").statusCode()).isEqualTo(200);

            while (true) {
                final String text = client.next(Duration.ofSeconds(5)).text();
                try {
                    FeedTestClient.JSON.readTree(text);
                } catch (final IOException notJson) {
                    break;
                }
            }
            assertThat(simulator.faultsInjected()).isEqualTo(1);
        }
    }

    @Test
    void silenceShouldStopTheMarket() throws Exception {
        try (ExchangeSimulator simulator = started(ExchangeFeedSimulatorIT.options(1_000))) {
            TruthLogIT.awaitSeq(simulator, "BTC-USD", 1);

            assertThat(post(simulator, "/faults/silence?ms=60000").statusCode()).isEqualTo(200);
            final long before = simulator.topOfBook("BTC-USD").seq();
            Thread.sleep(300);

            assertThat(simulator.topOfBook("BTC-USD").seq()).isEqualTo(before);
        }
    }

    @Test
    void silenceProductShouldStopThatProductsDataUntilUnsilenced() throws Exception {
        try (ExchangeSimulator simulator = started(ExchangeFeedSimulatorIT.options(1_000));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            ExchangeFeedSimulatorIT.subscribe(client);

            // When BTC-USD is silenced
            assertThat(post(simulator, "/faults/silence-product?product=BTC-USD").statusCode()).isEqualTo(200);
            // (a market message made after a later query is made after the queued fault took effect)
            final String firstEthTime = nextTime(simulator, "ETH-USD");
            nextTime(simulator, "BTC-USD");
            nextTime(simulator, "BTC-USD");
            final String laterEthTime = nextTime(simulator, "ETH-USD");

            // Then the client gets ETH-USD data but none of BTC-USD's between two such ETH-USD messages
            skipUntilUpdate(client, "ETH-USD", firstEthTime);
            boolean btcWhileSilenced = false;
            JsonNode m;
            do {
                m = client.nextJson();
                btcWhileSilenced |= "BTC-USD".equals(m.path("product_id").asText());
            } while (!isUpdate(m, "ETH-USD", laterEthTime));
            assertThat(btcWhileSilenced).as("BTC-USD data while silenced").isFalse();

            // And unsilencing brings BTC-USD data back
            assertThat(post(simulator, "/faults/unsilence-product?product=BTC-USD").statusCode()).isEqualTo(200);
            client.nextMatching(m2 -> "l2update".equals(m2.path("type").asText())
                    && "BTC-USD".equals(m2.path("product_id").asText()), Duration.ofSeconds(5));
        }
    }

    /** Waits for the product's next market message; returns its wire time. */
    private static String nextTime(final ExchangeSimulator simulator, final String productId)
            throws InterruptedException {
        TruthLogIT.awaitSeq(simulator, productId, simulator.topOfBook(productId).seq() + 1);
        return simulator.topOfBook(productId).time();
    }

    private static void skipUntilUpdate(final FeedTestClient client, final String productId, final String time)
            throws InterruptedException {
        JsonNode m;
        do {
            m = client.nextJson();
        } while (!isUpdate(m, productId, time));
    }

    private static boolean isUpdate(final JsonNode m, final String productId, final String time) {
        return "l2update".equals(m.path("type").asText()) && productId.equals(m.path("product_id").asText())
                && time.equals(m.path("time").asText());
    }

    @Test
    void skipSequenceShouldMakeTheNextSequenceNumJumpOnAdvancedTrade() throws Exception {
        try (ExchangeSimulator simulator = started(AdvancedTradeSimulatorIT.options(200));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            AdvancedTradeSimulatorIT.subscribe(client);
            long last = 2;

            assertThat(post(simulator, "/faults/skip-sequence").statusCode()).isEqualTo(200);

            while (true) {
                final long sequenceNum = client.nextJson().get("sequence_num").asLong();
                assertThat(sequenceNum - last).isIn(1L, 2L);
                if (sequenceNum - last == 2) {
                    break;
                }
                last = sequenceNum;
            }
        }
    }

    @Test
    void slowOversizedAndRefuseSubscriptionsShouldReachTheSimulator() throws Exception {
        try (ExchangeSimulator simulator = started(ExchangeFeedSimulatorIT.options(200));
             FeedTestClient client = FeedTestClient.connect(simulator.url())) {
            ExchangeFeedSimulatorIT.subscribe(client);

            assertThat(post(simulator, "/faults/slow?rate=50").statusCode()).isEqualTo(200);
            assertThat(post(simulator, "/faults/oversized?bytes=100000").statusCode()).isEqualTo(200);
            final JsonNode padding = client.nextMatching(m -> "simulator_padding".equals(m.path("type").asText()),
                    Duration.ofSeconds(5));
            assertThat(padding.toString().length()).isGreaterThan(90_000);
            assertThat(post(simulator, "/faults/refuse-subscriptions?refuse=true").statusCode()).isEqualTo(200);
            try (FeedTestClient refused = FeedTestClient.connect(simulator.url())) {
                refused.send(ExchangeFeedSimulatorIT.SUBSCRIBE);
                assertThat(refused.nextJson().get("type").asText()).isEqualTo("error");
            }

            assertThat(simulator.faultsInjected()).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "/faults/silence", "/faults/silence?ms=abc", "/faults/silence?ms=0", "/faults/silence?ms=3600001",
        "/faults/silence-product", "/faults/silence-product?product=DOGE-USD", "/faults/unsilence-product",
        "/faults/cross", "/faults/cross?product=DOGE-USD", "/faults/cross?product_id=BTC-USD",
        "/faults/malformed?product=BTC-USD&kind=wrong", "/faults/malformed?kind=exponent",
        "/faults/malformed?product=DOGE-USD", "/faults/slow?rate=0", "/faults/slow?rate=1000001", "/faults/slow",
        "/faults/oversized?bytes=-1", "/faults/refuse-subscriptions?refuse=maybe", "/faults/drop?now=1"})
    void badParametersShouldAnswer400WithAJsonErrorAndInjectNothing(final String pathAndQuery) throws Exception {
        try (ExchangeSimulator simulator = started(ExchangeFeedSimulatorIT.options(100))) {
            final HttpResponse<String> response = post(simulator, pathAndQuery);

            assertThat(response.statusCode()).isEqualTo(400);
            assertThat(json(response).get("error").asText()).isNotBlank();
            assertThat(simulator.faultsInjected()).isZero();
        }
    }

    @Test
    void unknownRoutesShouldAnswer404AndOtherMethods405() throws Exception {
        try (ExchangeSimulator simulator = started(ExchangeFeedSimulatorIT.options(100))) {
            assertThat(post(simulator, "/faults/explode").statusCode()).isEqualTo(404);
            assertThat(send(simulator, "PUT", "/faults/drop").statusCode()).isEqualTo(405);
            assertThat(post(simulator, "/health").statusCode()).isEqualTo(405);
            assertThat(post(simulator, "/top/BTC-USD").statusCode()).isEqualTo(405);
            assertThat(simulator.faultsInjected()).isZero();
        }
    }

    @Test
    void startShouldFailWhenTheAdminPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(100)
                    .withAdminPort(taken.getLocalPort()))).isInstanceOf(IOException.class)
                    .hasMessageContaining("admin");
        }
    }

    @Test
    void withoutAnAdminPortThereShouldBeNoAdminServer() throws Exception {
        try (ExchangeSimulator simulator = ExchangeSimulator.start(ExchangeFeedSimulatorIT.options(100))) {
            assertThat(simulator.adminPort()).isEqualTo(SimulatorOptions.ADMIN_PORT_NONE);
            assertThat(simulator.adminUrl()).isNull();
        }
    }

    @Test
    void runUntilInterruptedShouldPrintTheAdminUrlAfterTheSimulatorUrl() throws Exception {
        final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        final Thread runner = new Thread(() -> {
            try {
                ExchangeSimulator.runUntilInterrupted(SimulatorOptions.of(Protocol.ADVANCED,
                        ExchangeFeedSimulatorIT.options(100).marketOptions()).withAdminPort(0),
                        new PrintStream(printed, true, StandardCharsets.UTF_8));
            } catch (final IOException e) {
                throw new IllegalStateException(e);
            }
        });
        runner.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!printed.toString(StandardCharsets.UTF_8).contains("admin") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(printed.toString(StandardCharsets.UTF_8)).matches("Coinbase simulator \\(ADVANCED\\) at "
                + "ws://127\\.0\\.0\\.1:\\d+/\\RSimulator admin at http://127\\.0\\.0\\.1:\\d+/\\R");
        runner.interrupt();
        runner.join(5_000);
        assertThat(runner.isAlive()).isFalse();
    }
}
