package dev.orderbook.simulator.server;

import dev.orderbook.simulator.market.protocol.MalformedKind;
import dev.orderbook.support.http.ServiceHttpServer;
import dev.orderbook.support.http.ServiceHttpServer.Request;
import dev.orderbook.support.http.ServiceHttpServer.Response;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * The simulator's admin HTTP server, so that a test in another process can inject faults into a running
 * {@link ExchangeSimulator} and read the market's true top of book. Started by the simulator when
 * {@link SimulatorOptions#adminPort()} is set; listens on 127.0.0.1 only, since it can break every connection.
 *
 * <p>Routes (JSON answers; a fault route accepts POST or GET, the others GET):
 * <ul>
 *   <li>{@code /faults/drop}, {@code /faults/reset}, {@code /faults/skip-sequence};</li>
 *   <li>{@code /faults/silence?ms=N} ({@code 1..3600000});</li>
 *   <li>{@code /faults/silence-product?product=P}, {@code /faults/unsilence-product?product=P};</li>
 *   <li>{@code /faults/cross?product=P} ({@link ExchangeSimulator#injectCrossingUpdate});</li>
 *   <li>{@code /faults/malformed} (a torn frame to every subscribed connection) or
 *       {@code /faults/malformed?product=P&kind=K}, {@code K} a {@link MalformedKind} in any case, {@code -} or
 *       {@code _} (default {@code invalid_json});</li>
 *   <li>{@code /faults/slow?rate=N} (messages per second, {@code 1..1000000});</li>
 *   <li>{@code /faults/oversized?bytes=N} ({@code 0..67108864});
 *       {@code /faults/refuse-subscriptions?refuse=true|false};</li>
 *   <li>{@code GET /top/P}: {@link ExchangeSimulator#topOfBook} as {@link TopOfBook#toJson()}, 404 for an unknown
 *       product;</li>
 *   <li>{@code GET /health}: {@code {"status":"ok","protocol":..,"url":..,"products":[..],"messages_generated":N,
 *       "faults_injected":N,"crossing_updates_sent":N}}.</li>
 * </ul>
 * A fault answers 200 {@code {"fault":"cross","faults_injected":N}} once it is queued: the sender thread applies it
 * between two messages, as with the Java methods. Bad or unknown parameters answer 400 {@code {"error":".."}}, an
 * unknown route 404, another method 405.
 *
 * <p>Threading: requests are served on the HTTP server's threads; the simulator's methods are thread-safe.
 */
public final class SimulatorAdminServer implements AutoCloseable {
    /** The admin server listens on loopback only. */
    public static final String HOST = "127.0.0.1";
    /** Longest silence accepted, in milliseconds: an hour. */
    public static final long MAX_SILENCE_MS = 3_600_000L;
    /** Largest oversized frame accepted, in bytes (64 MiB). */
    public static final int MAX_OVERSIZED_BYTES = 64 << 20;

    private static final Logger log = LoggerFactory.getLogger(SimulatorAdminServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FAULTS = "/faults/";
    private static final String TOP = "/top/";

    private final ExchangeSimulator simulator;
    private final ServiceHttpServer http;

    private SimulatorAdminServer(final ExchangeSimulator simulator, final ServiceHttpServer http) {
        this.simulator = simulator;
        this.http = http;
    }

    /**
     * Binds 127.0.0.1:{@code port} and starts serving.
     *
     * @param port a port, or 0 for a free one (see {@link #port()})
     * @throws java.io.UncheckedIOException if the port cannot be bound
     */
    public static SimulatorAdminServer start(final ExchangeSimulator simulator, final int port) {
        final ServiceHttpServer http = ServiceHttpServer.start(HOST, port, null);
        final SimulatorAdminServer admin = new SimulatorAdminServer(simulator, http);
        http.route("/health", admin::health).route(FAULTS, admin::fault).route(TOP, admin::top);
        log.info("Simulator admin server started. url=[{}]", admin.url());
        return admin;
    }

    /** The bound port. */
    public int port() {
        return http.port();
    }

    /** {@code http://127.0.0.1:PORT/}. */
    public String url() {
        return "http://" + HOST + ":" + port() + "/";
    }

    /** Stops at once. Idempotent. */
    @Override
    public void close() {
        http.close();
    }

    private Response health(final Request request) {
        if (!isGet(request)) {
            return methodNotAllowed(request);
        }
        final ObjectNode body = JSON.createObjectNode().put("status", "ok")
                .put("protocol", simulator.protocol().name()).put("url", simulator.url());
        final ArrayNode products = body.putArray("products");
        simulator.productIds().forEach(products::add);
        body.put("messages_generated", simulator.messagesGenerated())
                .put("faults_injected", simulator.faultsInjected())
                .put("crossing_updates_sent", simulator.crossingUpdatesSent());
        return Response.json(200, body.toString());
    }

    private Response top(final Request request) {
        if (!isGet(request)) {
            return methodNotAllowed(request);
        }
        final String product = request.path().substring(TOP.length());
        if (product.isEmpty()) {
            return error(400, "name a product: /top/BTC-USD");
        }
        if (!simulator.productIds().contains(product)) {
            return error(404, "unknown product " + product);
        }
        return Response.json(200, simulator.topOfBook(product).toJson());
    }

    private Response fault(final Request request) {
        final String name = request.path().substring(FAULTS.length());
        if (!"POST".equals(request.method()) && !"GET".equals(request.method())) {
            return methodNotAllowed(request);
        }
        try {
            if (!apply(name, request)) {
                return error(404, "unknown fault " + name);
            }
        } catch (final IllegalArgumentException e) {
            return error(400, e.getMessage());
        }
        log.info("Fault injected through the admin server. fault=[{}] query=[{}]", name, request.query());
        return Response.json(200, JSON.createObjectNode().put("fault", name)
                .put("faults_injected", simulator.faultsInjected()).toString());
    }

    /**
     * Injects the named fault; false if there is no such fault.
     *
     * @throws IllegalArgumentException if a parameter is missing, unknown or out of range
     */
    private boolean apply(final String name, final Request request) {
        switch (name) {
            case "drop":
                allowOnly(request);
                simulator.dropConnections();
                return true;
            case "reset":
                allowOnly(request);
                simulator.resetConnections();
                return true;
            case "skip-sequence":
                allowOnly(request);
                simulator.skipSequence();
                return true;
            case "silence":
                allowOnly(request, "ms");
                simulator.goSilent(Duration.ofMillis(number(request, "ms", 1, MAX_SILENCE_MS)));
                return true;
            case "silence-product":
                allowOnly(request, "product");
                simulator.silenceProduct(product(request));
                return true;
            case "unsilence-product":
                allowOnly(request, "product");
                simulator.clearProductSilence(product(request));
                return true;
            case "cross":
                allowOnly(request, "product");
                simulator.injectCrossingUpdate(product(request));
                return true;
            case "malformed":
                malformed(request);
                return true;
            case "slow":
                allowOnly(request, "rate");
                simulator.slowDown((int) number(request, "rate", 1, SimulatorOptions.MAX_MESSAGES_PER_SECOND));
                return true;
            case "oversized":
                allowOnly(request, "bytes");
                simulator.sendOversized((int) number(request, "bytes", 0, MAX_OVERSIZED_BYTES));
                return true;
            case "refuse-subscriptions":
                allowOnly(request, "refuse");
                simulator.refuseSubscriptions(bool(request, "refuse"));
                return true;
            default:
                return false;
        }
    }

    private void malformed(final Request request) {
        allowOnly(request, "product", "kind");
        final String kindText = request.query().get("kind");
        final MalformedKind kind = kindText == null ? MalformedKind.INVALID_JSON : kind(kindText);
        if (!request.query().containsKey("product")) {
            if (kind != MalformedKind.INVALID_JSON) {
                throw new IllegalArgumentException("kind " + kindText + " needs a product");
            }
            simulator.sendMalformed();
        } else {
            simulator.sendMalformed(product(request), kind);
        }
    }

    private String product(final Request request) {
        final String product = request.query().get("product");
        if (product == null || product.isEmpty()) {
            throw new IllegalArgumentException("missing parameter product");
        }
        if (!simulator.productIds().contains(product)) {
            throw new IllegalArgumentException("unknown product " + product + "; the market has "
                    + simulator.productIds());
        }
        return product;
    }

    private static MalformedKind kind(final String text) {
        try {
            return MalformedKind.valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (final IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown kind " + text + "; one of "
                    + Arrays.toString(MalformedKind.values()).toLowerCase(Locale.ROOT), e);
        }
    }

    private static long number(final Request request, final String parameter, final long min, final long max) {
        final String text = request.query().get(parameter);
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("missing parameter " + parameter);
        }
        final long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (final NumberFormatException e) {
            throw new IllegalArgumentException(parameter + " must be a whole number, was " + text, e);
        }
        if (value < min || value > max) {
            throw new IllegalArgumentException(parameter + " must be in [" + min + ", " + max + "], was " + value);
        }
        return value;
    }

    private static boolean bool(final Request request, final String parameter) {
        final String text = request.query().get(parameter);
        if ("true".equals(text)) {
            return true;
        }
        if ("false".equals(text)) {
            return false;
        }
        throw new IllegalArgumentException(parameter + " must be true or false, was " + text);
    }

    /** Rejects any query parameter but these, so that a misspelt one is not silently ignored. */
    private static void allowOnly(final Request request, final String... allowed) {
        final Set<String> names = Set.of(allowed);
        for (final String given : request.query().keySet()) {
            if (!names.contains(given)) {
                throw new IllegalArgumentException("unknown parameter " + given
                        + (allowed.length == 0 ? "; this fault takes none" : "; allowed: " + names));
            }
        }
    }

    private static boolean isGet(final Request request) {
        return "GET".equals(request.method()) || "HEAD".equals(request.method());
    }

    private static Response methodNotAllowed(final Request request) {
        return error(405, "method " + request.method() + " not allowed");
    }

    private static Response error(final int status, final String message) {
        return Response.json(status, JSON.createObjectNode().put("error", message).toString());
    }
}
