package io.github.smtpd.autoconfigure.testsupport;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/** Self-signed PKCS#12 keystores for 127.0.0.1, made with the JDK's keytool, and a client that trusts them. */
public final class TestCertificates {

    public static final String PASSWORD = "changeit";

    private TestCertificates() {
    }

    /** Makes a keystore whose certificate has the given common name, in {@code directory}. */
    public static Path keystore(Path directory, String commonName) throws Exception {
        Path file = directory.resolve(commonName + ".p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "smtpd", "-keyalg", "EC", "-groupname",
                "secp256r1", "-dname", "CN=" + commonName, "-ext", "san=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", file.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD)
            .redirectErrorStream(true)
            .start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        return file;
    }

    /** A client socket factory trusting exactly the certificates in these keystores. */
    public static SSLSocketFactory trusting(Path... keystores) throws Exception {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trustStore(keystores));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context.getSocketFactory();
    }

    /** A PKCS#12 trust store file holding exactly the certificates in these keystores, for an SSL bundle. */
    public static Path truststore(Path file, Path... keystores) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            trustStore(keystores).store(out, PASSWORD.toCharArray());
        }
        return file;
    }

    /** A server's TLS context presenting the certificate in {@code keystore}. */
    public static SSLContext serverContext(Path keystore) throws Exception {
        KeyManagerFactory factory = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        factory.init(load(keystore), PASSWORD.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(factory.getKeyManagers(), null, null);
        return context;
    }

    private static KeyStore trustStore(Path... keystores) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        int i = 0;
        for (Path keystore : keystores) {
            trust.setCertificateEntry("cert" + i++, load(keystore).getCertificate("smtpd"));
        }
        return trust;
    }

    private static KeyStore load(Path keystore) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, PASSWORD.toCharArray());
        }
        return store;
    }
}
