package dev.orderbook.launcher;

import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code ./orderbook}: one entry point for every command of the product. Wiring only; each command delegates to the
 * module that owns the capability.
 */
@Command(name = "orderbook",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Real-time Level-2 order books for Coinbase on Kafka Streams.",
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

    /** The configured command line; tests call it too. */
    public static CommandLine commandLine() {
        return new CommandLine(new OrderbookCli())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setUsageHelpAutoWidth(true);
    }
}
