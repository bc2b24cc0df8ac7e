package dev.orderbook.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files cannot be run here (no Docker engine, no cluster), so their contract with the code is
 * checked instead: every command they give the image parses with this command line, and the ports and probe paths
 * they use are the ones the services serve.
 */
class DeploymentManifestsTest {
    private static final Path ROOT = Path.of("..");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Pattern COMPOSE_VAR = Pattern.compile("\\$\\{([A-Z_]+):-([^}]*)}");
    private static final Pattern K8S_VAR = Pattern.compile("\\$\\(([A-Z_]+)\\)");

    @Test
    void composeCommandsShouldParseAndPublishTheirHttpPorts() throws Exception {
        final JsonNode services = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile()).get("services");
        final List<String> checked = new ArrayList<>();
        for (final String name : List.of("simulator", "ingestor", "processor")) {
            final JsonNode service = services.get(name);
            final List<String> args = new ArrayList<>();
            service.get("command").forEach(a -> args.add(substitute(COMPOSE_VAR, a.asText(), Map.of())));
            final CommandLine.ParseResult parsed = parse(args);
            checked.add(parsed.subcommand().commandSpec().name());
            final String httpPort = option(args, "--http-port");
            if (httpPort != null) {
                assertThat(service.get("ports").get(0).asText()).isEqualTo(httpPort + ":" + httpPort);
            }
        }
        assertThat(checked).containsExactly("simulate", "ingest", "process");
    }

    @Test
    void kubernetesContainersShouldParseAndProbeWhatTheyServe() throws Exception {
        final Map<String, String> config = new HashMap<>();
        YAML.readTree(ROOT.resolve("k8s/configmap.yaml").toFile()).get("data").fields()
                .forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
        config.put("POD_NAME", "orderbook-processor-0");
        final Map<String, String> probes = Map.of("ingest", "/health", "process", "/ready");
        final List<String> checked = new ArrayList<>();
        for (final String file : List.of("k8s/ingestor.yaml", "k8s/processor.yaml")) {
            for (final JsonNode doc : documents(ROOT.resolve(file))) {
                final JsonNode containers = doc.at("/spec/template/spec/containers");
                if (containers instanceof MissingNode) {
                    continue;
                }
                for (final JsonNode container : containers) {
                    final List<String> args = new ArrayList<>();
                    container.get("args").forEach(a -> args.add(substitute(K8S_VAR, a.asText(), config)));
                    final String command = parse(args).subcommand().commandSpec().name();
                    checked.add(command);
                    final String port = option(args, "--http-port");
                    assertThat(container.at("/ports/0/containerPort").asText()).isEqualTo(port);
                    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo(probes.get(command));
                }
            }
        }
        assertThat(checked).containsExactly("ingest", "process");
    }

    @Test
    void kubernetesShouldRunTwoIngestorsWithLivenessOnTheWorkerAndRollThemWithoutAGap() throws Exception {
        final JsonNode deployment = documents(ROOT.resolve("k8s/ingestor.yaml")).stream()
                .filter(d -> "Deployment".equals(d.path("kind").asText())).findFirst().orElseThrow();
        // One publishes, one stands by (the election is the ingestor's own, through Kafka).
        assertThat(deployment.at("/spec/replicas").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(deployment.at("/spec/strategy/type").asText()).isEqualTo("RollingUpdate");
        assertThat(deployment.at("/spec/strategy/rollingUpdate/maxUnavailable").asInt()).isZero();
        final JsonNode container = deployment.at("/spec/template/spec/containers/0");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
    }

    private static CommandLine.ParseResult parse(final List<String> args) {
        return OrderbookCli.commandLine().parseArgs(args.toArray(String[]::new));
    }

    private static String option(final List<String> args, final String name) {
        for (final String arg : args) {
            if (arg.startsWith(name + "=")) {
                return arg.substring(name.length() + 1);
            }
        }
        return null;
    }

    /** Replaces variables by their values (Kubernetes) or their defaults (Compose). */
    private static String substitute(final Pattern pattern, final String text, final Map<String, String> values) {
        final Matcher m = pattern.matcher(text);
        final StringBuilder out = new StringBuilder();
        while (m.find()) {
            final String value = m.groupCount() == 2 ? m.group(2) : values.get(m.group(1));
            assertThat(value).as("value of %s", m.group(1)).isNotNull();
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        return m.appendTail(out).toString();
    }

    private static List<JsonNode> documents(final Path file) throws Exception {
        final List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(Files.readString(file))) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
        }
        return docs;
    }
}
