package dev.orderbook.launcher;

import dev.orderbook.contract.ProtectedKafkaProperties;
import dev.orderbook.contract.ServiceAcls;
import dev.orderbook.contract.Topics;
import dev.orderbook.book.BookProcessorConfig;
import dev.orderbook.ingestor.publish.PublisherConfig;
import dev.orderbook.ingestor.service.ControlOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The generated parts of docs/configuration.md (every option of every command) and docs/security.md (the ACLs of
 * {@link ServiceAcls}) equal what the code says, so that they cannot drift. Between the markers
 * {@code <!-- generated:NAME -->} and {@code <!-- end:NAME -->}; the prose around them is written by hand.
 * After changing an option or a grant: {@code mvn -pl launcher -am test -Dtest=GeneratedDocsTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Ddocs.update=true} rewrites them.
 */
class GeneratedDocsTest {
    private static final Path DOCS = Path.of("..", "docs");
    private static final boolean UPDATE = Boolean.getBoolean("docs.update");

    @Test
    void configurationReferenceShouldListEveryOptionOfEveryCommandAsTheCodeDefinesIt() throws IOException {
        check(DOCS.resolve("configuration.md"), "options", options());
    }

    @Test
    void configurationReferenceShouldListEveryProtectedKafkaPropertyWithItsReason() throws IOException {
        check(DOCS.resolve("configuration.md"), "protected", ProtectedKafkaProperties.keys().stream()
                .map(k -> "| `" + k + "` | " + cell(ProtectedKafkaProperties.reasonFor(k).orElseThrow()) + " |\n")
                .collect(Collectors.joining("", "| property | why it is fixed |\n| --- | --- |\n", "")));
    }

    @Test
    void configurationReferenceShouldListEveryKafkaPropertyAServiceSetsItself() throws IOException {
        final StringBuilder md = new StringBuilder("| client | property | why the file may not set it |\n"
                + "| --- | --- | --- |\n");
        final Map<String, Map<String, String>> fixed = new java.util.LinkedHashMap<>();
        fixed.put("the processor (Kafka Streams)", BookProcessorConfig.FIXED_STREAMS_PROPERTIES);
        fixed.put("the raw-topic producer (ingest, publish)", PublisherConfig.FIXED_PRODUCER_PROPERTIES);
        fixed.put("the ingestors' leadership consumer", ControlOptions.FIXED_CONSUMER_PROPERTIES);
        fixed.forEach((client, keys) -> new java.util.TreeMap<>(keys).forEach((k, why) -> md.append("| ")
                .append(client).append(" | `").append(k).append("` | ").append(cell(why)).append(" |\n")));
        check(DOCS.resolve("configuration.md"), "fixed", md.toString());
    }

    @Test
    void securityReferenceShouldShowExactlyTheAclsOfEachService() throws IOException {
        check(DOCS.resolve("security.md"), "acls", acls());
    }

    private static void check(final Path file, final String name, final String generated) throws IOException {
        final String doc = Files.readString(file, StandardCharsets.UTF_8);
        final String begin = "<!-- generated:" + name + " -->\n";
        final String end = "<!-- end:" + name + " -->";
        final int from = doc.indexOf(begin);
        final int to = doc.indexOf(end);
        assertThat(from).as(file + " has the marker " + begin.strip()).isNotNegative();
        assertThat(to).as(file + " has the marker " + end).isGreaterThan(from);
        final String updated = doc.substring(0, from + begin.length()) + generated + doc.substring(to);
        if (UPDATE && !updated.equals(doc)) {
            Files.writeString(file, updated, StandardCharsets.UTF_8);
            return;
        }
        assertThat(doc).as(file + " is out of date: run this test with -Ddocs.update=true").isEqualTo(updated);
    }

    /** Every command's options, a table per command. */
    static String options() {
        final StringBuilder md = new StringBuilder();
        final CommandLine root = OrderbookCli.commandLine(Map.of());
        for (final CommandLine command : commands(root)) {
            final CommandSpec spec = command.getCommandSpec();
            final List<OptionSpec> options = spec.options().stream().filter(EnvironmentDefaults::applies).toList();
            if (options.isEmpty()) {
                continue;
            }
            md.append("### `").append(spec.qualifiedName(" ")).append("`\n\n");
            md.append(spec.usageMessage().description()[0]).append("\n\n");
            md.append("| option | environment | default | meaning |\n| --- | --- | --- | --- |\n");
            for (final OptionSpec o : options) {
                md.append("| `").append(cell(String.join("`, `", o.names()) + (o.typeInfo().isBoolean() ? ""
                                : " " + o.paramLabel()))).append("` | `").append(EnvironmentDefaults.variableOf(o))
                        .append("` | ").append(defaultOf(o)).append(" | ").append(meaning(o)).append(" |\n");
            }
            md.append('\n');
        }
        return md.toString();
    }

    private static List<CommandLine> commands(final CommandLine root) {
        return root.getSubcommands().values().stream().distinct()
                .filter(c -> !c.getCommandName().equals("help"))
                .flatMap(c -> c.getSubcommands().isEmpty() ? java.util.stream.Stream.of(c)
                        : c.getSubcommands().values().stream().distinct()
                                .filter(s -> !s.getCommandName().equals("help")))
                .toList();
    }

    private static String defaultOf(final OptionSpec o) {
        final String d = o.defaultValue();
        if (d == null || d.isEmpty()) {
            return o.required() ? "required" : "";
        }
        return "`" + cell(d) + "`";
    }

    private static String meaning(final OptionSpec o) {
        // picocli has already put the default into the text; the default column says it.
        final String text = String.join(" ", o.description());
        return cell(o.defaultValue() == null ? text : text.replace(" (default: " + o.defaultValue() + ")", ""));
    }

    private static String cell(final String text) {
        return text.replace("|", "\\|").replace("\n", " ");
    }

    /** The grants of every service with the default names, as a table and as kafka-acls commands. */
    static String acls() {
        final Map<String, List<ServiceAcls.Grant>> services = new java.util.LinkedHashMap<>();
        services.put("ingestor", ServiceAcls.ingestor(Topics.RAW_DEFAULT, Topics.DLQ_DEFAULT,
                Topics.CONTROL_DEFAULT, ControlOptions.GROUP_ID_DEFAULT));
        services.put("processor", ServiceAcls.processor(Topics.RAW_DEFAULT, Topics.SUMMARIES_DEFAULT,
                Topics.ALERTS_DEFAULT, Topics.DLQ_DEFAULT, Topics.CONTROL_DEFAULT,
                BookProcessorConfig.APPLICATION_ID_DEFAULT));
        services.put("publish", ServiceAcls.publish(Topics.RAW_DEFAULT, Topics.DLQ_DEFAULT));
        final StringBuilder md = new StringBuilder();
        md.append("| principal | resource | name | pattern | operations | why |\n")
                .append("| --- | --- | --- | --- | --- | --- |\n");
        services.forEach((user, grants) -> grants.forEach(g -> md.append("| `User:").append(user).append("` | ")
                .append(g.type().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')).append(" | `")
                .append(g.name()).append("` | ").append(g.pattern().name().toLowerCase(java.util.Locale.ROOT))
                .append(" | ").append(String.join(", ", g.operationNames())).append(" | ").append(cell(g.why()))
                .append(" |\n")));
        md.append("\n```bash\n");
        services.forEach((user, grants) -> {
            md.append("# ").append(user).append('\n');
            md.append(grants.stream().map(g -> g.command("User:" + user)).collect(Collectors.joining("\n")))
                    .append('\n');
        });
        md.append("```\n");
        return md.toString();
    }
}
