package io.github.smtpd.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for {@code 127.0.0.1} and {@code localhost}, made when first asked for with the JDK's
 * {@code keytool} (no library needed), valid for two days; and what each end needs: the server's
 * {@link #serverContext()}, and for clients a {@link #clientContext()}, a {@link #socketFactory()} or the
 * {@link #truststore()} file.
 */
public final class TestCertificate {

    private static final String PASSWORD = "changeit";

    private static TestCertificate shared;

    private final Path keystore;

    private final Path truststore;

    private TestCertificate(Path keystore, Path truststore) {
        this.keystore = keystore;
        this.truststore = truststore;
    }

    /** The certificate of this JVM's test servers, made once (keytool takes about a second). */
    public static synchronized TestCertificate get() {
        if (shared == null) {
            shared = make();
        }
        return shared;
    }

    private static TestCertificate make() {
        try {
            Path dir = Files.createTempDirectory("smtpd-test-tls");
            Path keystore = dir.resolve("server.p12");
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "smtpd", "-keyalg", "EC",
                    "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost",
                    "-validity", "2", "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass",
                    PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true)
                .start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool could not make the test certificate: " + output);
            }
            KeyStore keys = load(keystore);
            Certificate certificate = keys.getCertificate("smtpd");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("smtpd", certificate);
            Path truststore = dir.resolve("truststore.p12");
            try (var out = Files.newOutputStream(truststore)) {
                trust.store(out, PASSWORD.toCharArray());
            }
            keystore.toFile().deleteOnExit();
            truststore.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return new TestCertificate(keystore, truststore);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not run keytool from " + System.getProperty("java.home")
                    + " to make a test certificate (STARTTLS needs a JDK, not a JRE)", ex);
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Could not read the test certificate", ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while making the test certificate", ex);
        }
    }

    private static KeyStore load(Path file) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }

    /** The server's side: the key and certificate. */
    public SSLContext serverContext() {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(keystore), PASSWORD.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        }
        catch (IOException | GeneralSecurityException ex) {
            throw new IllegalStateException("Could not load the test certificate", ex);
        }
    }

    /** A client's side: trusts this certificate (and nothing else). */
    public SSLContext clientContext() {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load(truststore));
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        }
        catch (IOException | GeneralSecurityException ex) {
            throw new IllegalStateException("Could not load the test truststore", ex);
        }
    }

    /** For clients that take a socket factory, such as Jakarta Mail's {@code mail.smtp.ssl.socketFactory}. */
    public SSLSocketFactory socketFactory() {
        return clientContext().getSocketFactory();
    }

    /** A PKCS#12 truststore holding the certificate, for {@code javax.net.ssl.trustStore} or a client's settings. */
    public Path truststore() {
        return truststore;
    }

    /** The password of {@link #truststore()}. */
    public String truststorePassword() {
        return PASSWORD;
    }
}
