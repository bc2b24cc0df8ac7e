package dev.orderbook.systemtest;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;

/**
 * What {@link ChildJvmIT} runs in its child JVMs, by the first argument:
 * <ul>
 *   <li>{@code hook}: prints {@code ready}, then waits; a shutdown hook prints {@code shutdown hook ran};</li>
 *   <li>{@code stubborn}: prints {@code ready}, then waits; its shutdown hook never returns, so SIGTERM cannot
 *       stop it;</li>
 *   <li>{@code ticks}: prints {@code tick 1}, {@code tick 2}, ... every 20 ms;</li>
 *   <li>{@code exit N}: prints {@code error line} on stderr and {@code exiting with N} on stdout without a line
 *       end, and exits with N;</li>
 *   <li>{@code parent TEST_NAME}: starts a {@link ChildJvm} of its own ({@code hook}), prints
 *       {@code grandchild pid=PID}, then waits.</li>
 * </ul>
 */
public final class ChildJvmFixtureMain {

    private ChildJvmFixtureMain() {
    }

    public static void main(final String[] args) throws Exception {
        switch (args[0]) {
            case "hook" -> {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("shutdown hook ran")));
                System.out.println("ready");
                new CountDownLatch(1).await();
            }
            case "stubborn" -> {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        new CountDownLatch(1).await();
                    } catch (final InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }));
                System.out.println("ready");
                new CountDownLatch(1).await();
            }
            case "ticks" -> {
                for (long tick = 1; ; tick++) {
                    System.out.println("tick " + tick);
                    Thread.sleep(20);
                }
            }
            case "exit" -> {
                System.err.println("error line");
                System.out.print("exiting with " + args[1]);
                System.out.flush();
                System.exit(Integer.parseInt(args[1]));
            }
            case "parent" -> {
                final ChildJvm grandchild = ChildJvm.builder(args[1], "grandchild")
                    .mainClass(ChildJvmFixtureMain.class.getName())
                    .args("hook")
                    .maxHeap("64m")
                    .start();
                grandchild.awaitOutput(Pattern.compile("^ready$"), Duration.ofSeconds(60));
                System.out.println("grandchild pid=" + grandchild.pid());
                new CountDownLatch(1).await();
            }
            default -> throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }
}
