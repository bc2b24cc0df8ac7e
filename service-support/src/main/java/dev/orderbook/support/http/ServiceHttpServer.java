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
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The small HTTP server every service exposes for operators: {@code GET /metrics} (Prometheus text format from a
 * Micrometer registry) plus the routes a service adds ({@code /health}, {@code /ready}, book queries). Built on the
 * JDK's {@code com.sun.net.httpserver}, so it brings no web framework.
 *
 * <p>Threads. Probes and scrapes ({@link #probeRoute}, {@code /metrics}) have threads of their own, so that slow
 * requests (a book query forwarded to an instance that just died waits for its timeout) can never starve them and get
 * a healthy process restarted. Other routes share a small pool with a bounded queue: when it is full, a request is
 * answered 503 at once rather than queued without end.
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
    /** Requests that may wait for a thread; beyond, 503. */
    private static final int QUEUE = 64;
    private static final int PROBE_THREADS = 2;
    private static final int PROBE_QUEUE = 16;
    private static final String JSON = "application/json";
    private static final byte[] BUSY = "{\"error\":\"busy: too many requests in flight; retry\"}"
            .getBytes(StandardCharsets.UTF_8);

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
    private final ExecutorService workers;
    private final ExecutorService probes;

    private ServiceHttpServer(final HttpServer server, final ExecutorService workers, final ExecutorService probes) {
        this.server = server;
        this.workers = workers;
        this.probes = probes;
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
        // Handlers run on the server's dispatcher thread only long enough to hand the exchange to a pool.
        server.setExecutor(null);
        final ServiceHttpServer http = new ServiceHttpServer(server, pool("http", THREADS, QUEUE),
                pool("http-probe", PROBE_THREADS, PROBE_QUEUE));
        if (registry != null) {
            http.probeRoute("/metrics", request -> new Response(200, "text/plain; version=0.0.4; charset=utf-8",
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
        return route(pathPrefix, handler, workers);
    }

    /** Adds a route for probes and scrapes: served by threads of its own, never behind other requests. */
    public ServiceHttpServer probeRoute(final String pathPrefix, final Handler handler) {
        return route(pathPrefix, handler, probes);
    }

    private ServiceHttpServer route(final String pathPrefix, final Handler handler, final ExecutorService pool) {
        server.createContext(pathPrefix, exchange -> {
            final String path = exchange.getRequestURI().getPath();
            final Handler serving = pathPrefix.endsWith("/") || path.equals(pathPrefix)
                    || path.startsWith(pathPrefix + "/") ? handler
                    : request -> Response.json(404, "{\"error\":\"not found\"}");
            try {
                pool.execute(() -> {
                    try {
                        serve(exchange, serving);
                    } catch (final IOException e) {
                        log.debug("HTTP response not sent. path=[{}] error=[{}]", path, e.toString());
                    }
                });
            } catch (final RejectedExecutionException e) {
                send(exchange, new Response(503, JSON, BUSY));
            }
        });
        return this;
    }

    private static ExecutorService pool(final String name, final int threads, final int queue) {
        final AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue),
                r -> {
                    final Thread t = new Thread(r, name + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
    }

    /** The bound port. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Stops at once; requests in flight are cut short. Idempotent. */
    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
        probes.shutdownNow();
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
        send(exchange, response);
    }

    private static void send(final HttpExchange exchange, final Response response) throws IOException {
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
