package dev.orderbook.kafka.embedded;

import org.apache.kafka.common.utils.Utils;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.Objects;
import java.util.UUID;

/**
 * The TLS files of the embedded broker's secured listener, made at start by a certificate authority of its own:
 * a self-signed CA certificate, a broker certificate signed by it for {@code 127.0.0.1} and {@code localhost}
 * (subjectAltName IP and DNS, so clients keep hostname verification on), the broker's keystore (its key and
 * the chain) and a client truststore holding only the CA certificate. Both stores are PKCS12 files with random
 * passwords in a fresh temporary directory readable by the owner alone; {@link #delete()} removes it.
 *
 * <p>Why BouncyCastle: the JDK has no public API to issue a certificate. The alternative, the JDK's
 * {@code keytool} run through {@code ProcessBuilder}, needs about six tool runs (two key pairs, a signing
 * request, the signature, two imports), each a JVM start of 0.3 to 1 s on the 2-core build machine, and
 * depends on a JDK (not a JRE) on the path. BouncyCastle's PKIX builder issues both certificates in memory in
 * milliseconds (the whole of this class takes 0.1 to 0.25 s, mostly the PKCS12 stores' password-based key
 * derivation; about 1 s the first time in a JVM, class loading); the keys are made, signed and stored with the
 * JDK's own providers (no security provider is
 * registered, nothing global changes). This is the only class that references BouncyCastle, an optional
 * dependency of this module: a module that starts a secured broker declares
 * {@code org.bouncycastle:bcpkix-jdk18on} itself. Loading this class without it fails, so callers check first
 * ({@link EmbeddedKafkaBroker.Builder#secured()} does).
 *
 * <p>Keys: EC P-256 with SHA256withECDSA; generating one takes about a millisecond where an RSA 2048 key takes
 * tens to hundreds. Validity: from an hour ago (clock skew) for 30 days; a new CA is made at every start, so
 * nothing outlives its broker.
 *
 * <p>Immutable and thread-safe; {@link #toString()} and the stores' {@code toString()} never show a password.
 */
final class TlsMaterial {

    /** The type of both stores, as Kafka's {@code ssl.keystore.type} and {@code ssl.truststore.type} name it. */
    static final String STORE_TYPE = "PKCS12";

    private static final String KEY_ALGORITHM = "EC";
    private static final String CURVE = "secp256r1";
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSA";
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final Duration VALIDITY = Duration.ofDays(30);
    private static final int PASSWORD_BYTES = 24;

    /**
     * A key or trust store file and how to open it.
     *
     * @param location the PKCS12 file
     * @param type its type, {@link #STORE_TYPE}
     * @param password its password (for the keystore also the key's); never shown by {@link #toString()}
     */
    record Store(Path location, String type, String password) {
        Store {
            Objects.requireNonNull(location, "location");
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public String toString() {
            return "Store[location=" + location + ", type=" + type + ", password=[hidden]]";
        }
    }

    private final Path directory;
    private final Store keystore;
    private final Store truststore;

    private TlsMaterial(final Path directory, final Store keystore, final Store truststore) {
        this.directory = directory;
        this.keystore = keystore;
        this.truststore = truststore;
    }

    /**
     * Makes a CA, a broker certificate for 127.0.0.1 and localhost, and writes the broker keystore and the client
     * truststore to a new temporary directory.
     *
     * @return the files; {@link #delete()} them when the broker stops
     * @throws IllegalStateException if a certificate cannot be made
     * @throws UncheckedIOException if the files cannot be written
     */
    static TlsMaterial create() {
        final Path directory = createPrivateDirectory();
        try {
            final SecureRandom random = new SecureRandom();
            final Instant now = Instant.now();
            final KeyPair caKeys = newKeyPair(random);
            // A name of its own: a client trusting another broker's CA must not find this one's issuer by name.
            final X500Name caName =
                new X500Name("CN=orderbook test CA " + UUID.randomUUID() + ",O=orderbook embedded Kafka");
            final X509Certificate ca = issueCaCertificate(caName, caKeys, now, random);
            final KeyPair brokerKeys = newKeyPair(random);
            final X509Certificate brokerCertificate = issueBrokerCertificate(caName, caKeys, ca, brokerKeys, now,
                random);

            final Store keystore = new Store(directory.resolve("broker.keystore.p12"), STORE_TYPE,
                newPassword(random));
            final KeyStore keys = emptyStore();
            keys.setKeyEntry("broker", brokerKeys.getPrivate(), keystore.password().toCharArray(),
                new Certificate[] {brokerCertificate, ca});
            write(keys, keystore);

            final Store truststore = new Store(directory.resolve("client.truststore.p12"), STORE_TYPE,
                newPassword(random));
            final KeyStore trusted = emptyStore();
            trusted.setCertificateEntry("ca", ca);
            write(trusted, truststore);
            return new TlsMaterial(directory, keystore, truststore);
        } catch (final GeneralSecurityException | OperatorCreationException e) {
            deleteQuietly(directory);
            throw new IllegalStateException("Could not make the embedded broker's TLS certificates: " + e, e);
        } catch (final IOException e) {
            deleteQuietly(directory);
            throw new UncheckedIOException("Could not write the embedded broker's TLS stores in " + directory, e);
        } catch (final RuntimeException e) {
            deleteQuietly(directory);
            throw e;
        }
    }

    /** The directory holding both stores. */
    Path directory() {
        return directory;
    }

    /** The broker's keystore: its key and the chain (broker certificate, CA certificate). */
    Store keystore() {
        return keystore;
    }

    /** The clients' truststore: the CA certificate alone. */
    Store truststore() {
        return truststore;
    }

    /** Deletes the directory and both stores; failures are left to the caller's log (none thrown). */
    boolean delete() {
        return deleteQuietly(directory);
    }

    @Override
    public String toString() {
        return "TlsMaterial[directory=" + directory + "]";
    }

    private static Path createPrivateDirectory() {
        try {
            if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
                return Files.createTempDirectory("orderbook-kafka-tls-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            return Files.createTempDirectory("orderbook-kafka-tls-");
        } catch (final IOException e) {
            throw new UncheckedIOException("Could not create a directory for the embedded broker's TLS stores", e);
        }
    }

    private static KeyPair newKeyPair(final SecureRandom random) throws GeneralSecurityException {
        final KeyPairGenerator generator = KeyPairGenerator.getInstance(KEY_ALGORITHM);
        generator.initialize(new ECGenParameterSpec(CURVE), random);
        return generator.generateKeyPair();
    }

    private static X509Certificate issueCaCertificate(
        final X500Name name,
        final KeyPair keys,
        final Instant now,
        final SecureRandom random
    ) throws GeneralSecurityException, IOException, OperatorCreationException {
        final JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
            name, serialNumber(random), Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)),
            name, keys.getPublic())
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
            .addExtension(Extension.subjectKeyIdentifier, false,
                extensions.createSubjectKeyIdentifier(keys.getPublic()));
        return sign(builder, keys);
    }

    private static X509Certificate issueBrokerCertificate(
        final X500Name caName,
        final KeyPair caKeys,
        final X509Certificate ca,
        final KeyPair brokerKeys,
        final Instant now,
        final SecureRandom random
    ) throws GeneralSecurityException, IOException, OperatorCreationException {
        final JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        final GeneralNames subjectAltNames = new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.iPAddress, EmbeddedKafkaBroker.LOOPBACK_HOST),
            new GeneralName(GeneralName.dNSName, "localhost")});
        final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
            caName, serialNumber(random), Date.from(now.minus(BACKDATE)), Date.from(now.plus(VALIDITY)),
            new X500Name("CN=localhost"), brokerKeys.getPublic())
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
            .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
            .addExtension(Extension.subjectAlternativeName, false, subjectAltNames)
            .addExtension(Extension.subjectKeyIdentifier, false,
                extensions.createSubjectKeyIdentifier(brokerKeys.getPublic()))
            .addExtension(Extension.authorityKeyIdentifier, false, extensions.createAuthorityKeyIdentifier(ca));
        return sign(builder, caKeys);
    }

    private static X509Certificate sign(final X509v3CertificateBuilder builder, final KeyPair signer)
        throws GeneralSecurityException, OperatorCreationException {
        final ContentSigner contentSigner = new JcaContentSignerBuilder(SIGNATURE_ALGORITHM).build(signer.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    }

    private static BigInteger serialNumber(final SecureRandom random) {
        // Positive, at most 20 octets (RFC 5280 4.1.2.2).
        return new BigInteger(127, random).add(BigInteger.ONE);
    }

    private static String newPassword(final SecureRandom random) {
        final byte[] bytes = new byte[PASSWORD_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        final KeyStore store = KeyStore.getInstance(STORE_TYPE);
        store.load(null, null);
        return store;
    }

    private static void write(final KeyStore store, final Store file) throws GeneralSecurityException, IOException {
        try (OutputStream out = Files.newOutputStream(file.location())) {
            store.store(out, file.password().toCharArray());
        }
    }

    private static boolean deleteQuietly(final Path directory) {
        try {
            Utils.delete(directory.toFile());
            return true;
        } catch (final IOException e) {
            return false;
        }
    }
}
