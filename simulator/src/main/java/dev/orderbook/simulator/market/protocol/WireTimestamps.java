package dev.orderbook.simulator.market.protocol;

import dev.orderbook.codec.decimal.Decimals;

import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * Formats epoch-nanosecond times as the feeds do: ISO-8601 UTC with microseconds
 * ({@code 2026-11-23T19:00:00.123456Z}) or nanoseconds ({@code 2026-11-23T19:00:00.123456789Z}), and Go's
 * {@code time.Time} text used in Advanced Trade heartbeats ({@code 2026-11-23 19:00:00.123456 +0000 UTC}).
 *
 * <p>Caches the date and time of the last second formatted, so that formatting allocates only when the second
 * changes. Not thread-safe: one per encoder (or other user, such as the simulator's truth log, which must spell a
 * message's time exactly as the encoders do).
 */
public final class WireTimestamps {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int DATE_TIME_LENGTH = 19;

    private final char[] dateTime = new char[DATE_TIME_LENGTH];
    private long cachedEpochSecond = Long.MIN_VALUE;

    /** Appends {@code 2026-11-23T19:00:00.123456Z} (truncated to microseconds). */
    public void appendMicros(final StringBuilder out, final long epochNs) {
        appendDateTime(out, epochNs, 'T');
        out.append('.');
        appendDigits(out, Math.floorMod(epochNs, NANOS_PER_SECOND) / 1000, 6);
        out.append('Z');
    }

    /** Appends {@code 2026-11-23T19:00:00.123456789Z}. */
    public void appendNanos(final StringBuilder out, final long epochNs) {
        appendDateTime(out, epochNs, 'T');
        out.append('.');
        appendDigits(out, Math.floorMod(epochNs, NANOS_PER_SECOND), 9);
        out.append('Z');
    }

    /** Appends Go's default time text: {@code 2026-11-23 19:00:00.1234 +0000 UTC}, trailing fraction zeros cut. */
    void appendGoTime(final StringBuilder out, final long epochNs) {
        appendDateTime(out, epochNs, ' ');
        long fraction = Math.floorMod(epochNs, NANOS_PER_SECOND);
        if (fraction != 0) {
            int digits = 9;
            while (fraction % 10 == 0) {
                fraction /= 10;
                digits--;
            }
            out.append('.');
            appendDigits(out, fraction, digits);
        }
        out.append(" +0000 UTC");
    }

    /** Appends {@code seconds.nanoseconds} with 9 fraction digits, as Go prints a monotonic reading. */
    static void appendSecondsNanos(final StringBuilder out, final long durationNs) {
        out.append(durationNs / NANOS_PER_SECOND).append('.');
        appendDigits(out, durationNs % NANOS_PER_SECOND, 9);
    }

    private void appendDateTime(final StringBuilder out, final long epochNs, final char separator) {
        final long epochSecond = Math.floorDiv(epochNs, NANOS_PER_SECOND);
        if (epochSecond != cachedEpochSecond) {
            final LocalDateTime time = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
            put(0, time.getYear(), 4);
            dateTime[4] = '-';
            put(5, time.getMonthValue(), 2);
            dateTime[7] = '-';
            put(8, time.getDayOfMonth(), 2);
            put(11, time.getHour(), 2);
            dateTime[13] = ':';
            put(14, time.getMinute(), 2);
            dateTime[16] = ':';
            put(17, time.getSecond(), 2);
            cachedEpochSecond = epochSecond;
        }
        dateTime[10] = separator;
        out.append(dateTime);
    }

    private void put(final int offset, final int value, final int width) {
        int remaining = value;
        for (int i = offset + width - 1; i >= offset; i--) {
            dateTime[i] = (char) ('0' + remaining % 10);
            remaining /= 10;
        }
    }

    private static void appendDigits(final StringBuilder out, final long value, final int width) {
        for (int digit = width - 1; digit > 0 && value < Decimals.pow10(digit); digit--) {
            out.append('0');
        }
        out.append(value);
    }
}
