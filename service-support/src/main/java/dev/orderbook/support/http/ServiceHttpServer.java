package dev.orderbook.support.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The small HTTP server both services expose for operators: {@code GET /metrics} (Prometheus text format from a
 * Micrometer registry) plus the routes a service adds ({@code /health}, {@code /ready}, book queries). Built on the
 * JDK's {@code com.sun.net.httpserver}, so it brings no web framework; a few daemon threads serve requests.
 *
 * <p>Routes are matched by longest path prefix. A handler returns a {@link Response}; one that throws gets a 500
 * with the exception's message, and the server carries on.
 */
public final class ServiceHttpServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ServiceHttpServer.class);
    /**
     * Enough that a few slow requests (a book query forwarded to an instance that just died waits for its timeout)
     * cannot starve the health probes served by the same server.
     */
    private static final int THREADS = 8;
    private static final String JSON = "application/json";

    /** What a route answers. */
    public record Response(int status, String contentType, byte[] body) {
        public static Response json(final int status, final String json) {
            return new Response(status, JSON, json.getBytes(StandardCharsets.UTF_8));
        }

        public static Response text(final int status, final String text) {
            return new Response(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** A request as handlers see it: method, path (decoded) and query parameters (first value of each). */
    public record Request(String method, String path, Map<String, String> query) {
    }

    /** Serves one route. Called on a server thread; may be called concurrently. */
    @FunctionalInterface
    public interface Handler {
        Response handle(Request request) throws Exception;
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private ServiceHttpServer(final HttpServer server, final ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds and starts serving {@code /metrics} from {@code registry}.
     *
     * @param host     address to bind, for example {@code 0.0.0.0} in a container or {@code 127.0.0.1}
     * @param port     port, or 0 for a free one (see {@link #port()})
     * @param registry scraped on {@code GET /metrics}; may be null for no metrics route
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static ServiceHttpServer start(final String host, final int port, final PrometheusMeterRegistry registry) {
        final HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 0);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot bind HTTP server to " + host + ":" + port, e);
        }
        final AtomicInteger n = new AtomicInteger();
        final ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            final Thread t = new Thread(r, "http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        final ServiceHttpServer http = new ServiceHttpServer(server, executor);
        if (registry != null) {
            http.route("/metrics", request -> new Response(200, "text/plain; version=0.0.4; charset=utf-8",
                    registry.scrape().getBytes(StandardCharsets.UTF_8)));
        }
        server.start();
        return http;
    }

    /**
     * Adds a route: {@code /health} serves {@code /health} and {@code /health/...} (not {@code /healthz});
     * {@code /books/} serves everything below it.
     */
    public ServiceHttpServer route(final String pathPrefix, final Handler handler) {
        server.createContext(pathPrefix, exchange -> {
            final String path = exchange.getRequestURI().getPath();
            if (pathPrefix.endsWith("/") || path.equals(pathPrefix) || path.startsWith(pathPrefix + "/")) {
                serve(exchange, handler);
            } else {
                serve(exchange, request -> Response.json(404, "{\"error\":\"not found\"}"));
            }
        });
        return this;
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops at once; requests in flight are cut short. Idempotent. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static void serve(final HttpExchange exchange, final Handler handler) throws IOException {
        Response response;
        try {
            final Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    query(exchange.getRequestURI().getRawQuery()));
            response = handler.handle(request);
        } catch (final Exception e) {
            log.warn("HTTP handler failed. path=[{}]", exchange.getRequestURI(), e);
            response = Response.json(500, "{\"error\":" + JsonStrings.quote(String.valueOf(e.getMessage())) + "}");
        }
        try (exchange) {
            exchange.getResponseHeaders().set("Content-Type", response.contentType());
            final byte[] body = response.body();
            final boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(response.status(), head ? -1 : (body.length == 0 ? -1 : body.length));
            if (!head && body.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        }
    }

    private static Map<String, String> query(final String rawQuery) {
        if (rawQuery == null || rawQuery.isEmpty()) {
            return Map.of();
        }
        final Map<String, String> params = new LinkedHashMap<>();
        for (final String pair : rawQuery.split("&")) {
            final int eq = pair.indexOf('=');
            final String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            final String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.putIfAbsent(key, value);
        }
        return Collections.unmodifiableMap(params);
    }
}
