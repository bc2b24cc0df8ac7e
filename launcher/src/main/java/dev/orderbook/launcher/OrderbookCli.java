package dev.orderbook.launcher;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.util.Map;

/**
 * {@code ./orderbook}: one entry point for every command of the product. Wiring only; each command delegates to the
 * module that owns the capability.
 */
@Command(name = "orderbook",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Real-time Level-2 order books for Coinbase on Kafka Streams.",
        footer = {"", "Every option can also be given as an environment variable: ORDERBOOK_ and the option's name "
                + "in upper case, '-' as '_' (--kafka-config: ORDERBOOK_KAFKA_CONFIG). A flag wins over the "
                + "environment. Every option, its variable and default: docs/configuration.md."},
        subcommands = {
            RunCommand.class,
            ReplayCommand.class,
            BenchCommand.class,
            GenerateCommand.class,
            BrokerCommand.class,
            SimulateCommand.class,
            IngestCommand.class,
            ProcessCommand.class,
            RecordCommand.class,
            PublishCommand.class,
            CommandLine.HelpCommand.class,
        })
public final class OrderbookCli implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(final String[] args) {
        // One log format on stderr: libraries that use java.util.logging (Grizzly) go through logback too.
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, with the process's environment as the options' second source. */
    public static CommandLine commandLine() {
        return commandLine(System.getenv());
    }

    /** The configured command line, with {@code env} as the options' second source ({@link EnvironmentDefaults}). */
    static CommandLine commandLine(final Map<String, String> env) {
        return new CommandLine(new OrderbookCli())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setUsageHelpAutoWidth(true)
                .setDefaultValueProvider(new EnvironmentDefaults(env));
    }
}
