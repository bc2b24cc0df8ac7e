package dev.orderbook.ingestor.coinbase;

import dev.orderbook.codec.Protocol;
import dev.orderbook.codec.model.ProductRegistry;
import dev.orderbook.contract.Limits;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * How a {@link CoinbaseFeedClient} connects. Immutable; validated on construction, so a bad configuration fails at
 * startup. Start from {@link #of} and adjust with the {@code with...} methods.
 *
 * @param url                 WebSocket URL ({@code ws://} or {@code wss://}); may not be null
 * @param protocol            the Coinbase protocol the server speaks; may not be null
 * @param productIds          products to subscribe to, non-empty, distinct, valid product ids
 * @param silenceTimeout      a connection that receives nothing (heartbeats included) for this long is treated as
 *                            dead: a gap is reported and it reconnects. Heartbeats arrive every second, so shorter
 *                            than about 2 s risks false alarms; longer leaves a dead book looking live for longer
 * @param reconnectBackoffMin first reconnect delay; doubled after each unhealthy connection, with jitter
 * @param reconnectBackoffMax largest reconnect delay; Coinbase allows about 8 connection attempts per second per IP
 * @param maxMessageBytes     largest text message accepted, in bytes; also the Tyrus incoming buffer size. A
 *                            BTC-USD snapshot is about 5 MB; the buffer is allocated per connection
 * @param queueCapacity       messages that may wait for the listener; a full queue means the listener cannot keep
 *                            up, so the connection is dropped (with gaps) rather than blocking the socket thread.
 *                            Larger absorbs bursts at the cost of memory (up to capacity times message size)
 * @param permessageDeflate   offer {@code permessage-deflate} (RFC 7692) in the opening handshake, as Coinbase
 *                            advises: several times less bandwidth for a little CPU; the server may decline it
 * @param productSilenceTimeout Exchange feed: a product whose {@code heartbeat}s stop for this long while the
 *                            connection is otherwise alive gets a {@code silence} gap and is resnapshotted alone
 *                            ({@link CoinbaseFeedClient#resnapshot}); null means {@code silenceTimeout}. Unused on
 *                            Advanced Trade, whose heartbeats are per connection
 * @param queueBytes          bytes of frames that may wait for the listener (the other bound besides
 *                            {@code queueCapacity}); part of the ingestor's memory budget, with the Kafka buffer
 * @param livenessInterval    how often the listener is told which products' feeds are healthy
 *                            ({@link FeedListener#onTick}), for the ingestor's liveness records; shorter shows a dead
 *                            feed sooner downstream, for one small record per product each time
 */
public record FeedClientConfig(String url, Protocol protocol, List<String> productIds, Duration silenceTimeout,
                               Duration reconnectBackoffMin, Duration reconnectBackoffMax, int maxMessageBytes,
                               int queueCapacity, boolean permessageDeflate, Duration productSilenceTimeout,
                               Duration livenessInterval, long queueBytes) {

    /** Five seconds: a few missed one-second heartbeats. */
    public static final Duration SILENCE_TIMEOUT_DEFAULT = Duration.ofSeconds(5);
    public static final Duration RECONNECT_BACKOFF_MIN_DEFAULT = Duration.ofMillis(100);
    public static final Duration RECONNECT_BACKOFF_MAX_DEFAULT = Duration.ofSeconds(30);
    /** 16 MiB: COINBASE.md asks for at least 10 MiB per message. */
    public static final int MAX_MESSAGE_BYTES_DEFAULT = Limits.MAX_MESSAGE_BYTES;
    public static final int QUEUE_CAPACITY_DEFAULT = 16_384;
    /** Offered by default: Coinbase advises it, and a 5 MB snapshot compresses several times. */
    public static final boolean PERMESSAGE_DEFLATE_DEFAULT = true;
    /** 64 MiB: a dozen full BTC-USD snapshots, or seconds of the busiest feed. */
    public static final long QUEUE_BYTES_DEFAULT = 64L * 1024 * 1024;
    /** One second: a processor that allows five without a word catches a dead feed within about five seconds. */
    public static final Duration LIVENESS_INTERVAL_DEFAULT = Duration.ofSeconds(1);

    public FeedClientConfig {
        if (url == null) {
            throw new IllegalArgumentException("url may not be null");
        }
        final URI uri = parseUri(url);
        if (!"ws".equalsIgnoreCase(uri.getScheme()) && !"wss".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException("url must be ws:// or wss://, was " + url);
        }
        if (protocol == null) {
            throw new IllegalArgumentException("protocol may not be null");
        }
        if (productIds == null || productIds.isEmpty()) {
            throw new IllegalArgumentException("productIds may not be null or empty");
        }
        for (final String id : productIds) {
            if (!ProductRegistry.isValidProductId(id)) {
                throw new IllegalArgumentException("invalid product id: " + id);
            }
        }
        if (new LinkedHashSet<>(productIds).size() != productIds.size()) {
            throw new IllegalArgumentException("productIds must be distinct, was " + productIds);
        }
        productIds = List.copyOf(productIds);
        requirePositive("silenceTimeout", silenceTimeout);
        requirePositive("reconnectBackoffMin", reconnectBackoffMin);
        requirePositive("reconnectBackoffMax", reconnectBackoffMax);
        if (reconnectBackoffMax.compareTo(reconnectBackoffMin) < 0) {
            throw new IllegalArgumentException("reconnectBackoffMax " + reconnectBackoffMax
                    + " is below reconnectBackoffMin " + reconnectBackoffMin);
        }
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException("maxMessageBytes must be at least 1024, was " + maxMessageBytes);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be positive, was " + queueCapacity);
        }
        if (productSilenceTimeout == null) {
            productSilenceTimeout = silenceTimeout;
        }
        requirePositive("productSilenceTimeout", productSilenceTimeout);
        if (livenessInterval == null) {
            livenessInterval = LIVENESS_INTERVAL_DEFAULT;
        }
        if (queueBytes <= 0) {
            queueBytes = QUEUE_BYTES_DEFAULT;
        }
        if (queueBytes < maxMessageBytes) {
            throw new IllegalArgumentException("queueBytes " + queueBytes + " must hold at least one message of "
                    + maxMessageBytes + " bytes");
        }
        if (livenessInterval.toMillis() < 10) {
            throw new IllegalArgumentException("livenessInterval must be at least 10 ms, was " + livenessInterval);
        }
    }

    /** A configuration with permessage-deflate offered and the per-product silence timeout = silenceTimeout. */
    public FeedClientConfig(final String url, final Protocol protocol, final List<String> productIds,
                            final Duration silenceTimeout, final Duration reconnectBackoffMin,
                            final Duration reconnectBackoffMax, final int maxMessageBytes, final int queueCapacity) {
        this(url, protocol, productIds, silenceTimeout, reconnectBackoffMin, reconnectBackoffMax, maxMessageBytes,
                queueCapacity, PERMESSAGE_DEFLATE_DEFAULT, null, null, 0);
    }

    /** A configuration for {@code url}, {@code protocol} and {@code productIds} with every other value default. */
    public static FeedClientConfig of(final String url, final Protocol protocol, final List<String> productIds) {
        return new FeedClientConfig(url, protocol, productIds, SILENCE_TIMEOUT_DEFAULT, RECONNECT_BACKOFF_MIN_DEFAULT,
                RECONNECT_BACKOFF_MAX_DEFAULT, MAX_MESSAGE_BYTES_DEFAULT, QUEUE_CAPACITY_DEFAULT,
                PERMESSAGE_DEFLATE_DEFAULT, null, null, 0);
    }

    /** Also moves the per-product silence timeout when it was equal to the old silence timeout (the default). */
    public FeedClientConfig withSilenceTimeout(final Duration timeout) {
        final Duration perProduct = productSilenceTimeout.equals(silenceTimeout) ? null : productSilenceTimeout;
        return new FeedClientConfig(url, protocol, productIds, timeout, reconnectBackoffMin, reconnectBackoffMax,
                maxMessageBytes, queueCapacity, permessageDeflate, perProduct, livenessInterval, queueBytes);
    }

    public FeedClientConfig withReconnectBackoff(final Duration min, final Duration max) {
        return new FeedClientConfig(url, protocol, productIds, silenceTimeout, min, max, maxMessageBytes,
                queueCapacity, permessageDeflate, productSilenceTimeout, livenessInterval, queueBytes);
    }

    public FeedClientConfig withMaxMessageBytes(final int bytes) {
        return new FeedClientConfig(url, protocol, productIds, silenceTimeout, reconnectBackoffMin,
                reconnectBackoffMax, bytes, queueCapacity, permessageDeflate, productSilenceTimeout,
                livenessInterval, queueBytes);
    }

    public FeedClientConfig withQueueCapacity(final int capacity) {
        return new FeedClientConfig(url, protocol, productIds, silenceTimeout, reconnectBackoffMin,
                reconnectBackoffMax, maxMessageBytes, capacity, permessageDeflate, productSilenceTimeout,
                livenessInterval, queueBytes);
    }

    /** Whether to offer permessage-deflate; see {@link #permessageDeflate()}. */
    public FeedClientConfig withPermessageDeflate(final boolean offer) {
        return new FeedClientConfig(url, protocol, productIds, silenceTimeout, reconnectBackoffMin,
                reconnectBackoffMax, maxMessageBytes, queueCapacity, offer, productSilenceTimeout,
                livenessInterval, queueBytes);
    }

    /** The Exchange per-product heartbeat timeout; see {@link #productSilenceTimeout()}. */
    public FeedClientConfig withProductSilenceTimeout(final Duration timeout) {
        if (timeout == null) {
            throw new IllegalArgumentException("productSilenceTimeout may not be null");
        }
        return new FeedClientConfig(url, protocol, productIds, silenceTimeout, reconnectBackoffMin,
                reconnectBackoffMax, maxMessageBytes, queueCapacity, permessageDeflate, timeout,
                livenessInterval, queueBytes);
    }

    /** How often the listener hears which feeds are healthy; see {@link #livenessInterval()}. */
    public FeedClientConfig withLivenessInterval(final Duration interval) {
        return new FeedClientConfig(url, protocol, productIds, silenceTimeout, reconnectBackoffMin,
                reconnectBackoffMax, maxMessageBytes, queueCapacity, permessageDeflate, productSilenceTimeout,
                interval, queueBytes);
    }

    /** Bytes of frames that may wait for the listener; see {@link #queueBytes()}. */
    public FeedClientConfig withQueueBytes(final long bytes) {
        return new FeedClientConfig(url, protocol, productIds, silenceTimeout, reconnectBackoffMin,
                reconnectBackoffMax, maxMessageBytes, queueCapacity, permessageDeflate, productSilenceTimeout,
                livenessInterval, bytes);
    }

    private static URI parseUri(final String url) {
        try {
            return new URI(url);
        } catch (final URISyntaxException e) {
            throw new IllegalArgumentException("url is not a valid URI: " + url, e);
        }
    }

    private static void requirePositive(final String name, final Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
