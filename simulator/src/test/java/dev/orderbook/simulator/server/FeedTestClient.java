package dev.orderbook.simulator.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A WebSocket test client (the JDK's {@link WebSocket}): reassembles text frames of any size and queues them with
 * their arrival time; records how the connection ended. Frames can be only counted, for rate measurements.
 */
final class FeedTestClient implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One received text message. */
    record Frame(String text, long arrivalNanos) {
        JsonNode json() {
            try {
                return JSON.readTree(text);
            } catch (final JsonProcessingException e) {
                throw new AssertionError("not JSON: " + text.substring(0, Math.min(200, text.length())), e);
            }
        }
    }

    final LinkedBlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    final AtomicLong frameCount = new AtomicLong();
    private final WebSocket socket;
    private volatile boolean countOnly;

    private FeedTestClient(final String url) {
        final StringBuilder partial = new StringBuilder();
        final WebSocket.Listener listener = new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last) {
                if (!countOnly) {
                    partial.append(data);
                }
                if (last) {
                    frameCount.incrementAndGet();
                    if (!countOnly) {
                        frames.add(new Frame(partial.toString(), System.nanoTime()));
                    }
                    partial.setLength(0);
                }
                webSocket.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason) {
                closeCode.complete(statusCode);
                return null;
            }

            @Override
            public void onError(final WebSocket webSocket, final Throwable error) {
                closeCode.completeExceptionally(error);
            }
        };
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create(url), listener).join();
    }

    static FeedTestClient connect(final String url) {
        return new FeedTestClient(url);
    }

    void send(final String text) {
        socket.sendText(text, true).join();
    }

    /** Stops keeping frames; only {@link #frameCount} goes on. */
    void countOnly() {
        countOnly = true;
    }

    /** The next frame, failing the test if none comes within the timeout. */
    Frame next(final Duration timeout) throws InterruptedException {
        final Frame frame = frames.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new AssertionError("no message within " + timeout);
        }
        return frame;
    }

    JsonNode nextJson() throws InterruptedException {
        return next(Duration.ofSeconds(5)).json();
    }

    /** Skips frames until one parses and matches; fails after the timeout. */
    JsonNode nextMatching(final Predicate<JsonNode> match, final Duration timeout)
            throws InterruptedException {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            final long left = deadline - System.nanoTime();
            final Frame frame = frames.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (frame == null) {
                throw new AssertionError("no matching message within " + timeout);
            }
            final JsonNode json;
            try {
                json = JSON.readTree(frame.text());
            } catch (final JsonProcessingException e) {
                continue;
            }
            if (match.test(json)) {
                return json;
            }
        }
    }

    @Override
    public void close() {
        socket.abort();
    }
}
