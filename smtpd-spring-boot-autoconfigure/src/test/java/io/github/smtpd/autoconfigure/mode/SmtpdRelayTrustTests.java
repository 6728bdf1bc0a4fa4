package io.github.smtpd.autoconfigure.mode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdPropertyException;
import io.github.smtpd.autoconfigure.testsupport.Mail;
import io.github.smtpd.autoconfigure.testsupport.TestCertificates;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.ssl.DefaultSslBundleRegistry;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.ssl.jks.JksSslStoreBundle;
import org.springframework.boot.ssl.jks.JksSslStoreDetails;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relay's check of its upstream's certificate with {@code smtpd.relay.ssl-bundle}, against an upstream that
 * presents one over STARTTLS, and the bundle's reload taking effect at the next upstream connection.
 */
class SmtpdRelayTrustTests {

    @TempDir
    static Path certificates;

    private static Path upstreamKeystore;

    private static Path trustsUpstream;

    private static Path trustsOther;

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SslAutoConfiguration.class, SmtpdModeAutoConfiguration.class,
                SmtpdAutoConfiguration.class))
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.mode=proxy", "smtpd.relay.starttls=required",
                "smtpd.relay.ssl-bundle=upstream-trust");

    private SmtpServer upstream;

    private final List<String> relayed = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void makeCertificates() throws Exception {
        upstreamKeystore = TestCertificates.keystore(certificates, "upstream");
        Path other = TestCertificates.keystore(certificates, "other");
        trustsUpstream = TestCertificates.truststore(certificates.resolve("trusts-upstream.p12"), upstreamKeystore);
        trustsOther = TestCertificates.truststore(certificates.resolve("trusts-other.p12"), other);
    }

    @BeforeEach
    void startUpstream() throws Exception {
        upstream = SmtpServer.builder().localAddress("127.0.0.1:0").hostName("upstream.example.org")
            .sslContext(contextOf(upstreamKeystore))
            .messageProcessor((message) -> {
                relayed.add(new String(message.content(), StandardCharsets.UTF_8));
                return null;
            })
            .build();
        upstream.start();
    }

    private static Supplier<SSLContext> contextOf(Path keystore) throws Exception {
        SSLContext context = TestCertificates.serverContext(keystore);
        return () -> context;
    }

    @AfterEach
    void stopUpstream() {
        upstream.stop(Duration.ZERO);
    }

    private static String[] trustBundle(Path truststore) {
        return new String[] { "spring.ssl.bundle.jks.upstream-trust.truststore.location=file:" + truststore,
                "spring.ssl.bundle.jks.upstream-trust.truststore.password=" + TestCertificates.PASSWORD,
                "spring.ssl.bundle.jks.upstream-trust.truststore.type=PKCS12" };
    }

    @Test
    void relaysOverTlsToAnUpstreamTheBundleTrusts() {
        runner.withPropertyValues(trustBundle(trustsUpstream))
            .withPropertyValues("smtpd.remoteaddr=127.0.0.1:" + upstream.getPort())
            .run((context) -> {
                assertThat(Mail.sendForCode(context.getBean(SmtpServer.class).getPort(), "trusted")).isEqualTo(250);
                assertThat(relayed).singleElement().asString().contains("Subject: trusted");
            });
    }

    @Test
    void aReloadedBundleIsUsedForTheNextUpstreamConnection() {
        runner.withPropertyValues(trustBundle(trustsOther))
            .withPropertyValues("smtpd.remoteaddr=127.0.0.1:" + upstream.getPort())
            .run((context) -> {
                int port = context.getBean(SmtpServer.class).getPort();
                // The upstream's certificate is not trusted: nothing is relayed, and the client may retry.
                assertThat(Mail.sendForCode(port, "untrusted")).isEqualTo(451);
                DefaultSslBundleRegistry registry = (DefaultSslBundleRegistry) context.getBean(SslBundles.class);
                registry.updateBundle("upstream-trust", SslBundle.of(new JksSslStoreBundle(null,
                        new JksSslStoreDetails("PKCS12", null, "file:" + trustsUpstream, TestCertificates.PASSWORD))));
                assertThat(Mail.sendForCode(port, "after reload")).isEqualTo(250);
                assertThat(relayed).singleElement().asString().contains("Subject: after reload");
            });
    }

    @Test
    void anUnknownBundleFailsClearly() {
        runner.withPropertyValues("smtpd.remoteaddr=127.0.0.1:" + upstream.getPort(),
                "smtpd.relay.ssl-bundle=nope").run((context) -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).hasStackTraceContaining(
                            InvalidSmtpdPropertyException.class.getName() + ": Invalid smtpd.relay.ssl-bundle");
                });
    }
}
