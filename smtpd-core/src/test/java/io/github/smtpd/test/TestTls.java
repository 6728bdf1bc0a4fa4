package io.github.smtpd.test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made once per test run with the JDK's keytool, and the
 * TLS contexts for both ends.
 */
public final class TestTls {

    public static final char[] PASSWORD = "changeit".toCharArray();

    private static Path keystore;

    private TestTls() {
    }

    /** The PKCS#12 keystore holding the key and certificate. */
    public static synchronized Path keystore() {
        if (keystore == null) {
            try {
                Path dir = Files.createTempDirectory("smtpd-tls");
                Path file = dir.resolve("server.p12");
                String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
                Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "smtpd", "-keyalg", "EC",
                        "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1,dns:localhost",
                        "-validity", "2", "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass",
                        new String(PASSWORD), "-keypass", new String(PASSWORD)).redirectErrorStream(true).start();
                String output = new String(process.getInputStream().readAllBytes());
                if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                    throw new IllegalStateException("keytool failed: " + output);
                }
                file.toFile().deleteOnExit();
                dir.toFile().deleteOnExit();
                keystore = file;
            }
            catch (IOException | InterruptedException ex) {
                throw new IllegalStateException("Could not make a test certificate", ex);
            }
        }
        return keystore;
    }

    private static KeyStore load() throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore())) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    /**
     * A context for either end that presents the test certificate and trusts it, for client certificates: the
     * client shows the server's own (self-signed) certificate, which the server then trusts.
     */
    public static SSLContext mutualContext() {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(), PASSWORD);
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
            return context;
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * A context like {@link #mutualContext()} whose trust in a client's certificate is decided by {@code trust},
     * given the test trust manager to delegate to (e.g. to make the check slow).
     */
    public static SSLContext mutualContext(
            java.util.function.UnaryOperator<javax.net.ssl.X509ExtendedTrustManager> trust) {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(), PASSWORD);
            TrustManagerFactory trusted = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trusted.init(load());
            javax.net.ssl.X509ExtendedTrustManager test = (javax.net.ssl.X509ExtendedTrustManager) trusted
                .getTrustManagers()[0];
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), new javax.net.ssl.TrustManager[] { trust.apply(test) }, null);
            return context;
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    public static SSLContext serverContext() {
        try {
            KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(load(), PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** A client context that trusts the test certificate and nothing else. */
    public static SSLContext clientContext() {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(load());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    public static SSLSocketFactory clientSocketFactory() {
        return clientContext().getSocketFactory();
    }
}
