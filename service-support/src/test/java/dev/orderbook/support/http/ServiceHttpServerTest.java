package dev.orderbook.support.http;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

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
}
