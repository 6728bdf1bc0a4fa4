package io.github.smtpd.relay;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import io.github.smtpd.Reply;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.test.AiosmtpdServer;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * STARTTLS and AUTH of the relay client against aiosmtpd, which insists on STARTTLS (and, where asked, on AUTH)
 * before it takes mail. Uses the test certificate in {@code src/test/resources/tls}. Skipped without aiosmtpd.
 */
class UpstreamTlsTest {

    private AiosmtpdServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private String startTlsUpstream(String... extra) throws Exception {
        AiosmtpdServer.assumeAiosmtpd();
        String[] arguments = new String[2 + extra.length];
        arguments[0] = resource("/tls/upstream-cert.pem");
        arguments[1] = resource("/tls/upstream-key.pem");
        System.arraycopy(extra, 0, arguments, 2, extra.length);
        server = AiosmtpdServer.start("tls_smtp.py", arguments);
        return server.hostPort();
    }

    private static String resource(String name) throws URISyntaxException {
        return Path.of(UpstreamTlsTest.class.getResource(name).toURI()).toString();
    }

    /** Trusts exactly the test certificate. */
    private static SSLContext trustingTestCertificate() throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        try (InputStream in = UpstreamTlsTest.class.getResourceAsStream("/tls/upstream-cert.pem")) {
            store.setCertificateEntry("upstream", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static List<Reply> deliver(UpstreamClient client) throws IOException {
        assertThat(client.mail("sender@example.org", List.of()).code()).isEqualTo(250);
        assertThat(client.rcpt("user@example.net", List.of()).code()).isEqualTo(250);
        return client.data(new java.io.ByteArrayInputStream("Subject: tls\r\n\r\nsecret\r\n".getBytes()));
    }

    @Test
    void opportunisticTlsEncryptsWithoutCheckingTheCertificate() throws Exception {
        String address = startTlsUpstream();
        UpstreamOptions options = UpstreamOptions.builder().addresses(address).timeout(Duration.ofSeconds(20)).build();
        try (UpstreamClient client = UpstreamClient.connect(options, "relay.test")) {
            assertThat(client.isSecure()).isTrue();
            assertThat(client.hasExtension("STARTTLS")).isFalse(); // the EHLO after the handshake
            assertThat(deliver(client)).extracting(Reply::code).containsExactly(250);
        }
        assertThat(server.nextDelivery().text()).isEqualTo("Subject: tls\r\n\r\nsecret\r\n");
    }

    @Test
    void requiredTlsChecksTheCertificateAndTheHostName() throws Exception {
        String address = startTlsUpstream();
        UpstreamOptions trusted = UpstreamOptions.builder().addresses(address).timeout(Duration.ofSeconds(20)).startTls(StartTls.REQUIRED)
                .sslContext(trustingTestCertificate()).build();
        try (UpstreamClient client = UpstreamClient.connect(trusted, "relay.test")) {
            assertThat(client.isSecure()).isTrue();
            assertThat(deliver(client)).extracting(Reply::code).containsExactly(250);
        }

        // The JVM's own trust store does not know the self-signed certificate: no relaying in clear text.
        UpstreamOptions untrusted = UpstreamOptions.builder().addresses(address).timeout(Duration.ofSeconds(20)).startTls(StartTls.REQUIRED).build();
        assertThatThrownBy(() -> UpstreamClient.connect(untrusted, "relay.test"))
                .isInstanceOf(UpstreamException.class)
                .satisfies(ex -> assertThat(((UpstreamException) ex).reply().code()).isEqualTo(451));
    }

    @Test
    void requiredTlsRefusesAnUpstreamWithoutStartTls() throws Exception {
        SmtpServer plain = TestServers.loopback().messageProcessor(new RecordingProcessor()).build();
        plain.start();
        try {
            UpstreamOptions options = UpstreamOptions.builder().addresses("127.0.0.1:" + plain.getPort())
                    .startTls(StartTls.REQUIRED).build();
            assertThatThrownBy(() -> UpstreamClient.connect(options, "relay.test"))
                    .isInstanceOf(UpstreamException.class)
                    .hasMessageContaining("does not offer STARTTLS");
        }
        finally {
            plain.stop(Duration.ZERO);
        }
    }

    @Test
    void authenticatesOverTls() throws Exception {
        String address = startTlsUpstream("auth");
        UpstreamOptions options = UpstreamOptions.builder().addresses(address).timeout(Duration.ofSeconds(20)).credentials("relay", "secret").build();
        try (UpstreamClient client = UpstreamClient.connect(options, "relay.test")) {
            assertThat(deliver(client)).extracting(Reply::code).containsExactly(250);
        }

        UpstreamOptions wrong = UpstreamOptions.builder().addresses(address).timeout(Duration.ofSeconds(20)).credentials("relay", "guess").build();
        assertThatThrownBy(() -> UpstreamClient.connect(wrong, "relay.test"))
                .isInstanceOf(UpstreamException.class)
                .hasMessageContaining("did not accept the credentials of relay");
    }

    @Test
    void authenticatesWithLoginWhenPlainIsNotOffered() throws Exception {
        String address = startTlsUpstream("auth-login");
        UpstreamOptions options = UpstreamOptions.builder().addresses(address).timeout(Duration.ofSeconds(20))
                .credentials("relay", "secret").build();
        try (UpstreamClient client = UpstreamClient.connect(options, "relay.test")) {
            assertThat(client.extensions().get("AUTH")).isEqualTo("LOGIN");
            assertThat(deliver(client)).extracting(Reply::code).containsExactly(250);
        }
    }
}
