package io.github.smtpd.bench;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The TLS contexts of the STARTTLS benchmarks: one server context made from a PKCS12 key store (the same for our
 * sink and the SubEthaSMTP sink; the demo gateway loads the same file as a Spring Boot SSL bundle, which builds
 * its context the same way), and a client context that trusts any certificate (a benchmark on 127.0.0.1 with a
 * self-signed certificate). Protocols and cipher suites are the JDK's defaults on both sides.
 */
final class BenchTls {

    private BenchTls() {
    }

    /** A server context with the key store's key: {@code KeyManagerFactory}'s default algorithm, protocol "TLS". */
    static SSLContext serverContext(Path keyStore, char[] password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, password);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    /** A client context that accepts any server certificate. For loopback benchmarks only. */
    static SSLContext trustAllClientContext() throws GeneralSecurityException {
        TrustManager trustAll = new X509TrustManager() {

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] { trustAll }, null);
        return context;
    }
}
