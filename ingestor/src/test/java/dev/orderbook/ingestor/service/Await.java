package dev.orderbook.ingestor.service;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition of a running service until it holds, or fails the test saying what it waited for. */
final class Await {
    private static final long POLL_MS = 50;

    private Await() {
    }

    static void until(final BooleanSupplier condition, final Duration limit, final String what) {
        final long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what, e);
            }
        }
    }
}
