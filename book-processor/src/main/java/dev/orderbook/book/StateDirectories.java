package dev.orderbook.book;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the processor keeps its local state (Kafka Streams' {@code state.dir}) when not told: under the user's XDG
 * state directory ({@code $XDG_STATE_HOME}, else {@code ~/.local/state}), {@code orderbook/}. Not the OS temp
 * directory, which the OS may clear under a running service (Kafka Streams warns about it, rightly, once a store is
 * persistent). One place for the rule; stateless.
 */
public final class StateDirectories {
    private StateDirectories() {
    }

    /** {@code <XDG state home>/orderbook} for this environment. */
    public static Path base(final Map<String, String> env) {
        final String xdg = env.get("XDG_STATE_HOME");
        final Path home = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute() ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".local", "state");
        return home.resolve("orderbook");
    }

    /** The processor's default state directory: {@code <XDG state home>/orderbook/streams}. */
    public static Path processorDefault() {
        return base(System.getenv()).resolve("streams");
    }

    /**
     * A new, empty state directory for a run that deletes it when it ends ({@code run}, benchmarks):
     * {@code <XDG state home>/orderbook/<prefix>-<random>}.
     */
    public static Path ephemeral(final String prefix) throws IOException {
        final Path base = base(System.getenv());
        Files.createDirectories(base);
        return Files.createTempDirectory(base, prefix + "-");
    }
}
