package dev.orderbook.ingestor.file;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * How fast {@code publish} sends a recorded file: {@code max} (as fast as Kafka takes it), {@code original} (the
 * recorded spacing, from the messages' own {@code time}/{@code timestamp}), or {@code Nx} (N times the original
 * speed, for example {@code 10x} or {@code 0.5x}). Messages without a time (Exchange snapshots, heartbeats without
 * one) go out at once. Not thread-safe: one per publish.
 */
public final class Pacing {
    private final double speed;
    private long firstMessageNs = Long.MIN_VALUE;
    private long firstWallNs;

    private Pacing(final double speed) {
        this.speed = speed;
    }

    /**
     * Parses {@code max}, {@code original} or {@code Nx}.
     *
     * @throws IllegalArgumentException for anything else, or a speed that is not positive
     */
    public static Pacing parse(final String rate) {
        if (rate == null || rate.equalsIgnoreCase("max")) {
            return new Pacing(Double.POSITIVE_INFINITY);
        }
        if (rate.equalsIgnoreCase("original")) {
            return new Pacing(1.0);
        }
        if (rate.endsWith("x") || rate.endsWith("X")) {
            try {
                final double speed = Double.parseDouble(rate.substring(0, rate.length() - 1));
                if (speed > 0 && !Double.isInfinite(speed)) {
                    return new Pacing(speed);
                }
            } catch (final NumberFormatException e) {
                // falls through to the error below
            }
        }
        throw new IllegalArgumentException("rate must be max, original or Nx (for example 10x), was " + rate);
    }

    /** True when messages are sent as fast as possible (no times needed). */
    public boolean isMax() {
        return Double.isInfinite(speed);
    }

    /**
     * How long to wait before sending a message with this time, given the current wall clock.
     *
     * @param messageTime the message's ISO-8601 time, or null
     * @param nowNs       {@link System#nanoTime()}
     * @return nanoseconds to wait, 0 or more
     */
    public long delayNs(final CharSequence messageTime, final long nowNs) {
        if (isMax() || messageTime == null) {
            return 0;
        }
        final long messageNs;
        try {
            final Instant t = Instant.parse(messageTime);
            messageNs = t.getEpochSecond() * 1_000_000_000L + t.getNano();
        } catch (final DateTimeParseException e) {
            return 0;
        }
        if (firstMessageNs == Long.MIN_VALUE) {
            firstMessageNs = messageNs;
            firstWallNs = nowNs;
            return 0;
        }
        final long dueNs = firstWallNs + (long) ((messageNs - firstMessageNs) / speed);
        return Math.max(0, dueNs - nowNs);
    }
}
