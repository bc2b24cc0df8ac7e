package dev.orderbook.systemtest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;

/**
 * A Java process started by a test: a main class (by default the product's command line,
 * {@value #DEFAULT_MAIN_CLASS}) with arguments, on the test JVM's own class path, with
 * {@code -XX:+ExitOnOutOfMemoryError}, a modest heap ({@value #DEFAULT_MAX_HEAP} unless set), extra JVM options
 * and environment variables.
 *
 * <pre>{@code
 * try (ChildJvm broker = ChildJvm.builder("FaultIT.shouldX", "broker").args("broker", "--port", "0").start()) {
 *     final MatchResult ready = broker.awaitOutput(Pattern.compile("ready at (\\S+);"), Duration.ofSeconds(60));
 *     final String bootstrap = ready.group(1);
 *     ...
 *     broker.kill9();
 * }
 * }</pre>
 *
 * <p>Output: the child's stdout and stderr go straight to files (the operating system writes them; no thread of
 * the test JVM is in the way, so nothing is lost if the test JVM dies first), under
 * {@code target/system-tests/TEST_NAME/PROCESS_NAME.out} and {@code .err}, where CI keeps them for reading after a
 * failure. A builder can start several processes in turn (a restart): the first one in this JVM truncates the
 * files, the second writes {@code PROCESS_NAME-2.out} and {@code .err}, and so on, so every file is exactly one
 * process's output. {@link #awaitOutput(Pattern, Duration)} reads the file as it grows.
 *
 * <p>Signals (Linux): {@link #kill9()} sends SIGKILL ({@link Process#destroyForcibly()}, which the JDK implements
 * as {@code kill(pid, SIGKILL)} on Linux; the exit code is then 137 = 128 + 9), {@link #terminate(Duration)} sends
 * SIGTERM ({@link Process#destroy()}; a JVM runs its shutdown hooks and exits with 143) and SIGKILL after the
 * grace period, {@link #pause()} and {@link #resume()} send SIGSTOP and SIGCONT through the {@code kill} command.
 *
 * <p>Cleanup: {@link #close()} kills the process (SIGKILL) if it is still running, and a shutdown hook of the test
 * JVM kills every child still running when the test JVM exits normally or on SIGTERM/SIGINT. A test JVM that is
 * itself killed with SIGKILL runs no hook: its children keep running until killed by hand (the JDK has no way to
 * tie a child's life to its parent's).
 *
 * <p>Threading: thread-safe. {@code await*} may be called from several threads at once; each reads the file on
 * its own.
 */
public final class ChildJvm implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChildJvm.class);

    /** The product's command line: {@code ./orderbook} without the script. */
    public static final String DEFAULT_MAIN_CLASS = "dev.orderbook.launcher.OrderbookCli";
    /** The child's {@code -Xmx} unless {@link Builder#maxHeap(String)} says otherwise. */
    public static final String DEFAULT_MAX_HEAP = "512m";
    /** Exit code of a process killed by SIGKILL (128 + 9), as {@link Process#exitValue()} reports it. */
    public static final int EXIT_SIGKILL = 137;
    /** Exit code of a JVM stopped by SIGTERM (128 + 15) after its shutdown hooks ran. */
    public static final int EXIT_SIGTERM = 143;

    /** How long {@link #kill9()} and {@link #close()} wait for the killed process to be gone. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(30);
    private static final long OUTPUT_POLL_MS = 25;
    private static final int TAIL_LINES = 30;
    private static final int READ_CHUNK_BYTES = 64 * 1024;

    /** Children of this JVM still running, killed by {@link #KILL_ON_EXIT}. */
    private static final Set<ChildJvm> RUNNING = ConcurrentHashMap.newKeySet();
    /** Output files already used by this JVM, with the number of processes that used each name. */
    private static final Map<Path, Integer> RUNS_BY_NAME = new HashMap<>();
    private static final Thread KILL_ON_EXIT = new Thread(ChildJvm::killAllRunning, "child-jvm-kill-on-exit");

    static {
        Runtime.getRuntime().addShutdownHook(KILL_ON_EXIT);
    }

    private final String name;
    private final Process process;
    private final Path stdoutFile;
    private final Path stderrFile;

    /** Guarded by {@code this}. */
    private boolean paused;

    private ChildJvm(final String name, final Process process, final Path stdoutFile, final Path stderrFile) {
        this.name = name;
        this.process = process;
        this.stdoutFile = stdoutFile;
        this.stderrFile = stderrFile;
    }

    /**
     * Returns a builder for a child JVM.
     *
     * @param testName names the directory of the output files, usually {@code TestClass.testMethod}; characters
     *     other than letters, digits, {@code .}, {@code _} and {@code -} become {@code _}
     * @param processName names the output files, such as {@code broker} or {@code ingestor-1}; same characters
     * @return a new builder, never null
     */
    public static Builder builder(final String testName, final String processName) {
        return new Builder(safeFileName(testName), safeFileName(processName));
    }

    /**
     * Returns the directory under which a test's output files go: {@code target/system-tests/TEST_NAME} of the
     * module the tests run in (Maven's {@code basedir} property, or the working directory).
     *
     * @param testName as for {@link #builder(String, String)}
     * @return the directory; it may not exist yet
     */
    public static Path outputDirectory(final String testName) {
        return Path.of(System.getProperty("basedir", System.getProperty("user.dir")), "target", "system-tests",
            safeFileName(testName)).toAbsolutePath();
    }

    /**
     * Returns the name the process was started under, with a {@code -N} suffix from the second start of the same
     * name in a test on.
     *
     * @return the name, never null
     */
    public String name() {
        return name;
    }

    /**
     * Returns the process id.
     *
     * @return the operating system's process id
     */
    public long pid() {
        return process.pid();
    }

    /**
     * Returns the file the process's stdout goes to.
     *
     * @return an absolute path, never null
     */
    public Path stdoutFile() {
        return stdoutFile;
    }

    /**
     * Returns the file the process's stderr (the log of the product's commands) goes to.
     *
     * @return an absolute path, never null
     */
    public Path stderrFile() {
        return stderrFile;
    }

    /**
     * Tells whether the process is still running (a paused process is running).
     *
     * @return true until the process has exited
     */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Returns the exit code once the process has exited.
     *
     * @return the exit code (128 + N after signal N), or empty while the process runs
     */
    public OptionalInt exitCode() {
        return process.isAlive() ? OptionalInt.empty() : OptionalInt.of(process.exitValue());
    }

    /**
     * Waits for the process to exit by itself.
     *
     * @param timeout how long to wait at most
     * @return the exit code
     * @throws IllegalStateException if the process is still running after the timeout, or if interrupted (the
     *     interrupt flag is restored)
     */
    public int awaitExit(final Duration timeout) {
        if (!waitFor(timeout)) {
            throw new IllegalStateException(describe() + " still running after " + timeout);
        }
        return process.exitValue();
    }

    /**
     * Waits for the first line of stdout, since the process started, in which {@code pattern} is found
     * ({@link Matcher#find()}), such as a ready line that carries a port. Only complete lines are matched, and the
     * last line without a line end once the process has exited. Every call reads from the start, so asking twice
     * gives the same line.
     *
     * @param pattern what to look for; may not be null
     * @param timeout how long to wait at most
     * @return the match in the first matching line: {@code group()} is the matched text, {@code group(N)} its
     *     groups
     * @throws IllegalStateException if the process exits, or the timeout passes, without such a line; the message
     *     carries the end of the process's stderr
     */
    public MatchResult awaitOutput(final Pattern pattern, final Duration timeout) {
        return awaitLine(stdoutFile, "stdout", pattern, timeout);
    }

    /**
     * Waits for the first line of stderr (where the product's commands log) in which {@code pattern} is found; as
     * {@link #awaitOutput(Pattern, Duration)} does for stdout.
     *
     * @param pattern what to look for; may not be null
     * @param timeout how long to wait at most
     * @return the match in the first matching line
     * @throws IllegalStateException if the process exits, or the timeout passes, without such a line
     */
    public MatchResult awaitErrorOutput(final Pattern pattern, final Duration timeout) {
        return awaitLine(stderrFile, "stderr", pattern, timeout);
    }

    /**
     * Kills the process and everything it started with SIGKILL (no shutdown hook runs, nothing is flushed), and
     * waits until it is gone. Does nothing to a process that has exited already.
     *
     * @return the exit code: {@link #EXIT_SIGKILL}, or the earlier one if the process had exited already
     * @throws IllegalStateException if the process is still there 30 s after the signal
     */
    public int kill9() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            log.info("Sent SIGKILL. process=[{}] pid=[{}]", name, pid());
        }
        return awaitExit(KILL_WAIT);
    }

    /**
     * Asks the process to stop with SIGTERM (a JVM runs its shutdown hooks), and kills it with SIGKILL if it is
     * still running after {@code grace}. A paused process is resumed after the SIGTERM so that it can act on it.
     *
     * @param grace how long to wait after SIGTERM
     * @return the exit code: {@link #EXIT_SIGTERM} after a JVM's clean stop, {@link #EXIT_SIGKILL} if it had to be
     *     killed, or whatever code the process chose
     * @throws IllegalStateException if the process is still there 30 s after the SIGKILL
     */
    public int terminate(final Duration grace) {
        if (!process.isAlive()) {
            return process.exitValue();
        }
        process.destroy();
        log.info("Sent SIGTERM. process=[{}] pid=[{}]", name, pid());
        synchronized (this) {
            if (paused) {
                signal("CONT");
                paused = false;
            }
        }
        if (waitFor(grace)) {
            return process.exitValue();
        }
        log.warn("Still running after SIGTERM; sending SIGKILL. process=[{}] pid=[{}] graceMs=[{}]", name, pid(),
            grace.toMillis());
        return kill9();
    }

    /**
     * Freezes the process with SIGSTOP: it keeps its sockets and memory but runs no instruction until
     * {@link #resume()}, as a process stalled by a long GC pause or a starved host would.
     *
     * @throws IllegalStateException if the process has exited or the signal cannot be sent
     */
    public synchronized void pause() {
        signal("STOP");
        paused = true;
    }

    /**
     * Lets a process frozen by {@link #pause()} run again (SIGCONT).
     *
     * @throws IllegalStateException if the process has exited or the signal cannot be sent
     */
    public synchronized void resume() {
        signal("CONT");
        paused = false;
    }

    /**
     * Tells whether the process was frozen by {@link #pause()} and not resumed since.
     *
     * @return true while paused
     */
    public synchronized boolean isPaused() {
        return paused;
    }

    /** Kills the process with SIGKILL if it is still running; see {@link #kill9()}. Idempotent. */
    @Override
    public void close() {
        kill9();
    }

    @Override
    public String toString() {
        return "ChildJvm[" + name + ", pid=" + pid() + "]";
    }

    private boolean waitFor(final Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for " + describe(), e);
        }
    }

    private void signal(final String signal) {
        if (!process.isAlive()) {
            throw new IllegalStateException("Cannot send SIG" + signal + ": " + describe() + " has exited with "
                + process.exitValue());
        }
        final int exit;
        try {
            final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid()))
                .redirectErrorStream(true)
                .start();
            final String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            exit = kill.waitFor();
            if (exit != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid() + " failed with " + exit + ": "
                    + output);
            }
        } catch (final IOException e) {
            throw new UncheckedIOException("Could not run kill -" + signal + " " + pid(), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while sending SIG" + signal + " to " + describe(), e);
        }
        log.info("Sent SIG{}. process=[{}] pid=[{}]", signal, name, pid());
    }

    private MatchResult awaitLine(final Path file, final String stream, final Pattern pattern,
                                  final Duration timeout) {
        Objects.requireNonNull(pattern, "pattern");
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        final LineReader reader = new LineReader(file);
        while (true) {
            // Whether the process had exited before this read: if so, the read saw all it will ever write.
            final boolean exited = !process.isAlive();
            for (final String line : reader.readLines(exited)) {
                final Matcher matcher = pattern.matcher(line);
                if (matcher.find()) {
                    return matcher.toMatchResult();
                }
            }
            if (exited) {
                throw new IllegalStateException(describe() + " exited with " + process.exitValue()
                    + " without a line matching /" + pattern + "/ on " + stream + endOfStderr());
            }
            if (System.nanoTime() > deadlineNs) {
                throw new IllegalStateException(describe() + " printed no line matching /" + pattern + "/ on "
                    + stream + " within " + timeout + endOfStderr());
            }
            try {
                Thread.sleep(OUTPUT_POLL_MS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for output of " + describe(), e);
            }
        }
    }

    private String describe() {
        return "Child JVM '" + name + "' (pid " + pid() + ")";
    }

    private String endOfStderr() {
        final Deque<String> tail = new ArrayDeque<>();
        for (final String line : new LineReader(stderrFile).readLines(true)) {
            if (tail.size() == TAIL_LINES) {
                tail.removeFirst();
            }
            tail.addLast(line);
        }
        return "; stdout: " + stdoutFile + ", stderr: " + stderrFile + ", which ends with:"
            + System.lineSeparator() + String.join(System.lineSeparator(), tail);
    }

    private static void killAllRunning() {
        for (final ChildJvm child : RUNNING) {
            if (child.process.isAlive()) {
                child.process.descendants().forEach(ProcessHandle::destroyForcibly);
                child.process.destroyForcibly();
            }
        }
    }

    static String safeFileName(final String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("name may not be empty");
        }
        return name.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    /** Reads a growing file line by line from the start; one reader per wait. Not thread-safe. */
    private static final class LineReader {
        private final Path file;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private long position;

        LineReader(final Path file) {
            this.file = file;
        }

        /** The complete lines written since the last call; if {@code complete}, also a last unterminated one. */
        List<String> readLines(final boolean complete) {
            final List<String> lines = new ArrayList<>();
            try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
                in.seek(position);
                final byte[] chunk = new byte[READ_CHUNK_BYTES];
                int read;
                while ((read = in.read(chunk)) > 0) {
                    position += read;
                    for (int i = 0; i < read; i++) {
                        if (chunk[i] == '\n') {
                            lines.add(takeLine());
                        } else {
                            partial.write(chunk[i]);
                        }
                    }
                }
            } catch (final IOException e) {
                throw new UncheckedIOException("Could not read " + file, e);
            }
            if (complete && partial.size() > 0) {
                lines.add(takeLine());
            }
            return lines;
        }

        private String takeLine() {
            final String line = partial.toString(StandardCharsets.UTF_8);
            partial.reset();
            return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        }
    }

    /**
     * Builds and starts {@link ChildJvm}s. Not thread-safe; may start several processes in turn (each gets its
     * own output files, see {@link ChildJvm}).
     */
    public static final class Builder {
        private final String testName;
        private final String processName;
        private String mainClass = DEFAULT_MAIN_CLASS;
        private final List<String> args = new ArrayList<>();
        private String maxHeap = DEFAULT_MAX_HEAP;
        private final List<String> jvmOptions = new ArrayList<>();
        private final Map<String, String> environment = new LinkedHashMap<>();
        private String classPath = System.getProperty("java.class.path");
        private Path outputDirectory;
        private Path workingDirectory;

        private Builder(final String testName, final String processName) {
            this.testName = testName;
            this.processName = processName;
        }

        /**
         * Sets the class whose {@code main} the child runs.
         *
         * @param mainClass a fully qualified class name on the class path; default {@value #DEFAULT_MAIN_CLASS}
         * @return this builder
         */
        public Builder mainClass(final String mainClass) {
            this.mainClass = Objects.requireNonNull(mainClass, "mainClass");
            return this;
        }

        /**
         * Appends program arguments.
         *
         * @param values the arguments, in order; may not be null
         * @return this builder
         */
        public Builder args(final String... values) {
            return args(List.of(values));
        }

        /**
         * Appends program arguments.
         *
         * @param values the arguments, in order; may not be null nor hold null
         * @return this builder
         */
        public Builder args(final List<String> values) {
            values.forEach(value -> args.add(Objects.requireNonNull(value, "argument")));
            return this;
        }

        /**
         * Sets the child's maximum heap.
         *
         * @param size an {@code -Xmx} size such as {@code 256m} or {@code 1g}; default {@value #DEFAULT_MAX_HEAP}
         * @return this builder
         */
        public Builder maxHeap(final String size) {
            this.maxHeap = Objects.requireNonNull(size, "size");
            return this;
        }

        /**
         * Appends a JVM option, such as {@code -Dkey=value} or {@code -XX:+UseSerialGC}; it comes after the
         * defaults, so it wins where the JVM takes the last of repeated options.
         *
         * @param option the option; may not be null
         * @return this builder
         */
        public Builder jvmOption(final String option) {
            jvmOptions.add(Objects.requireNonNull(option, "option"));
            return this;
        }

        /**
         * Sets an environment variable of the child, which otherwise inherits the test JVM's environment.
         *
         * @param name the variable's name; may not be null
         * @param value its value; may not be null
         * @return this builder
         */
        public Builder env(final String name, final String value) {
            environment.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /**
         * Replaces the class path.
         *
         * @param value a class path; default the test JVM's ({@code java.class.path})
         * @return this builder
         */
        public Builder classPath(final String value) {
            this.classPath = Objects.requireNonNull(value, "value");
            return this;
        }

        /**
         * Replaces the directory of the output files.
         *
         * @param directory where {@code PROCESS_NAME.out} and {@code .err} go, created if missing; default
         *     {@link ChildJvm#outputDirectory(String)} of the test name
         * @return this builder
         */
        public Builder outputDirectory(final Path directory) {
            this.outputDirectory = Objects.requireNonNull(directory, "directory").toAbsolutePath();
            return this;
        }

        /**
         * Sets the child's working directory.
         *
         * @param directory an existing directory; default the test JVM's
         * @return this builder
         */
        public Builder workingDirectory(final Path directory) {
            this.workingDirectory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /**
         * Returns the command line the child is started with.
         *
         * @return {@code java} and its options, the main class and the arguments; unmodifiable
         */
        public List<String> command() {
            final List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx" + maxHeap);
            command.add("-XX:+ExitOnOutOfMemoryError");
            command.addAll(jvmOptions);
            command.add("-cp");
            command.add(classPath);
            command.add(mainClass);
            command.addAll(args);
            return Collections.unmodifiableList(command);
        }

        /**
         * Starts the child JVM. It may still be loading classes when this returns; wait for what it prints with
         * {@link ChildJvm#awaitOutput(Pattern, Duration)}.
         *
         * @return the running child; close it when done
         * @throws UncheckedIOException if the output files cannot be created or the JVM cannot be started
         */
        public ChildJvm start() {
            final Path directory = outputDirectory == null ? ChildJvm.outputDirectory(testName) : outputDirectory;
            final String name = nextRunName(directory.resolve(processName), processName);
            final Path out = directory.resolve(name + ".out");
            final Path err = directory.resolve(name + ".err");
            final ProcessBuilder builder = new ProcessBuilder(command())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
            // The product reads every option from ORDERBOOK_* variables too: a developer's own settings must not
            // reach a test's process; only those the test gives do.
            builder.environment().keySet().removeIf(k -> k.startsWith("ORDERBOOK_"));
            builder.environment().putAll(environment);
            if (workingDirectory != null) {
                builder.directory(workingDirectory.toFile());
            }
            final Process process;
            try {
                Files.createDirectories(directory);
                process = builder.start();
            } catch (final IOException e) {
                throw new UncheckedIOException("Could not start child JVM '" + name + "': " + mainClass, e);
            }
            final ChildJvm child = new ChildJvm(name, process, out, err);
            RUNNING.add(child);
            process.onExit().thenRun(() -> RUNNING.remove(child));
            log.info("Started child JVM. process=[{}] pid=[{}] main=[{}] args={} stdout=[{}] stderr=[{}]", name,
                child.pid(), mainClass, args, out, err);
            return child;
        }

        /** {@code name} for the first process of this name in this JVM, then {@code name-2}, {@code name-3}... */
        private static String nextRunName(final Path key, final String processName) {
            synchronized (RUNS_BY_NAME) {
                final int run = RUNS_BY_NAME.merge(key, 1, Integer::sum);
                return run == 1 ? processName : processName + "-" + run;
            }
        }
    }
}
