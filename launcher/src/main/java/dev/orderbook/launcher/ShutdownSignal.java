package dev.orderbook.launcher;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (or SIGTERM) for a command that runs until stopped and must clean up before the JVM exits: the shutdown
 * hook signals the command, then holds the JVM up to {@code cleanupWait} until the command says it is done
 * ({@link #close()}), so that files are finished and resources closed. Closing it without a shutdown removes the
 * hook.
 */
final class ShutdownSignal implements AutoCloseable {
    private final CountDownLatch requested = new CountDownLatch(1);
    private final CountDownLatch finished = new CountDownLatch(1);
    private final Thread hook;

    ShutdownSignal(final String name, final Duration cleanupWait) {
        hook = new Thread(() -> {
            requested.countDown();
            try {
                finished.await(cleanupWait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Waits up to {@code timeout} for a shutdown request; true once one came. */
    boolean await(final long timeout, final TimeUnit unit) throws InterruptedException {
        return requested.await(timeout, unit);
    }

    /** True once a shutdown was requested. */
    boolean requested() {
        return requested.getCount() == 0;
    }

    /** The command has cleaned up: the JVM may exit. */
    @Override
    public void close() {
        finished.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (final IllegalStateException e) {
            // The JVM is shutting down: the hook is running and has just been released.
        }
    }
}
