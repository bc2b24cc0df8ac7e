package dev.orderbook.ingestor.service;

import dev.orderbook.ingestor.coinbase.CoinbaseFeedClient;
import dev.orderbook.ingestor.publish.RawPublisher;
import dev.orderbook.support.http.JsonStrings;
import dev.orderbook.support.http.ServiceHttpServer.Response;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * The ingestor's probes.
 * <ul>
 *   <li>{@code /health} (readiness): 200 for an active ingestor that is connected, has every product live, Kafka
 *       available and the buffer within budget; 200 for a standby whose leadership thread runs (it is ready to take
 *       over); else 503. The JSON body says which role and what is wrong.</li>
 *   <li>{@code /health/live} (liveness): 200 while the process does its work: the active ingestor's feed worker took
 *       an event recently (ticks keep it moving when the feed is quiet), or the standby's leadership thread went round;
 *       503 after the worker failed or stalled, so that an orchestrator restarts the process.</li>
 * </ul>
 */
final class IngestorHealth {
    private final List<String> products;
    private final Supplier<RawPublisher> publisher;
    private final Leadership leadership;
    private final Supplier<CoinbaseFeedClient> client;
    private final Supplier<Throwable> failure;
    private final Duration stallAfter;

    /**
     * @param tickInterval the feed's liveness interval: a worker that took nothing for five of them is stalled
     */
    IngestorHealth(final List<String> products, final Supplier<RawPublisher> publisher, final Leadership leadership,
                   final Supplier<CoinbaseFeedClient> client, final Supplier<Throwable> failure,
                   final Duration tickInterval) {
        this.products = List.copyOf(products);
        this.publisher = publisher;
        this.leadership = leadership;
        this.client = client;
        this.failure = failure;
        this.stallAfter = tickInterval.multipliedBy(5).plusSeconds(5);
    }

    Response live() {
        final CoinbaseFeedClient c = client.get();
        final boolean alive;
        final String role;
        if (failure.get() != null) {
            alive = false;
            role = "failed";
        } else if (c != null) {
            alive = c.isDispatching(stallAfter);
            role = "active";
        } else {
            alive = leadership.isLooping(stallAfter);
            role = "standby";
        }
        return Response.json(alive ? 200 : 503, "{\"status\":\"" + (alive ? "UP" : "DOWN") + "\",\"role\":\""
                + role + "\"}");
    }

    Response ready() {
        final CoinbaseFeedClient c = client.get();
        final RawPublisher publisher = this.publisher.get();
        final boolean active = c != null && publisher != null && leadership.holdsLease();
        final StringBuilder json = new StringBuilder(256);
        boolean ok;
        if (failure.get() != null) {
            ok = false;
            json.append("{\"role\":\"failed\",\"error\":").append(JsonStrings.quote(failure.get().toString()));
        } else if (!active) {
            ok = leadership.isLooping(stallAfter);
            json.append("{\"role\":\"standby\"");
        } else {
            ok = c.isConnected() && !publisher.isOverloaded() && publisher.isKafkaAvailable();
            json.append("{\"role\":\"active\",\"connected\":").append(c.isConnected())
                    .append(",\"session_id\":").append(c.sessionId() == null ? "null" : JsonStrings.quote(c.sessionId()))
                    .append(",\"overloaded\":").append(publisher.isOverloaded())
                    .append(",\"kafka_available\":").append(publisher.isKafkaAvailable())
                    .append(",\"buffered_bytes\":").append(publisher.bufferedBytes())
                    .append(",\"products\":{");
            boolean first = true;
            for (final String product : products) {
                final boolean live = publisher.isLive(product);
                ok &= live;
                json.append(first ? "" : ",").append(JsonStrings.quote(product)).append(':')
                        .append(live ? "\"live\"" : "\"stale\"");
                first = false;
            }
            json.append('}');
        }
        final String body = "{\"status\":" + (ok ? "\"UP\"," : "\"DOWN\",") + json.substring(1) + "}";
        return Response.json(ok ? 200 : 503, body);
    }
}
