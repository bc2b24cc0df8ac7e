package dev.orderbook.launcher;

import dev.orderbook.book.BookProcessorConfig;
import dev.orderbook.contract.TopicDurability;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EnvironmentDefaultsTest {
    @RegisterExtension
    final CapturedStreams streams = new CapturedStreams();

    @Test
    void shouldTakeEveryProcessOptionFromTheEnvironmentWhenNoFlagGivesIt() {
        final BookProcessorConfig config = processConfig(Map.of(
                "ORDERBOOK_BOOTSTRAP", "a:1,b:2",
                "ORDERBOOK_APPLICATION_ID", "books-eu",
                "ORDERBOOK_GUARANTEE", "at_least_once",
                "ORDERBOOK_PRODUCTS", "BTC-USD,ETH-USD",
                "ORDERBOOK_ALERT_BPS_FOR", "ETH-USD=2.5,SOL-USD=40",
                "ORDERBOOK_STALE_AFTER", "7s",
                "ORDERBOOK_REPLICATION_FACTOR", "3",
                "ORDERBOOK_MIN_INSYNC_REPLICAS", "2"));

        assertThat(config.bootstrapServers()).isEqualTo("a:1,b:2");
        assertThat(config.applicationId()).isEqualTo("books-eu");
        assertThat(config.guarantee()).isEqualTo("at_least_once");
        assertThat(config.products()).containsExactly("BTC-USD", "ETH-USD");
        assertThat(config.alertThresholds().bpsE4For("ETH-USD")).isEqualTo(25_000L);
        assertThat(config.alertThresholds().bpsE4For("SOL-USD")).isEqualTo(400_000L);
        assertThat(config.staleAfterMs()).isEqualTo(7_000);
        assertThat(config.durability()).isEqualTo(TopicDurability.PRODUCTION);
    }

    @Test
    void shouldLetAFlagWinOverTheEnvironment() {
        final BookProcessorConfig config = processConfig(Map.of("ORDERBOOK_BOOTSTRAP", "env:1",
                "ORDERBOOK_APPLICATION_ID", "from-env"), "--application-id", "from-flag");

        assertThat(config.applicationId()).isEqualTo("from-flag");
        assertThat(config.bootstrapServers()).isEqualTo("env:1");
    }

    @Test
    void shouldKeepTheDefaultsWhereNeitherFlagNorEnvironmentSaysAnything() {
        final BookProcessorConfig config = processConfig(Map.of("ORDERBOOK_BOOTSTRAP", "env:1"));

        assertThat(config.applicationId()).isEqualTo(BookProcessorConfig.APPLICATION_ID_DEFAULT);
        assertThat(config.durability()).isEqualTo(TopicDurability.BROKER_DEFAULTS);
    }

    @Test
    void shouldReadTheKafkaConfigFileNamedByTheEnvironment(@TempDir final Path dir) throws IOException {
        final Path file = Files.writeString(dir.resolve("client.properties"),
                "bootstrap.servers=secure:9093\nsecurity.protocol=SASL_SSL\n");
        final BookProcessorConfig config = processConfig(Map.of("ORDERBOOK_KAFKA_CONFIG", file.toString()));

        assertThat(config.bootstrapServers()).isEqualTo("secure:9093");
        assertThat(config.kafka().properties()).containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void shouldRefuseAProtectedPropertyInTheKafkaConfigFileWithOneLineAndExitCode2(@TempDir final Path dir)
            throws IOException {
        final Path file = Files.writeString(dir.resolve("client.properties"), "acks=1\n");
        final int code = OrderbookCli.commandLine(Map.of("ORDERBOOK_KAFKA_CONFIG", file.toString()))
                .execute("ingest", "--bootstrap", "127.0.0.1:1");

        assertThat(code).isEqualTo(2);
        assertThat(streams.err().strip()).startsWith("orderbook ingest: ").contains("acks").doesNotContain("\n");
    }

    @Test
    void shouldRefuseAKafkaPropertyTheIngestorSetsItselfRatherThanIgnoreIt(@TempDir final Path dir) throws IOException {
        final Path file = Files.writeString(dir.resolve("client.properties"), "session.timeout.ms=45000\n");
        final int code = OrderbookCli.commandLine(Map.of()).execute("ingest", "--bootstrap", "127.0.0.1:1",
                "--kafka-config", file.toString());

        assertThat(code).isEqualTo(2);
        assertThat(streams.err().strip()).isEqualTo("orderbook ingest: the Kafka config file sets session.timeout.ms "
                + "for the ingestors' leadership consumer, which sets it itself: it is --session-timeout; remove it");
    }

    @Test
    void shouldRefuseFewerPartitionsThanProductsBeforeConnecting() {
        final int code = OrderbookCli.commandLine(Map.of()).execute("ingest", "--bootstrap", "127.0.0.1:1",
                "--products", "BTC-USD,ETH-USD", "--partitions", "1");

        assertThat(code).isEqualTo(2);
        assertThat(streams.err()).contains("--partitions 1 is fewer than the 2 products");
    }

    @Test
    void shouldSayHowToGiveTheBootstrapServersWhenNothingNamesThem() {
        assertThat(OrderbookCli.commandLine(Map.of()).execute("process")).isEqualTo(2);
        assertThat(streams.err()).contains("--bootstrap").contains("ORDERBOOK_BOOTSTRAP");
    }

    @Test
    void shouldSatisfyARequiredOptionFromTheEnvironment(@TempDir final Path dir) throws IOException {
        final Path feed = Files.writeString(dir.resolve("feed.ndjson"), "");
        final Path out = dir.resolve("summaries.ndjson");

        assertThat(OrderbookCli.commandLine(Map.of("ORDERBOOK_INPUT", feed.toString(),
                "ORDERBOOK_OUTPUT", out.toString())).execute("replay")).isZero();
        assertThat(out).exists();
    }

    @Test
    void shouldSplitEveryListAndMapOptionsVariableAtCommas() {
        final List<String> unsplit = new ArrayList<>();
        forEveryOption((command, option) -> {
            if (option.isMultiValue() && option.splitRegex().isEmpty()) {
                unsplit.add(command + " " + option.longestName());
            }
        });
        assertThat(unsplit).as("list and map options whose ORDERBOOK_* value would not be split at commas").isEmpty();
    }

    @Test
    void shouldNotTakeTheTestHarnessesVariablesForOptions() {
        final List<String> variables = new ArrayList<>();
        forEveryOption((command, option) -> variables.add(EnvironmentDefaults.variableOf(option)));
        assertThat(variables).doesNotContain("ORDERBOOK_KAFKA", "ORDERBOOK_KAFKA_BOOTSTRAP", "ORDERBOOK_KAFKA_IMAGE",
                "ORDERBOOK_SKIP_BUILD", "ORDERBOOK_LOG_LEVEL");
    }

    @Test
    void shouldTakeAMapOfReplayFromTheEnvironment(@TempDir final Path dir) throws IOException {
        final Path feed = Files.writeString(dir.resolve("feed.ndjson"), "");
        assertThat(OrderbookCli.commandLine(Map.of("ORDERBOOK_ALERT_BPS_FOR", "ETH-USD=2.5,SOL-USD=40",
                "ORDERBOOK_SCALE_FOR", "SHIB-USD=12:2,BTC-USD=10:10", "ORDERBOOK_OUTPUT",
                dir.resolve("out").toString())).execute("replay", "--input", feed.toString())).isZero();
    }

    private static void forEveryOption(final java.util.function.BiConsumer<String, CommandLine.Model.OptionSpec> f) {
        final java.util.Deque<CommandLine> todo = new java.util.ArrayDeque<>(List.of(
                OrderbookCli.commandLine(Map.of())));
        while (!todo.isEmpty()) {
            final CommandLine c = todo.pop();
            c.getCommandSpec().options().stream().filter(EnvironmentDefaults::applies)
                    .forEach(o -> f.accept(c.getCommandSpec().qualifiedName(), o));
            todo.addAll(c.getSubcommands().values());
        }
    }

    @Test
    void shouldNameEveryOptionsVariableByOneRule() {
        final CommandLine.Model.OptionSpec option = OrderbookCli.commandLine(Map.of()).getSubcommands()
                .get("process").getCommandSpec().findOption("--kafka-config");
        assertThat(EnvironmentDefaults.variableOf(option)).isEqualTo("ORDERBOOK_KAFKA_CONFIG");
    }

    private static BookProcessorConfig processConfig(final Map<String, String> env, final String... args) {
        final CommandLine cli = OrderbookCli.commandLine(env);
        final String[] all = new String[args.length + 1];
        all[0] = "process";
        System.arraycopy(args, 0, all, 1, args.length);
        final CommandLine.ParseResult parsed = cli.parseArgs(all);
        final ProcessCommand command = parsed.subcommand().commandSpec().commandLine().getCommand();
        return command.config();
    }
}
