package dev.orderbook.systemtest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link ChildJvm} on real processes: the product's command line, signals as Linux delivers them, output files.
 */
class ChildJvmIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern READY = Pattern.compile("^ready$");

    @Test
    void shouldRunProductCommandLineOnTestClassPathAndCaptureItsStdout(final TestInfo test) throws IOException {
        try (ChildJvm cli = ChildJvm.builder(TestNames.of(test), "version").args("--version").start()) {
            final MatchResult version = cli.awaitOutput(Pattern.compile("^orderbook (\\S+)$"), TIMEOUT);

            assertThat(version.group(1)).isNotBlank();
            assertThat(cli.awaitExit(TIMEOUT)).isZero();
            assertThat(cli.exitCode()).hasValue(0);
            assertThat(cli.stdoutFile())
                .isEqualTo(ChildJvm.outputDirectory(TestNames.of(test)).resolve("version.out"))
                .hasContent(version.group());
            assertThat(cli.stderrFile()).exists();
        }
    }

    @Test
    void shouldReadBrokerPortFromReadyLineAndKillItWithSigkillSoNoShutdownHookRuns(final TestInfo test)
        throws IOException {
        // Given the product's broker command, on a free port (C1 and the serial collector: a faster start)
        final ChildJvm.Builder builder = ChildJvm.builder(TestNames.of(test), "broker").args("broker", "--port", "0");
        BrokerJvm.JVM_OPTIONS_DEFAULT.forEach(builder::jvmOption);
        try (ChildJvm broker = builder.start()) {
            final MatchResult ready =
                broker.awaitOutput(Pattern.compile("ready at 127\\.0\\.0\\.1:(\\d+);"), TIMEOUT);
            final int port = Integer.parseInt(ready.group(1));
            assertThat(canConnect(port)).as("broker listening on %d", port).isTrue();

            // When
            final int exitCode = broker.kill9();

            // Then: killed by signal 9, and the broker's shutdown hook, which logs its stop, never ran
            assertThat(exitCode).isEqualTo(ChildJvm.EXIT_SIGKILL);
            assertThat(broker.isAlive()).isFalse();
            assertThat(ProcessHandle.of(broker.pid()).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
            assertThat(Files.readString(broker.stderrFile(), StandardCharsets.UTF_8))
                .contains("Embedded Kafka broker started")
                .doesNotContain("Embedded Kafka broker stopped");
            assertThat(canConnect(port)).as("port %d closed", port).isFalse();
        }
    }

    @Test
    void shouldRunShutdownHooksOnTerminate(final TestInfo test) {
        try (ChildJvm child = fixture(test, "hook", "hook")) {
            child.awaitOutput(READY, TIMEOUT);

            final int exitCode = child.terminate(TIMEOUT);

            assertThat(exitCode).isEqualTo(ChildJvm.EXIT_SIGTERM);
            assertThat(child.awaitOutput(Pattern.compile("^shutdown hook ran$"), TIMEOUT).group()).isNotEmpty();
        }
    }

    @Test
    void shouldKillWithSigkillWhenProcessOutlivesTerminateGrace(final TestInfo test) {
        try (ChildJvm child = fixture(test, "stubborn", "stubborn")) {
            child.awaitOutput(READY, TIMEOUT);

            final int exitCode = child.terminate(Duration.ofMillis(500));

            assertThat(exitCode).isEqualTo(ChildJvm.EXIT_SIGKILL);
        }
    }

    @Test
    void shouldFreezeProcessOnPauseAndLetItRunOnResume(final TestInfo test) throws IOException {
        try (ChildJvm child = fixture(test, "ticks", "ticks")) {
            child.awaitOutput(Pattern.compile("^tick 5$"), TIMEOUT);

            child.pause();
            awaitState(child.pid(), true);
            final long lastTick = lastTick(child.stdoutFile());
            assertThat(child.isPaused()).isTrue();
            assertThat(child.isAlive()).isTrue();

            child.resume();
            awaitState(child.pid(), false);
            assertThat(child.awaitOutput(Pattern.compile("^tick " + (lastTick + 1) + "$"), TIMEOUT).group())
                .isNotEmpty();
            assertThat(child.isPaused()).isFalse();
        }
    }

    @Test
    void shouldFailAtOnceWithEndOfStderrWhenProcessExitsWithoutExpectedLine(final TestInfo test) {
        try (ChildJvm child = fixture(test, "exiting", "exit", "3")) {
            assertThatThrownBy(() -> child.awaitOutput(Pattern.compile("never printed"), TIMEOUT))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("exited with 3")
                .hasMessageContaining("error line")
                .hasMessageContaining(child.stderrFile().toString());
            // The last line has no line end; once the process has exited it counts.
            assertThat(child.awaitOutput(Pattern.compile("^exiting with (\\d+)$"), TIMEOUT).group(1)).isEqualTo("3");
            assertThat(child.exitCode()).hasValue(3);
        }
    }

    @Test
    void shouldWriteEachStartOfSameNameToItsOwnFiles(final TestInfo test) {
        final ChildJvm.Builder builder = ChildJvm.builder(TestNames.of(test), "restarted")
            .mainClass(ChildJvmFixtureMain.class.getName())
            .maxHeap("64m")
            .args("exit", "0");
        try (ChildJvm first = builder.start(); ChildJvm second = builder.start()) {
            assertThat(first.awaitExit(TIMEOUT)).isZero();
            assertThat(second.awaitExit(TIMEOUT)).isZero();

            assertThat(List.of(first.name(), second.name())).containsExactly("restarted", "restarted-2");
            assertThat(second.stdoutFile().getFileName()).hasToString("restarted-2.out");
            assertThat(first.stdoutFile()).hasContent("exiting with 0");
            assertThat(second.stdoutFile()).hasContent("exiting with 0");
        }
    }

    @Test
    void shouldKillItsChildrenWhenTestJvmExits(final TestInfo test) {
        // Given a child JVM that started a ChildJvm of its own, as a test JVM does
        try (ChildJvm parent = fixture(test, "parent", "parent", TestNames.of(test))) {
            final long grandchildPid =
                Long.parseLong(parent.awaitOutput(Pattern.compile("^grandchild pid=(\\d+)$"), TIMEOUT).group(1));
            final ProcessHandle grandchild = ProcessHandle.of(grandchildPid).orElseThrow();

            // When that JVM exits (SIGTERM runs its shutdown hooks)
            parent.terminate(TIMEOUT);

            // Then its child is killed (SIGKILL: the grandchild's own shutdown hook never runs)
            assertThat(grandchild.onExit()).succeedsWithin(TIMEOUT);
            final Path grandchildOut = ChildJvm.outputDirectory(TestNames.of(test)).resolve("grandchild.out");
            assertThat(grandchildOut).hasContent("ready");
        }
    }

    private static ChildJvm fixture(final TestInfo test, final String name, final String... args) {
        return ChildJvm.builder(TestNames.of(test), name)
            .mainClass(ChildJvmFixtureMain.class.getName())
            .maxHeap("64m")
            .args(args)
            .start();
    }

    /** Waits until the process is stopped (state T in /proc/PID/stat) or, if not {@code stopped}, not. */
    private static void awaitState(final long pid, final boolean stopped) throws IOException {
        final long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
        while (isStopped(pid) != stopped) {
            assertThat(System.nanoTime()).as("process %d stopped=%s in time", pid, stopped).isLessThan(deadlineNs);
            sleep(10);
        }
    }

    private static boolean isStopped(final long pid) throws IOException {
        final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
        // "PID (COMMAND) STATE ...": the command may hold spaces and parentheses, the state follows the last ')'.
        return stat.substring(stat.lastIndexOf(')') + 1).trim().charAt(0) == 'T';
    }

    private static long lastTick(final Path stdout) throws IOException {
        return Files.readAllLines(stdout, StandardCharsets.UTF_8).stream()
            .filter(line -> line.startsWith("tick "))
            .mapToLong(line -> Long.parseLong(line.substring("tick ".length())))
            .max()
            .orElseThrow();
    }

    private static boolean canConnect(final int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(TcpProxy.LOOPBACK_HOST, port), 5_000);
            return true;
        } catch (final ConnectException e) {
            return false;
        } catch (final IOException e) {
            throw new AssertionError("Could not probe port " + port, e);
        }
    }

    private static void sleep(final long ms) {
        try {
            Thread.sleep(ms);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
