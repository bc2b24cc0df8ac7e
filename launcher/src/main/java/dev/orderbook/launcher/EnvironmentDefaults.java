package dev.orderbook.launcher;

import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.Locale;
import java.util.Map;

/**
 * The environment as the second source of every option: {@code ORDERBOOK_} + the option's long name in upper case,
 * {@code -} as {@code _} ({@code --kafka-config} is {@code ORDERBOOK_KAFKA_CONFIG}). A flag on the command line wins;
 * without either, the option's default applies. A list option takes a comma-separated value, a map option
 * {@code K=V,K=V}. One rule for every command, documented in docs/configuration.md.
 */
final class EnvironmentDefaults implements IDefaultValueProvider {
    static final String PREFIX = "ORDERBOOK_";

    private final Map<String, String> env;

    EnvironmentDefaults(final Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /** The environment variable of an option: {@code --kafka-config} -> {@code ORDERBOOK_KAFKA_CONFIG}. */
    static String variableOf(final OptionSpec option) {
        return PREFIX + option.longestName().replaceFirst("^-+", "").toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** Whether an option takes part: help and version flags do not. */
    static boolean applies(final OptionSpec option) {
        return !option.usageHelp() && !option.versionHelp();
    }

    @Override
    public String defaultValue(final ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || !applies(option)) {
            return null;
        }
        final String value = env.get(variableOf(option));
        return value == null || value.isBlank() ? null : value;
    }
}
