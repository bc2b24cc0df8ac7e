package dev.orderbook.book.service;

import dev.orderbook.book.processor.LocalBooks;
import dev.orderbook.book.processor.ProductStreamPartitioner;
import dev.orderbook.codec.decimal.Decimals;
import dev.orderbook.support.http.JsonStrings;
import dev.orderbook.support.http.ServiceHttpServer.Request;
import dev.orderbook.support.http.ServiceHttpServer.Response;
import dev.orderbook.codec.model.ProductRegistry;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * {@code GET /books/{product}?depth=N}: the top N levels per side of a product's book, a consistent copy of the
 * in-memory book taken between two records ({@link LocalBooks}: O(depth), never a scan of the store). The instance
 * that owns the product's partition answers; any other forwards the request to it ({@code application.server}), so
 * every instance gives the same answer.
 *
 * <pre>{"product_id":"BTC-USD","state":"live","state_reason":null,"depth":2,"bid_levels":14210,"ask_levels":13977,
 *  "bids":[["65000.01","0.5"],...],"asks":[...],"served_by":"10.0.0.7:8082"}</pre>
 *
 * 404 for a product without a book, 400 for a bad request, 503 while the owner is unknown (rebalancing, restoring).
 */
public final class BookQuery {
    private static final Logger log = LoggerFactory.getLogger(BookQuery.class);
    public static final int DEPTH_DEFAULT = 10;
    public static final int DEPTH_MAX = 1000;
    /** Set on a forwarded request so that it is answered locally, never forwarded again. */
    static final String LOCAL_PARAM = "local";

    private final KafkaStreams streams;
    private final String storeName;
    private final LocalBooks books;
    private final HostInfo self;
    private final ProductStreamPartitioner placement;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    public BookQuery(final KafkaStreams streams, final String storeName, final LocalBooks books, final HostInfo self,
                     final ProductStreamPartitioner placement) {
        this.streams = streams;
        this.storeName = storeName;
        this.books = books;
        this.self = self;
        this.placement = placement;
    }

    /** The route handler for {@code /books/}. */
    public Response handle(final Request request) throws IOException, InterruptedException {
        final String product = request.path().substring("/books/".length());
        if (!ProductRegistry.isValidProductId(product)) {
            return error(400, "expected /books/{product}, e.g. /books/BTC-USD");
        }
        final int depth;
        try {
            depth = Integer.parseInt(request.query().getOrDefault("depth", Integer.toString(DEPTH_DEFAULT)));
        } catch (final NumberFormatException e) {
            return error(400, "depth must be an integer");
        }
        if (depth < 1 || depth > DEPTH_MAX) {
            return error(400, "depth must be 1.." + DEPTH_MAX);
        }
        final KeyQueryMetadata owner = streams.queryMetadataForKey(storeName, product, placement);
        if (owner == null || owner.equals(KeyQueryMetadata.NOT_AVAILABLE) || owner.activeHost() == null) {
            return error(503, "the owner of " + product + " is not known yet (rebalancing or starting); retry");
        }
        if (owner.activeHost().equals(self) || request.query().containsKey(LOCAL_PARAM)) {
            return local(product, depth);
        }
        return forward(owner.activeHost(), product, depth);
    }

    private Response forward(final HostInfo owner, final String product, final int depth)
            throws IOException, InterruptedException {
        final URI uri = URI.create("http://" + owner.host() + ":" + owner.port() + "/books/" + product + "?depth="
                + depth + "&" + LOCAL_PARAM + "=1");
        try {
            final HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2))
                    .GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Response(r.statusCode(), "application/json", r.body());
        } catch (final IOException e) {
            log.warn("Could not forward a book query. owner=[{}] product=[{}]", owner, product, e);
            return error(503, "the owner of " + product + " (" + owner + ") did not answer; retry");
        }
    }

    private Response local(final String product, final int depth) {
        final LocalBooks.BookView book = books.view(product, depth);
        if (book == null) {
            return error(404, "no book for " + product + " here (none yet, or its task is moving); retry");
        }
        final StringBuilder json = new StringBuilder(160 + depth * 64);
        json.append("{\"product_id\":").append(JsonStrings.quote(product))
                .append(",\"state\":\"").append(book.state().wireName()).append('"')
                .append(",\"state_reason\":").append(book.reason() == null ? "null"
                        : "\"" + book.reason().wireName() + "\"")
                .append(",\"depth\":").append(depth)
                .append(",\"bid_levels\":").append(book.bidLevels())
                .append(",\"ask_levels\":").append(book.askLevels())
                .append(",\"bids\":");
        levels(book.bidPrices(), book.bidSizes(), book.bidCount(), book.priceScale(), book.sizeScale(), json);
        json.append(",\"asks\":");
        levels(book.askPrices(), book.askSizes(), book.askCount(), book.priceScale(), book.sizeScale(), json);
        json.append(",\"served_by\":").append(JsonStrings.quote(self.host() + ":" + self.port())).append('}');
        return new Response(200, "application/json", json.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void levels(final long[] prices, final long[] sizes, final int count, final int priceScale,
                               final int sizeScale, final StringBuilder json) {
        json.append('[');
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                json.append(',');
            }
            json.append("[\"").append(Decimals.toString(prices[i], priceScale)).append("\",\"")
                    .append(Decimals.toString(sizes[i], sizeScale)).append("\"]");
        }
        json.append(']');
    }

    private static Response error(final int status, final String message) {
        return Response.json(status, "{\"error\":" + JsonStrings.quote(message) + "}");
    }
}
