package dev.orderbook.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.orderbook.book.BookProcessorConfig;
import dev.orderbook.contract.KafkaClientConfig;
import dev.orderbook.contract.ServiceAcls;
import dev.orderbook.contract.TopicDurability;
import dev.orderbook.contract.TopicSpec;
import dev.orderbook.contract.Topics;
import dev.orderbook.ingestor.service.ControlOptions;
import dev.orderbook.ingestor.service.IngestorService;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files cannot be run here (no Docker engine, no cluster), so they are parsed instead: every
 * Kubernetes manifest (base and Strimzi overlay, every document) into the Kubernetes object model (fabric8; Strimzi's
 * custom resources as generic resources), and their contract with the code checked: the restricted Pod Security
 * Standard, settings given only as environment variables that are options of the container's command and that the
 * command accepts as a whole (the service's configuration is built from them, the Kafka client properties files
 * included), ports and probes, no secrets in ConfigMaps or on command lines, network policies, the Strimzi topics
 * and users against {@link TopicSpec} and {@link ServiceAcls}, the image and Compose.
 */
class DeploymentManifestsTest {
    private static final Path ROOT = Path.of("..");
    private static final Path K8S = ROOT.resolve("k8s");
    private static final Path STRIMZI = K8S.resolve("overlays/strimzi");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final KubernetesSerialization KUBERNETES = new KubernetesSerialization();
    private static final Pattern COMPOSE_VAR = Pattern.compile("\\$\\{([A-Z_]+):-([^}]*)}");
    /** Variables a container may have besides options of its command: the JVM's. */
    private static final Set<String> JVM_VARIABLES = Set.of("JAVA_TOOL_OPTIONS");
    private static final String POD_IP = "10.1.2.3";
    private static final String KAFKA_CONFIG_MOUNT = "/etc/orderbook/kafka";
    private static final String STRIMZI_USER_MOUNT = "/etc/orderbook/kafka-user";
    /** What each command serves: readiness and liveness paths, as its code routes them (and its help says). */
    private static final Map<String, List<String>> PROBES = Map.of(
            "ingest", List.of("/health", "/health/live"),
            "process", List.of("/ready", "/health"));
    private static final Pattern SECRET_LOOKING = Pattern.compile(
            "(?i)password|passwd|secret|token|credential|jaas|private[-_.]?key|api[-_.]?key|BEGIN [A-Z ]*KEY");

    // ---------------------------------------------------------------------------------------------------------
    // Parsing

    @Test
    void shouldParseEveryDocumentOfEveryManifestIntoTheKubernetesModelWithoutUnknownFields() throws Exception {
        final List<Path> files;
        try (Stream<Path> walk = Files.walk(K8S)) {
            files = walk.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        final List<String> kinds = new ArrayList<>();
        for (final Path file : files) {
            if (file.getFileName().toString().equals("kustomization.yaml")) {
                // Every file a kustomization names exists.
                final JsonNode k = documents(file).get(0);
                for (final String field : List.of("resources", "patches", "secretGenerator")) {
                    for (final JsonNode entry : k.path(field)) {
                        final List<String> paths = new ArrayList<>();
                        if (entry.isTextual()) {
                            paths.add(entry.asText());
                        } else if (entry.has("path")) {
                            paths.add(entry.get("path").asText());
                        } else {
                            entry.path("files").forEach(f -> paths.add(f.asText().replaceFirst("^[^=]*=", "")));
                        }
                        paths.forEach(p -> assertThat(file.getParent().resolve(p)).as(file + " names " + p).exists());
                    }
                }
                continue;
            }
            for (final HasMetadata resource : resources(file)) {
                kinds.add(resource.getKind());
                if (resource.getApiVersion().startsWith("kafka.strimzi.io/")) {
                    assertThat(resource).isInstanceOf(GenericKubernetesResource.class);
                    assertThat(resource.getApiVersion()).isEqualTo("kafka.strimzi.io/v1beta2");
                } else {
                    assertThat(resource).as(file + ": " + resource.getKind()).isNotInstanceOf(
                            GenericKubernetesResource.class);
                    assertNoUnknownFields(resource, file + " " + resource.getKind() + " "
                            + resource.getMetadata().getName());
                }
            }
        }
        assertThat(kinds).contains("Deployment", "StatefulSet", "ConfigMap", "Service", "NetworkPolicy",
                "PodDisruptionBudget", "KafkaTopic", "KafkaUser");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Pods

    @Test
    void shouldRunEveryContainerUnderTheRestrictedPodSecurityStandard() throws Exception {
        final List<String> checked = new ArrayList<>();
        for (final Workload w : workloads()) {
            final PodSpec pod = w.pod();
            final PodSecurityContext psc = pod.getSecurityContext();
            assertThat(pod.getAutomountServiceAccountToken()).as(w.name()).isFalse();
            assertThat(pod.getHostNetwork()).as(w.name()).isNotEqualTo(Boolean.TRUE);
            assertThat(pod.getHostPID()).as(w.name()).isNotEqualTo(Boolean.TRUE);
            assertThat(pod.getHostIPC()).as(w.name()).isNotEqualTo(Boolean.TRUE);
            assertThat(psc.getRunAsNonRoot()).as(w.name()).isTrue();
            assertThat(psc.getRunAsUser()).as(w.name()).isPositive();
            assertThat(psc.getSeccompProfile().getType()).as(w.name()).isEqualTo("RuntimeDefault");
            for (final Volume v : w.allVolumes()) {
                // The volume types the restricted standard allows.
                assertThat(v.getConfigMap() != null || v.getEmptyDir() != null || v.getSecret() != null
                        || v.getPersistentVolumeClaim() != null || v.getDownwardAPI() != null
                        || v.getProjected() != null || v.getEphemeral() != null).as(w.name() + " " + v.getName())
                        .isTrue();
            }
            for (final Container c : w.containers()) {
                final SecurityContext sc = c.getSecurityContext();
                assertThat(sc.getAllowPrivilegeEscalation()).as(c.getName()).isFalse();
                assertThat(sc.getReadOnlyRootFilesystem()).as(c.getName()).isTrue();
                assertThat(sc.getPrivileged()).as(c.getName()).isNotEqualTo(Boolean.TRUE);
                assertThat(sc.getCapabilities().getDrop()).as(c.getName()).contains("ALL");
                assertThat(sc.getCapabilities().getAdd()).as(c.getName()).isNullOrEmpty();
                assertThat(sc.getRunAsNonRoot() == null ? psc.getRunAsNonRoot() : sc.getRunAsNonRoot()).isTrue();
                assertThat(sc.getRunAsUser() == null ? psc.getRunAsUser() : sc.getRunAsUser()).isPositive();
                assertThat(sc.getSeccompProfile()).as(c.getName()).isNull();
                c.getPorts().forEach(p -> assertThat(p.getHostPort()).as(c.getName()).isNull());
                // The root filesystem is read-only: the JVM's tmp directory is an emptyDir.
                assertThat(w.volumeAt(c, "/tmp").getEmptyDir()).as(c.getName() + " /tmp").isNotNull();
                // The Kafka client properties come from a Secret of this service's own, read-only.
                final Volume kafka = w.volumeAt(c, KAFKA_CONFIG_MOUNT);
                assertThat(kafka.getSecret().getSecretName()).isEqualTo(w.name() + "-kafka");
                w.mounts(c).stream().filter(m -> m.getMountPath().startsWith("/etc/"))
                        .forEach(m -> assertThat(m.getReadOnly()).as(m.getMountPath()).isTrue());
                checked.add(c.getName());
            }
        }
        assertThat(checked).containsExactlyInAnyOrder("ingestor", "processor");
        // The processor's state is on its persistent volume, the one writable place besides /tmp.
        final Workload processor = workload("orderbook-processor");
        final Container c = processor.containers().get(0);
        final String stateDir = env(processor, c).get("ORDERBOOK_STATE_DIR");
        assertThat(processor.mounts(c)).anySatisfy(m -> {
            assertThat(m.getMountPath()).isEqualTo(stateDir);
            assertThat(((StatefulSet) processor.resource()).getSpec().getVolumeClaimTemplates())
                    .anySatisfy(t -> assertThat(t.getMetadata().getName()).isEqualTo(m.getName()));
        });
    }

    @Test
    void shouldConfigureEachContainerOnlyThroughVariablesThatAreOptionsOfItsCommand() throws Exception {
        final List<String> checked = new ArrayList<>();
        for (final Workload w : workloads()) {
            for (final Container c : w.containers()) {
                // The arguments are the command alone; everything else is an ORDERBOOK_ variable.
                assertThat(c.getArgs()).as(c.getName()).hasSize(1);
                final String command = c.getArgs().get(0);
                final Set<String> options = variablesOf(command);
                for (final String name : env(w, c).keySet()) {
                    assertThat(options.contains(name) || JVM_VARIABLES.contains(name))
                            .as("%s sets %s, which is no option of %s (%s)", c.getName(), name, command, options)
                            .isTrue();
                }
                checked.add(command);
            }
        }
        assertThat(checked).containsExactlyInAnyOrder("ingest", "process");
    }

    @Test
    void shouldStartTheIngestorFromTheBaseSettingsAsTheCodeAcceptsThem() throws Exception {
        final Workload w = workload("orderbook-ingestor");
        final Container c = w.containers().get(0);
        final IngestorService.Config config = (IngestorService.Config) configOf(w, c,
                K8S.resolve("examples/client.properties"));
        assertThat(config.httpPort()).isEqualTo(c.getPorts().get(0).getContainerPort());
        assertThat(config.publisher().kafka().bootstrapServers()).isEqualTo(baseConfig().get("ORDERBOOK_BOOTSTRAP"));
        assertThat(config.publisher().kafka().properties()).containsEntry("security.protocol", "SASL_SSL");
        assertThat(config.publisher().durability()).isEqualTo(TopicDurability.PRODUCTION);
        assertThat(config.feed().productIds()).hasSize(4);
        assertProbes(w, c, "ingest");
    }

    @Test
    void shouldStartTheProcessorFromTheBaseSettingsAsTheCodeAcceptsThem() throws Exception {
        final Workload w = workload("orderbook-processor");
        final Container c = w.containers().get(0);
        final BookProcessorConfig config = (BookProcessorConfig) configOf(w, c,
                K8S.resolve("examples/client.properties"));
        final int port = c.getPorts().get(0).getContainerPort();
        assertThat(config.httpPort()).isEqualTo(port);
        assertThat(config.advertisedHost()).isEqualTo(POD_IP);
        assertThat(config.stateDir()).isEqualTo(Path.of("/state"));
        assertThat(config.durability()).isEqualTo(TopicDurability.PRODUCTION);
        assertThat(config.standbyReplicas()).isEqualTo(1);
        assertThat(config.products()).hasSize(4);
        // Kafka Streams takes the whole of it.
        new StreamsConfig(config.toStreamsProperties(config.advertisedHost() + ":" + port));
        assertProbes(w, c, "process");
    }

    @Test
    void shouldSizeEveryContainerAndItsHeapToItsMemoryLimit() throws Exception {
        for (final Workload w : workloads()) {
            for (final Container c : w.containers()) {
                final Map<String, Quantity> requests = c.getResources().getRequests();
                final Map<String, Quantity> limits = c.getResources().getLimits();
                assertThat(requests).as(c.getName()).containsKeys("cpu", "memory");
                assertThat(limits).as(c.getName()).containsKey("memory");
                assertThat(requests.get("memory").getNumericalAmount())
                        .isLessThanOrEqualTo(limits.get("memory").getNumericalAmount());
                assertThat(env(w, c).get("JAVA_TOOL_OPTIONS")).as(c.getName()).contains("-XX:MaxRAMPercentage=");
            }
        }
    }

    @Test
    void shouldKeepSecretsOutOfConfigMapsEnvironmentValuesAndCommandLines() throws Exception {
        for (final Path file : List.of(K8S.resolve("configmap.yaml"), STRIMZI.resolve("bootstrap.yaml"))) {
            for (final HasMetadata r : resources(file)) {
                ((ConfigMap) r).getData().forEach((k, v) -> {
                    assertThat(k).as(file + " key").doesNotContainPattern(SECRET_LOOKING);
                    assertThat(v).as(file + " " + k).doesNotContainPattern(SECRET_LOOKING);
                });
            }
        }
        for (final Workload w : workloads()) {
            for (final Container c : w.containers()) {
                c.getArgs().forEach(a -> assertThat(a).doesNotContainPattern(SECRET_LOOKING));
                for (final EnvVar e : c.getEnv()) {
                    assertThat(e.getName()).doesNotContainPattern(SECRET_LOOKING);
                    if (e.getValue() != null) {
                        assertThat(e.getValue()).as(e.getName()).doesNotContainPattern(SECRET_LOOKING);
                    } else {
                        // Secrets are files, never variables (the environment shows in the pod spec and to ps).
                        assertThat(e.getValueFrom().getSecretKeyRef()).as(e.getName()).isNull();
                    }
                }
                c.getEnvFrom().forEach(f -> assertThat(f.getSecretRef()).isNull());
            }
        }
    }

    @Test
    void shouldRunTwoIngestorsWithLivenessOnTheWorkerAndRollThemWithoutAGap() throws Exception {
        final Deployment deployment = (Deployment) workload("orderbook-ingestor").resource();
        // One publishes, one stands by (the election is the ingestor's own, through Kafka).
        assertThat(deployment.getSpec().getReplicas()).isGreaterThanOrEqualTo(2);
        assertThat(deployment.getSpec().getStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(deployment.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Network policies

    @Test
    void shouldLetEachPodReachOnlyWhatItNeedsAndBeReachedOnlyOnItsHttpPort() throws Exception {
        final List<NetworkPolicy> policies = resources(K8S.resolve("networkpolicy.yaml")).stream()
                .map(NetworkPolicy.class::cast).toList();
        final Map<String, String> ingestor = Map.of("app.kubernetes.io/name", "orderbook-ingestor");
        final Map<String, String> processor = Map.of("app.kubernetes.io/name", "orderbook-processor");
        for (final Map<String, String> pod : List.of(ingestor, processor)) {
            // Denied by default, both ways.
            assertThat(policies).anySatisfy(p -> {
                assertThat(selects(p.getSpec().getPodSelector(), pod)).isTrue();
                assertThat(p.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
                assertThat(p.getSpec().getIngress()).isNullOrEmpty();
                assertThat(p.getSpec().getEgress()).isNullOrEmpty();
            });
        }
        // Whatever the peers: the ports each pod may open and be reached on.
        assertThat(egressPorts(policies, ingestor))
                .containsExactlyInAnyOrder("UDP/53", "TCP/53", "TCP/9092", "TCP/9093", "TCP/443");
        assertThat(egressPorts(policies, processor))
                .containsExactlyInAnyOrder("UDP/53", "TCP/53", "TCP/9092", "TCP/9093", "TCP/8082");
        assertThat(ingressPorts(policies, ingestor)).containsExactly("TCP/8081");
        assertThat(ingressPorts(policies, processor)).containsExactly("TCP/8082");
        // Processors query each other (book queries go to the owner of the product), both ways.
        assertThat(policies).anySatisfy(p -> {
            assertThat(selects(p.getSpec().getPodSelector(), processor)).isTrue();
            assertThat(p.getSpec().getIngress()).anySatisfy(rule -> assertThat(rule.getFrom())
                    .anySatisfy(peer -> assertThat(selects(peer.getPodSelector(), processor)).isTrue()));
            assertThat(p.getSpec().getEgress()).anySatisfy(rule -> assertThat(rule.getTo())
                    .anySatisfy(peer -> assertThat(selects(peer.getPodSelector(), processor)).isTrue()));
        });
        // The HTTP ports are the containers' own.
        assertThat(workload("orderbook-ingestor").containers().get(0).getPorts().get(0).getContainerPort())
                .isEqualTo(8081);
        assertThat(workload("orderbook-processor").containers().get(0).getPorts().get(0).getContainerPort())
                .isEqualTo(8082);
        // The Strimzi overlay narrows Kafka to the broker pods on the TLS port.
        final NetworkPolicy kafka = (NetworkPolicy) resources(STRIMZI.resolve("kafka-egress.yaml")).get(0);
        assertThat(policies).extracting(p -> p.getMetadata().getName()).contains(kafka.getMetadata().getName());
        assertThat(kafka.getSpec().getEgress()).singleElement().satisfies(rule -> {
            assertThat(rule.getPorts()).extracting(NetworkPolicyPort::getPort).extracting(i -> i.getIntVal())
                    .containsExactly(9093);
            assertThat(rule.getTo()).extracting(NetworkPolicyPeer::getPodSelector).isNotEmpty();
        });
    }

    // ---------------------------------------------------------------------------------------------------------
    // Strimzi

    @Test
    void shouldGrantEachKafkaUserExactlyTheAclsOfItsService() throws Exception {
        final Map<String, List<ServiceAcls.Grant>> expected = Map.of(
                "orderbook-ingestor", ServiceAcls.ingestor(Topics.RAW_DEFAULT, Topics.DLQ_DEFAULT,
                        Topics.CONTROL_DEFAULT, ControlOptions.GROUP_ID_DEFAULT),
                "orderbook-processor", ServiceAcls.processor(Topics.RAW_DEFAULT, Topics.SUMMARIES_DEFAULT,
                        Topics.ALERTS_DEFAULT, Topics.DLQ_DEFAULT, Topics.CONTROL_DEFAULT,
                        BookProcessorConfig.APPLICATION_ID_DEFAULT));
        final Map<String, Set<String>> actual = new HashMap<>();
        for (final HasMetadata r : resources(STRIMZI.resolve("users.yaml"))) {
            assertThat(r.getKind()).isEqualTo("KafkaUser");
            final JsonNode spec = JSON.valueToTree(((GenericKubernetesResource) r).getAdditionalProperties())
                    .get("spec");
            assertThat(spec.at("/authentication/type").asText()).isEqualTo("scram-sha-512");
            assertThat(spec.at("/authorization/type").asText()).isEqualTo("simple");
            final Set<String> entries = new TreeSet<>();
            for (final JsonNode acl : spec.at("/authorization/acls")) {
                assertThat(acl.path("type").asText("allow")).isEqualTo("allow");
                assertThat(acl.path("host").asText("*")).isEqualTo("*");
                for (final JsonNode op : acl.get("operations")) {
                    assertThat(entries.add(acl.at("/resource/type").asText() + " " + acl.at("/resource/name").asText()
                            + " " + acl.at("/resource/patternType").asText() + " " + op.asText()))
                            .as("granted twice").isTrue();
                }
            }
            actual.put(r.getMetadata().getName(), entries);
        }
        final Map<String, Set<String>> wanted = new HashMap<>();
        expected.forEach((user, grants) -> wanted.put(user, grants.stream().flatMap(g -> g.operationNames().stream()
                        .map(op -> strimziType(g) + " " + g.name() + " "
                                + (g.pattern() == PatternType.PREFIXED ? "prefix" : "literal") + " " + op))
                .collect(Collectors.toCollection(TreeSet::new))));
        assertThat(actual).isEqualTo(wanted);
    }

    @Test
    void shouldDeclareEveryTopicAsTheServicesWouldCreateItWithProductionDurability() throws Exception {
        final int products = baseConfig().get("ORDERBOOK_PRODUCTS").split(",").length;
        final Map<String, JsonNode> topics = new HashMap<>();
        for (final HasMetadata r : resources(STRIMZI.resolve("topics.yaml"))) {
            assertThat(r.getKind()).isEqualTo("KafkaTopic");
            assertThat(r.getMetadata().getLabels()).containsEntry("strimzi.io/cluster", "kafka");
            final JsonNode spec = JSON.valueToTree(((GenericKubernetesResource) r).getAdditionalProperties())
                    .get("spec");
            topics.put(spec.path("topicName").asText(r.getMetadata().getName()), spec);
        }
        assertThat(topics).hasSize(TopicSpec.values().length);
        final TopicDurability durability = TopicDurability.PRODUCTION;
        assertThat(baseConfig()).containsEntry("ORDERBOOK_REPLICATION_FACTOR", "" + durability.replicationFactor())
                .containsEntry("ORDERBOOK_MIN_INSYNC_REPLICAS", "" + durability.minInsyncReplicas());
        for (final TopicSpec spec : TopicSpec.values()) {
            final JsonNode topic = topics.get(spec.defaultName());
            assertThat(topic).as(spec.defaultName()).isNotNull();
            assertThat(topic.get("partitions").asInt()).as(spec.defaultName())
                    .isEqualTo(spec.partitioning() == TopicSpec.Partitioning.ONE ? 1 : products);
            assertThat(topic.get("replicas").asInt()).isEqualTo(durability.replicationFactor());
            final Map<String, String> config = new HashMap<>();
            topic.get("config").fields().forEachRemaining(e -> config.put(e.getKey(), e.getValue().asText()));
            final Map<String, String> wanted = new HashMap<>(durability.topicConfigs());
            wanted.put("cleanup.policy", "delete");
            wanted.put("retention.ms", "" + spec.retention().toMillis());
            wanted.put("max.message.bytes", "" + spec.maxMessageBytes());
            assertThat(config).as(spec.defaultName()).isEqualTo(wanted);
        }
    }

    @Test
    void shouldReadTheStrimziPasswordFromTheUsersSecretMountedAsAFile(@TempDir final Path tmp) throws Exception {
        final Map<String, Workload> patched = new HashMap<>();
        for (final HasMetadata r : resources(STRIMZI.resolve("credentials.yaml"))) {
            final Workload base = workload(r.getMetadata().getName());
            patched.put(r.getMetadata().getName(), base.patchedWith(r));
        }
        final Map<String, String> bootstrap = ((ConfigMap) resources(STRIMZI.resolve("bootstrap.yaml")).get(0))
                .getData();
        final Map<String, String> generated = secretFiles();
        for (final Workload w : patched.values()) {
            final Container c = w.containers().get(0);
            final String user = w.name();
            // The Secret Strimzi writes for the KafkaUser of the same name, mounted as files.
            final Volume secret = w.volumeAt(c, STRIMZI_USER_MOUNT);
            assertThat(secret.getSecret().getSecretName()).isEqualTo(user);
            final Path dir = Files.createDirectories(tmp.resolve(user));
            final String password = "pw-of-" + user;
            Files.writeString(dir.resolve("password"), password);
            // The service's client properties, as the overlay generates its Secret, with the mount moved here.
            final String properties = Files.readString(STRIMZI.resolve(generated.get(w.name() + "-kafka")));
            assertThat(properties).doesNotContain(password).contains("${dir:" + STRIMZI_USER_MOUNT + ":password}");
            final Path file = tmp.resolve(user + ".properties");
            Files.writeString(file, properties.replace(STRIMZI_USER_MOUNT, dir.toString()));
            final Map<String, String> env = new HashMap<>(env(w, c));
            env.putAll(bootstrap);
            final Object config = configOf(w, c, env, file);
            final KafkaClientConfig kafka = config instanceof BookProcessorConfig p ? p.kafka()
                    : ((IngestorService.Config) config).publisher().kafka();
            assertThat(kafka.bootstrapServers()).isEqualTo("kafka-kafka-bootstrap:9093");
            // Kafka resolves the password from the file when it creates a client.
            final AdminClientConfig admin = new AdminClientConfig(kafka.admin());
            assertThat(admin.getPassword("sasl.jaas.config").value())
                    .contains("username=\"" + user + "\"", "password=\"" + password + "\"");
            assertThat(admin.getString("security.protocol")).isEqualTo("SASL_SSL");
            // The truststore is Strimzi's cluster CA, mounted where the properties say.
            final String truststore = admin.getString("ssl.truststore.location");
            final Volume ca = w.volumeAt(c, Path.of(truststore).getParent().toString());
            assertThat(ca.getSecret().getSecretName()).isEqualTo("kafka-cluster-ca-cert");
            if (config instanceof BookProcessorConfig p) {
                final StreamsConfig streams = new StreamsConfig(p.toStreamsProperties("10.1.2.3:8082"));
                // Kafka Streams hands its clients the resolved value.
                assertThat(String.valueOf(streams.getProducerConfigs("test").get("sasl.jaas.config")))
                        .contains("password=\"" + password + "\"");
            }
        }
        assertThat(patched).containsOnlyKeys("orderbook-ingestor", "orderbook-processor");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Image and Compose

    @Test
    void imageShouldRunAsANonRootUserFromPinnedBasesAndLeaveTheHeapToTheContainer() throws Exception {
        final List<String> lines = Files.readAllLines(ROOT.resolve("Dockerfile")).stream()
                .filter(l -> !l.startsWith("#")).toList();
        final List<String> from = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
        assertThat(from).hasSizeGreaterThanOrEqualTo(2).allSatisfy(l ->
                assertThat(l).as("an exact version").containsPattern("^FROM [a-z0-9./-]+:[^ ]*\\d+\\.\\d+\\.\\d+"));
        assertThat(from.get(from.size() - 1)).contains("-jre");
        final String user = lines.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
        assertThat(user).matches("USER [1-9]\\d*(:[1-9]\\d*)?");
        final String entrypoint = String.join(" ", lines).replace("\\ ", "");
        assertThat(entrypoint).contains("\"-XX:+ExitOnOutOfMemoryError\"");
        // MaxRAMPercentage on the command line would win over the pods' JAVA_TOOL_OPTIONS.
        assertThat(entrypoint.substring(entrypoint.indexOf("ENTRYPOINT"))).doesNotContain("MaxRAMPercentage");
        for (final Workload w : workloads()) {
            assertThat(w.pod().getSecurityContext().getRunAsUser()).isEqualTo(
                    Long.parseLong(user.substring(5).split(":")[0]));
        }
    }

    @Test
    void composeShouldRunEachServiceFromItsEnvironmentAndPublishHttpOnLoopbackOnly() throws Exception {
        final JsonNode compose = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile());
        final JsonNode common = compose.get("x-orderbook");
        assertThat(common.get("read_only").asBoolean()).isTrue();
        assertThat(common.get("cap_drop").toString()).contains("ALL");
        assertThat(common.get("security_opt").toString()).contains("no-new-privileges:true");
        assertThat(common.get("tmpfs").toString()).contains("/tmp");
        final List<String> checked = new ArrayList<>();
        for (final String name : List.of("simulator", "ingestor", "processor")) {
            final JsonNode service = compose.get("services").get(name);
            assertThat(service.get("command")).hasSize(1);
            final String command = service.get("command").get(0).asText();
            final Map<String, String> env = new LinkedHashMap<>();
            service.path("environment").fields().forEachRemaining(e ->
                    env.put(e.getKey(), substitute(e.getValue().asText())));
            assertThat(variablesOf(command)).containsAll(env.keySet());
            final CommandLine.ParseResult parsed = OrderbookCli.commandLine(env).parseArgs(command);
            final Object cmd = parsed.subcommand().commandSpec().userObject();
            checked.add(parsed.subcommand().commandSpec().name());
            final Integer port = cmd instanceof IngestCommand i ? Integer.valueOf(i.config().httpPort())
                    : cmd instanceof ProcessCommand p ? Integer.valueOf(p.config().httpPort()) : null;
            if (port != null) {
                assertThat(service.get("ports").get(0).asText()).isEqualTo("127.0.0.1:" + port + ":" + port);
            }
            service.path("ports").forEach(p -> assertThat(p.asText()).startsWith("127.0.0.1:"));
        }
        assertThat(checked).containsExactly("simulate", "ingest", "process");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Helpers

    /** A Deployment or StatefulSet of the base. */
    private record Workload(HasMetadata resource, PodSpec pod, List<Volume> extraVolumes) {
        String name() {
            return resource.getMetadata().getName();
        }

        List<Container> containers() {
            final List<Container> all = new ArrayList<>(pod.getContainers());
            all.addAll(pod.getInitContainers());
            return all;
        }

        List<Volume> allVolumes() {
            final List<Volume> all = new ArrayList<>(pod.getVolumes());
            all.addAll(extraVolumes);
            return all;
        }

        List<VolumeMount> mounts(final Container c) {
            return c.getVolumeMounts();
        }

        /** The volume mounted at {@code path} in {@code c} (a claim template as a PVC volume). */
        Volume volumeAt(final Container c, final String path) {
            final VolumeMount mount = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path))
                    .findFirst().orElseThrow(() -> new AssertionError(c.getName() + " mounts nothing at " + path));
            return allVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst()
                    .orElseThrow(() -> new AssertionError("no volume " + mount.getName()));
        }

        /** This workload with a strategic-merge patch's containers' mounts and pod volumes added. */
        Workload patchedWith(final HasMetadata patch) {
            final PodSpec p = patch instanceof Deployment d ? d.getSpec().getTemplate().getSpec()
                    : ((StatefulSet) patch).getSpec().getTemplate().getSpec();
            // workloads() reads the files anew each time: this pod spec is this workload's own.
            final PodSpec copy = pod;
            for (final Container pc : p.getContainers()) {
                final Container target = copy.getContainers().stream().filter(c -> c.getName().equals(pc.getName()))
                        .findFirst().orElseThrow();
                target.getVolumeMounts().addAll(pc.getVolumeMounts());
            }
            copy.getVolumes().addAll(p.getVolumes());
            return new Workload(resource, copy, extraVolumes);
        }
    }

    private static List<Workload> workloads() throws Exception {
        final List<Workload> out = new ArrayList<>();
        for (final String file : List.of("ingestor.yaml", "processor.yaml")) {
            for (final HasMetadata r : resources(K8S.resolve(file))) {
                if (r instanceof Deployment d) {
                    out.add(new Workload(d, d.getSpec().getTemplate().getSpec(), List.of()));
                } else if (r instanceof StatefulSet s) {
                    final List<Volume> claims = s.getSpec().getVolumeClaimTemplates().stream()
                            .map(t -> new io.fabric8.kubernetes.api.model.VolumeBuilder()
                                    .withName(t.getMetadata().getName())
                                    .withNewPersistentVolumeClaim(t.getMetadata().getName(), false).build())
                            .toList();
                    out.add(new Workload(s, s.getSpec().getTemplate().getSpec(), claims));
                }
            }
        }
        return out;
    }

    private static Workload workload(final String name) throws Exception {
        return workloads().stream().filter(w -> w.name().equals(name)).findFirst().orElseThrow();
    }

    /** The base ConfigMaps' data by name. */
    private static Map<String, Map<String, String>> configMaps() throws Exception {
        final Map<String, Map<String, String>> out = new HashMap<>();
        for (final HasMetadata r : resources(K8S.resolve("configmap.yaml"))) {
            out.put(r.getMetadata().getName(), ((ConfigMap) r).getData());
        }
        return out;
    }

    private static Map<String, String> baseConfig() throws Exception {
        return configMaps().get("orderbook");
    }

    /** A container's environment as the kubelet gives it (fieldRefs as a pod would see them). */
    private static Map<String, String> env(final Workload w, final Container c) throws Exception {
        final Map<String, Map<String, String>> maps = configMaps();
        final Map<String, String> env = new LinkedHashMap<>();
        for (final EnvFromSource from : c.getEnvFrom()) {
            final Map<String, String> data = maps.get(from.getConfigMapRef().getName());
            assertThat(data).as(c.getName() + " envFrom " + from.getConfigMapRef().getName()).isNotNull();
            env.putAll(data);
        }
        for (final EnvVar e : c.getEnv()) {
            if (e.getValue() != null) {
                assertThat(e.getValue()).as("no $(VAR) expansion").doesNotContain("$(");
                env.put(e.getName(), e.getValue());
            } else {
                final String field = e.getValueFrom().getFieldRef().getFieldPath();
                assertThat(field).isIn("status.podIP", "metadata.name");
                env.put(e.getName(), field.equals("status.podIP") ? POD_IP : w.name() + "-0");
            }
        }
        return env;
    }

    /** The ORDERBOOK_ variables of every option of a command. */
    private static Set<String> variablesOf(final String command) {
        final CommandLine sub = OrderbookCli.commandLine(Map.of()).getSubcommands().get(command);
        assertThat(sub).as("command " + command).isNotNull();
        return sub.getCommandSpec().options().stream().filter(EnvironmentDefaults::applies)
                .map(EnvironmentDefaults::variableOf).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Object configOf(final Workload w, final Container c, final Path kafkaConfig) throws Exception {
        return configOf(w, c, env(w, c), kafkaConfig);
    }

    /**
     * The service's configuration as the container's command builds it from its environment, with the Kafka client
     * properties file the Secret mounts there read from {@code kafkaConfig}.
     */
    private static Object configOf(final Workload w, final Container c, final Map<String, String> env,
                                   final Path kafkaConfig) throws Exception {
        final Map<String, String> e = new HashMap<>(env);
        assertThat(e.get("ORDERBOOK_KAFKA_CONFIG")).isEqualTo(KAFKA_CONFIG_MOUNT + "/client.properties");
        assertThat(w.volumeAt(c, KAFKA_CONFIG_MOUNT).getSecret()).isNotNull();
        e.put("ORDERBOOK_KAFKA_CONFIG", kafkaConfig.toString());
        final CommandLine.ParseResult parsed = OrderbookCli.commandLine(e).parseArgs(
                c.getArgs().toArray(String[]::new));
        final Object command = parsed.subcommand().commandSpec().userObject();
        if (command instanceof IngestCommand i) {
            return i.config();
        }
        return ((ProcessCommand) command).config();
    }

    private static void assertProbes(final Workload w, final Container c, final String command) {
        final int port = c.getPorts().get(0).getContainerPort();
        final String name = c.getPorts().get(0).getName();
        final List<String> paths = PROBES.get(command);
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo(paths.get(0));
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo(paths.get(1));
        for (final var probe : List.of(c.getReadinessProbe(), c.getLivenessProbe())) {
            final var target = probe.getHttpGet().getPort();
            assertThat(target.getStrVal() != null ? target.getStrVal().equals(name) : target.getIntVal() == port)
                    .isTrue();
        }
        // The command's own help names what it serves.
        final String help = String.join(" ", OrderbookCli.commandLine(Map.of()).getSubcommands().get(command)
                .getCommandSpec().usageMessage().description());
        paths.forEach(p -> assertThat(help).contains(p));
        assertThat(help).contains("/metrics");
        final Map<String, String> annotations = w.resource() instanceof Deployment d
                ? d.getSpec().getTemplate().getMetadata().getAnnotations()
                : ((StatefulSet) w.resource()).getSpec().getTemplate().getMetadata().getAnnotations();
        assertThat(annotations).containsEntry("prometheus.io/port", "" + port)
                .containsEntry("prometheus.io/path", "/metrics");
    }

    /** Secret name -> file, of the overlay's secretGenerator (key client.properties). */
    private static Map<String, String> secretFiles() throws Exception {
        final Map<String, String> out = new HashMap<>();
        for (final JsonNode g : documents(STRIMZI.resolve("kustomization.yaml")).get(0).get("secretGenerator")) {
            for (final JsonNode f : g.get("files")) {
                final String[] kv = f.asText().split("=", 2);
                assertThat(kv[0]).isEqualTo("client.properties");
                out.put(g.get("name").asText(), kv[1]);
            }
        }
        return out;
    }

    private static Set<String> egressPorts(final List<NetworkPolicy> policies, final Map<String, String> pod) {
        return policies.stream().filter(p -> selects(p.getSpec().getPodSelector(), pod))
                .flatMap(p -> p.getSpec().getEgress().stream()).flatMap(r -> r.getPorts().stream())
                .map(DeploymentManifestsTest::port).collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> ingressPorts(final List<NetworkPolicy> policies, final Map<String, String> pod) {
        return policies.stream().filter(p -> selects(p.getSpec().getPodSelector(), pod))
                .flatMap(p -> p.getSpec().getIngress().stream())
                .peek(r -> assertThat(r.getPorts()).as("an ingress rule without ports opens every port")
                        .isNotEmpty())
                .flatMap(r -> r.getPorts().stream())
                .map(DeploymentManifestsTest::port).collect(Collectors.toCollection(TreeSet::new));
    }

    private static String port(final NetworkPolicyPort p) {
        assertThat(p.getPort()).as("a rule names its port").isNotNull();
        return (p.getProtocol() == null ? "TCP" : p.getProtocol()) + "/" + p.getPort().getIntVal();
    }

    /** Whether a label selector selects a pod with these labels (matchLabels, matchExpressions In). */
    private static boolean selects(final LabelSelector selector, final Map<String, String> labels) {
        if (selector == null) {
            return false;
        }
        final boolean byLabels = selector.getMatchLabels() == null || selector.getMatchLabels().entrySet().stream()
                .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        final boolean byExpressions = selector.getMatchExpressions() == null || selector.getMatchExpressions()
                .stream().allMatch(x -> {
                    assertThat(x.getOperator()).isEqualTo("In");
                    return x.getValues().contains(labels.get(x.getKey()));
                });
        return byLabels && byExpressions;
    }

    private static String strimziType(final ServiceAcls.Grant grant) {
        return switch (grant.type()) {
            case TOPIC -> "topic";
            case GROUP -> "group";
            case TRANSACTIONAL_ID -> "transactionalId";
            case CLUSTER -> "cluster";
            default -> throw new IllegalStateException("no Strimzi type for " + grant.type());
        };
    }

    private static String substitute(final String text) {
        final Matcher m = COMPOSE_VAR.matcher(text);
        final StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(m.group(2)));
        }
        return m.appendTail(out).toString();
    }

    /** Every document of a YAML file, as the Kubernetes model (fabric8) reads it. */
    private static List<HasMetadata> resources(final Path file) throws Exception {
        final List<HasMetadata> out = new ArrayList<>();
        for (final JsonNode doc : documents(file)) {
            final Object resource = KUBERNETES.unmarshal(JSON.writeValueAsString(doc));
            assertThat(resource).as(file + " document").isInstanceOf(HasMetadata.class);
            out.add((HasMetadata) resource);
        }
        return out;
    }

    private static List<JsonNode> documents(final Path file) throws Exception {
        final List<JsonNode> docs = new ArrayList<>();
        try (YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(
                Files.readString(file, StandardCharsets.UTF_8))) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(d -> {
                if (d != null && !d.isNull() && !d.isMissingNode()) {
                    docs.add(d);
                }
            });
        }
        return docs;
    }

    /** Fails on a field the model does not know (a typo would otherwise land in additionalProperties). */
    private static void assertNoUnknownFields(final Object object, final String where) throws Exception {
        if (object == null || !object.getClass().getName().startsWith("io.fabric8.")) {
            if (object instanceof Collection<?> c) {
                for (final Object o : c) {
                    assertNoUnknownFields(o, where);
                }
            } else if (object instanceof Map<?, ?> m) {
                for (final Object o : m.values()) {
                    assertNoUnknownFields(o, where);
                }
            }
            return;
        }
        for (final PropertyDescriptor d : Introspector.getBeanInfo(object.getClass()).getPropertyDescriptors()) {
            final Method read = d.getReadMethod();
            if (read == null || read.getParameterCount() != 0 || d.getName().equals("class")) {
                continue;
            }
            final Object value = read.invoke(object);
            if (d.getName().equals("additionalProperties")) {
                assertThat((Map<?, ?>) value).as(where + ": unknown fields in " + object.getClass().getSimpleName())
                        .isNullOrEmpty();
            } else {
                assertNoUnknownFields(value, where + "." + d.getName());
            }
        }
    }
}
