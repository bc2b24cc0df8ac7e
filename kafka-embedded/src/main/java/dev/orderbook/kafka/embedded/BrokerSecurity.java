package dev.orderbook.kafka.embedded;

import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.security.scram.ScramCredential;
import org.apache.kafka.common.security.scram.ScramLoginModule;
import org.apache.kafka.common.security.scram.internals.ScramFormatter;
import org.apache.kafka.security.CredentialProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The secured listener of an {@link EmbeddedKafkaBroker} started with {@link EmbeddedKafkaBroker.Builder#secured()}:
 * where clients connect over {@code SASL_SSL} with {@code SCRAM-SHA-512}, what they must trust, and the two
 * things a test sets up before they can do anything, users and ACLs. Obtain it with
 * {@link EmbeddedKafkaBroker#security()}.
 *
 * <p>Two kinds of access to one broker. Operator (the test harness): the plaintext listener,
 * {@link EmbeddedKafkaBroker#bootstrapServers()}, whose clients are all {@code User:ANONYMOUS}, a super user
 * that no ACL limits; {@link #addUser(String, String)} and {@link #createAcls(Collection)} use it. Clients under
 * test: this listener, {@link #bootstrapServers()} with {@link #clientProperties(String, String)}, as a SCRAM
 * user that may do only what ACLs grant ({@code allow.everyone.if.no.acl.found=false}). The plaintext listener
 * is therefore no security boundary: it is bound to 127.0.0.1 and meant for the harness only.
 *
 * <p>Waiting: Kafka applies a new credential or ACL on the controller first and on the broker when it replays
 * the metadata log, a few milliseconds later. {@code addUser} and {@code createAcls} return only once the
 * broker itself enforces the change, so a client started right after them never sees the old state.
 *
 * <p>Secrets: passwords (users', the truststore's) are never logged, and {@link #toString()} shows none.
 * Thread-safe: immutable state; every call opens its own admin client.
 */
public final class BrokerSecurity {

    private static final Logger log = LoggerFactory.getLogger(BrokerSecurity.class);

    /** The only SASL mechanism the secured listener enables. */
    public static final String SASL_MECHANISM = "SCRAM-SHA-512";

    /** The client {@code security.protocol} of the secured listener. */
    public static final String SECURITY_PROTOCOL = "SASL_SSL";

    /** How long {@link #addUser} and {@link #createAcls} wait for the controller, then for the broker. */
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** SCRAM iterations of new credentials: Kafka's minimum for SCRAM-SHA-512, and its default. */
    static final int SCRAM_ITERATIONS = 4096;

    private static final long POLL_INTERVAL_MS = 10;

    private final String bootstrapServers;
    private final String operatorBootstrapServers;
    private final TlsMaterial.Store truststore;
    private final CredentialProvider brokerCredentials;

    BrokerSecurity(
        final String bootstrapServers,
        final String operatorBootstrapServers,
        final TlsMaterial.Store truststore,
        final CredentialProvider brokerCredentials
    ) {
        this.bootstrapServers = Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        this.operatorBootstrapServers = Objects.requireNonNull(operatorBootstrapServers, "operatorBootstrapServers");
        this.truststore = Objects.requireNonNull(truststore, "truststore");
        this.brokerCredentials = Objects.requireNonNull(brokerCredentials, "brokerCredentials");
    }

    /**
     * Returns the {@code bootstrap.servers} address of the secured listener.
     *
     * @return {@code 127.0.0.1:PORT}, never null
     */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /**
     * Returns the client truststore: a PKCS12 file holding the CA certificate that signed the broker's, made at
     * start and deleted when the broker closes.
     *
     * @return the file, never null
     */
    public Path truststore() {
        return truststore.location();
    }

    /**
     * Returns the truststore's type, for {@code ssl.truststore.type}.
     *
     * @return {@code PKCS12}
     */
    public String truststoreType() {
        return truststore.type();
    }

    /**
     * Returns the truststore's password, for {@code ssl.truststore.password}. A secret: don't log it.
     *
     * @return random, made at start, never null
     */
    public String truststorePassword() {
        return truststore.password();
    }

    /**
     * Creates or replaces a SCRAM-SHA-512 user, over the plaintext listener as the super user, and waits until
     * the broker accepts the password.
     *
     * @param name the user name (the principal is {@code User:name}); may not be null or blank
     * @param password the password; may not be null or empty; never logged
     * @throws IllegalStateException if Kafka rejects the credential or the broker has not applied it within
     *     30 s
     */
    public void addUser(final String name, final String password) {
        requireText(name, "name");
        Objects.requireNonNull(password, "password");
        if (password.isEmpty()) {
            throw new IllegalArgumentException("password may not be empty");
        }
        final long startNs = System.nanoTime();
        try (Admin admin = operatorAdmin()) {
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(name,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), password)))
                .all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (final ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not create SCRAM user " + name + ": " + e.getMessage(), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating SCRAM user " + name, e);
        }
        awaitBroker("SCRAM user " + name, () -> brokerAccepts(name, password));
        log.info("SCRAM user added. user=[{}] mechanism=[{}] elapsedMs=[{}]", name, SASL_MECHANISM,
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs));
    }

    /**
     * Creates ACLs, over the plaintext listener as the super user, and waits until the broker enforces them.
     *
     * @param acls the bindings, e.g. {@code ALLOW User:alice WRITE on TOPIC orders}; may not be null
     * @throws IllegalStateException if Kafka rejects one or the broker has not applied them within 30 s
     */
    public void createAcls(final Collection<AclBinding> acls) {
        final List<AclBinding> bindings = List.copyOf(acls);
        try (Admin admin = operatorAdmin()) {
            admin.createAcls(bindings).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            // DescribeAcls is answered from the broker's own authorizer, which is what enforces them.
            awaitBroker("ACLs " + bindings, () -> {
                for (final AclBinding binding : bindings) {
                    if (admin.describeAcls(binding.toFilter()).values().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        .isEmpty()) {
                        return false;
                    }
                }
                return true;
            });
        } catch (final ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not create ACLs " + bindings + ": " + e.getMessage(), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while creating ACLs", e);
        }
        log.info("ACLs created. count=[{}]", bindings.size());
    }

    /**
     * Returns everything a producer, consumer or admin client needs to connect to the secured listener as a
     * given user: {@code bootstrap.servers}, {@code security.protocol=SASL_SSL},
     * {@code sasl.mechanism=SCRAM-SHA-512}, {@code sasl.jaas.config} (Kafka's {@link ScramLoginModule}), the
     * truststore's location, type and password, and {@code ssl.endpoint.identification.algorithm=https}
     * (Kafka's default, stated: the client checks that the broker's certificate names 127.0.0.1).
     *
     * @param user the user name; may not be null or blank
     * @param password the password; may not be null; ends up in {@code sasl.jaas.config}, which Kafka's clients
     *     log as {@code [hidden]}
     * @return a new unmodifiable map; add serializers, group id and so on to a copy
     */
    public Map<String, String> clientProperties(final String user, final String password) {
        requireText(user, "user");
        Objects.requireNonNull(password, "password");
        final Map<String, String> props = new LinkedHashMap<>();
        props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, SECURITY_PROTOCOL);
        props.put(SaslConfigs.SASL_MECHANISM, SASL_MECHANISM);
        props.put(SaslConfigs.SASL_JAAS_CONFIG, ScramLoginModule.class.getName() + " required username="
            + jaasQuoted(user) + " password=" + jaasQuoted(password) + ";");
        props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore.location().toString());
        props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, truststore.type());
        props.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, truststore.password());
        props.put(SslConfigs.SSL_ENDPOINT_IDENTIFICATION_ALGORITHM_CONFIG, "https");
        return Collections.unmodifiableMap(props);
    }

    @Override
    public String toString() {
        return "BrokerSecurity[bootstrap=" + bootstrapServers + ", mechanism=" + SASL_MECHANISM
            + ", truststore=" + truststore.location() + "]";
    }

    /**
     * Tells whether the broker's credential cache, the one its SASL authenticator reads, holds a SCRAM-SHA-512
     * credential for this user that this password matches: the check the server side of SCRAM makes (stored key
     * = H(HMAC(salted password, "Client Key"))). A replaced password is thereby seen as applied only once the new
     * one works.
     */
    private boolean brokerAccepts(final String name, final String password) {
        final ScramCredential credential =
            brokerCredentials.credentialCache.cache(SASL_MECHANISM, ScramCredential.class).get(name);
        if (credential == null) {
            return false;
        }
        try {
            final ScramFormatter formatter = new ScramFormatter(
                org.apache.kafka.common.security.scram.internals.ScramMechanism.SCRAM_SHA_512);
            final byte[] salted = formatter.saltedPassword(password, credential.salt(), credential.iterations());
            return MessageDigest.isEqual(formatter.storedKey(formatter.clientKey(salted)), credential.storedKey());
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("Could not check SCRAM user " + name + ": " + e, e);
        }
    }

    private Admin operatorAdmin() {
        final Map<String, Object> config = Map.of(
            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, operatorBootstrapServers,
            AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) TIMEOUT.toMillis());
        return Admin.create(config);
    }

    /** A check that may block and throw what admin calls throw. */
    @FunctionalInterface
    private interface Check {
        boolean passes() throws ExecutionException, TimeoutException, InterruptedException;
    }

    private static void awaitBroker(final String what, final Check check) {
        final long deadlineNs = System.nanoTime() + TIMEOUT.toNanos();
        try {
            while (!check.passes()) {
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new IllegalStateException("The broker has not applied " + what + " within " + TIMEOUT);
                }
                Thread.sleep(POLL_INTERVAL_MS);
            }
        } catch (final ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not check whether the broker has applied " + what + ": "
                + e.getMessage(), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for the broker to apply " + what, e);
        }
    }

    /** A JAAS option value in double quotes; Kafka's JAAS parser (a StreamTokenizer) unescapes \\ and \". */
    static String jaasQuoted(final String value) {
        final StringBuilder quoted = new StringBuilder(value.length() + 2).append('"');
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\');
            }
            quoted.append(c);
        }
        return quoted.append('"').toString();
    }

    private static void requireText(final String value, final String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " may not be blank");
        }
    }
}
