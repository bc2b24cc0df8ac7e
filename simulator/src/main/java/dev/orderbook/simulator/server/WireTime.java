package dev.orderbook.simulator.server;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** Timestamps of the messages the server writes itself (heartbeats, confirmations). Stateless, thread-safe. */
final class WireTime {
    private static final DateTimeFormatter MICROS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter NANOS =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter GO_TIME =
            DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS '+0000 UTC'").withZone(ZoneOffset.UTC);

    private WireTime() {
    }

    /** {@code 2026-11-23T19:00:00.123456Z}, as the Exchange feed writes {@code time}. */
    static String micros(final long epochNs) {
        return MICROS.format(instant(epochNs));
    }

    /** {@code 2026-08-09T21:05:48.505350477Z}, as Advanced Trade writes {@code timestamp}. */
    static String nanos(final long epochNs) {
        return NANOS.format(instant(epochNs));
    }

    /** {@code 2026-11-23 19:00:01.000123 +0000 UTC}, Go's time format in Advanced Trade heartbeats. */
    static String goTime(final long epochNs) {
        return GO_TIME.format(instant(epochNs));
    }

    private static Instant instant(final long epochNs) {
        return Instant.ofEpochSecond(Math.floorDiv(epochNs, 1_000_000_000L), Math.floorMod(epochNs, 1_000_000_000L));
    }
}
