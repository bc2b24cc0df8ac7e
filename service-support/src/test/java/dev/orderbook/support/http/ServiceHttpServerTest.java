package dev.orderbook.support.http;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

class ServiceHttpServerTest {
    private final HttpClient client = HttpClient.newHttpClient();

    private HttpResponse<String> get(final ServiceHttpServer server, final String pathAndQuery) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + pathAndQuery))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServePrometheusMetricsFromTheRegistry() throws Exception {
        final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.counter("orderbook.test.messages", "product", "BTC-USD").increment(3);
        try (ServiceHttpServer server = ServiceHttpServer.start("127.0.0.1", 0, registry)) {
            final HttpResponse<String> response = get(server, "/metrics");
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("orderbook_test_messages_total{product=\"BTC-USD\"} 3.0");
        }
    }

    @Test
    void shouldPassDecodedQueryParametersAndStatusToRoutes() throws Exception {
        try (ServiceHttpServer server = ServiceHttpServer.start("127.0.0.1", 0, null)) {
            server.route("/books/", request -> ServiceHttpServer.Response.json(
                    request.path().endsWith("ETH-USD") ? 200 : 404,
                    "{\"path\":" + JsonStrings.quote(request.path()) + ",\"depth\":"
                            + JsonStrings.quote(request.query().getOrDefault("depth", "")) + "}"));
            final HttpResponse<String> found = get(server, "/books/ETH-USD?depth=5%30");
            assertThat(found.statusCode()).isEqualTo(200);
            assertThat(new ObjectMapper().readTree(found.body()).get("depth").asText()).isEqualTo("50");
            assertThat(get(server, "/books/NOPE").statusCode()).isEqualTo(404);
            assertThat(get(server, "/elsewhere").statusCode()).isEqualTo(404);
            server.route("/health", request -> ServiceHttpServer.Response.json(200, "{}"));
            assertThat(get(server, "/health").statusCode()).isEqualTo(200);
            assertThat(get(server, "/health/live").statusCode()).isEqualTo(200);
            assertThat(get(server, "/healthz").statusCode()).as("not a sub-path").isEqualTo(404);
        }
    }

    @Test
    void shouldAnswer500WithTheMessageWhenAHandlerThrows() throws Exception {
        try (ServiceHttpServer server = ServiceHttpServer.start("127.0.0.1", 0, null)) {
            server.route("/boom", request -> {
                throw new IllegalStateException("store \"books\" not ready");
            });
            final HttpResponse<String> response = get(server, "/boom");
            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(new ObjectMapper().readTree(response.body()).get("error").asText())
                    .isEqualTo("store \"books\" not ready");
            assertThat(get(server, "/boom").statusCode()).isEqualTo(500);
        }
    }

    @Test
    void shouldAnswerProbesWhileEveryRequestThreadIsBusyAndRefuseRequestsBeyondTheQueueWith503() throws Exception {
        final CountDownLatch release = new CountDownLatch(1);
        try (ServiceHttpServer server = ServiceHttpServer.start("127.0.0.1", 0, null)) {
            server.route("/slow", request -> {
                release.await(30, TimeUnit.SECONDS);
                return ServiceHttpServer.Response.json(200, "{}");
            });
            server.probeRoute("/health", request -> ServiceHttpServer.Response.json(200, "{\"status\":\"UP\"}"));
            // Given far more slow requests in flight than the pool's threads and queue hold
            final List<CompletableFuture<HttpResponse<String>>> slow = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                slow.add(client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                        + "/slow")).build(), HttpResponse.BodyHandlers.ofString()));
            }
            // Then the probe is still answered, on its own threads: in milliseconds, while a probe queued behind
            // the slow requests would wait for their release (after this check, or 30 s). The 20 s bound is only a
            // hang guard that tells the two apart; a busy machine cannot come near it.
            assertTimeoutPreemptively(Duration.ofSeconds(20),
                    () -> assertThat(get(server, "/health").statusCode()).isEqualTo(200));
            // And the requests beyond the queue were refused with 503 instead of waiting without end
            final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (slow.stream().filter(CompletableFuture::isDone).count() < 120 - 8 - 64
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            release.countDown();
            int refused = 0;
            int served = 0;
            for (final CompletableFuture<HttpResponse<String>> f : slow) {
                final int status = f.get(30, TimeUnit.SECONDS).statusCode();
                refused += status == 503 ? 1 : 0;
                served += status == 200 ? 1 : 0;
            }
            assertThat(refused + served).isEqualTo(120);
            assertThat(refused).isGreaterThanOrEqualTo(120 - 8 - 64);
        }
    }
}
