package io.github.smtpd.autoconfigure.mode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.SmtpdAutoConfiguration;
import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdPropertyException;
import io.github.smtpd.autoconfigure.diagnostics.MissingRemoteAddressException;
import io.github.smtpd.autoconfigure.testsupport.Mail;
import io.github.smtpd.mode.DebuggingMode;
import io.github.smtpd.mode.MailmanMode;
import io.github.smtpd.mode.ProxyMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link SmtpdModeAutoConfiguration}: smtpd.mode picks the handler, each tested with real mail. */
@ExtendWith(OutputCaptureExtension.class)
class SmtpdModeAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(SmtpdModeAutoConfiguration.class, SmtpdAutoConfiguration.class))
        .withPropertyValues("smtpd.localaddr=127.0.0.1:0", "smtpd.host-name=gateway.example.org");

    /** An independent upstream: a second server on another port that keeps what it receives. */
    private SmtpServer upstream;

    private final List<String> relayed = new CopyOnWriteArrayList<>();

    @BeforeEach
    void startUpstream() {
        upstream = SmtpServer.builder().localAddress("127.0.0.1:0").hostName("upstream.example.org")
            .messageProcessor((message) -> {
                relayed.add(new String(message.content(), StandardCharsets.UTF_8));
                return null;
            })
            .build();
        upstream.start();
    }

    @AfterEach
    void stopUpstream() {
        upstream.stop(Duration.ZERO);
    }

    @Test
    void theDefaultModeHasNoModeHandler() {
        runner.run((context) -> {
            assertThat(context).doesNotHaveBean(DebuggingMode.class);
            assertThat(context).doesNotHaveBean(ProxyMode.class);
            assertThat(context).doesNotHaveBean(MailmanMode.class);
        });
    }

    @Test
    void debuggingModePrintsEachMessageAndKeepsIt(CapturedOutput output) {
        runner.withPropertyValues("smtpd.mode=debugging", "smtpd.debugging.capacity=5").run((context) -> {
            int port = context.getBean(SmtpServer.class).getPort();
            Mail.send(port, "alice@example.org", "bob@example.org", "Printed", "Hello debugging");
            DebuggingMode mode = context.getBean(DebuggingMode.class);
            assertThat(mode.capacity()).isEqualTo(5);
            assertThat(mode.messages()).hasSize(1);
            assertThat(output).contains("---------- MESSAGE FOLLOWS ----------").contains("X-Peer: 127.0.0.1")
                .contains("------------ END MESSAGE ------------");
        });
    }

    @Test
    void debuggingOutputGoesToStandardErrorOrAFile(CapturedOutput output, @TempDir Path folder) throws Exception {
        runner.withPropertyValues("smtpd.mode=debugging", "smtpd.debugging.output=stderr").run((context) -> {
            Mail.send(context.getBean(SmtpServer.class).getPort(), "alice@example.org", "bob@example.org", "To stderr",
                    "Hello");
            assertThat(output.getErr()).contains("---------- MESSAGE FOLLOWS ----------", "Subject: To stderr");
            assertThat(output.getOut()).doesNotContain("MESSAGE FOLLOWS");
        });
        Path file = folder.resolve("mail/mail.log");
        runner.withPropertyValues("smtpd.mode=debugging", "smtpd.debugging.output=" + file).run((context) -> {
            Mail.send(context.getBean(SmtpServer.class).getPort(), "alice@example.org", "bob@example.org", "To a file",
                    "Hello");
        });
        // The context closed the file; a second run appends.
        runner.withPropertyValues("smtpd.mode=debugging", "smtpd.debugging.output=" + file).run((context) -> {
            Mail.send(context.getBean(SmtpServer.class).getPort(), "alice@example.org", "bob@example.org", "Again",
                    "Hello");
        });
        String printed = Files.readString(file);
        assertThat(printed).contains("Subject: To a file", "Subject: Again");
        assertThat(printed.split("---------- MESSAGE FOLLOWS ----------", -1)).hasSize(3);
    }

    @Test
    void anUnwritableDebuggingOutputFailsClearly(@TempDir Path folder) throws Exception {
        Path notAFolder = Files.writeString(folder.resolve("file"), "x");
        runner.withPropertyValues("smtpd.mode=debugging", "smtpd.debugging.output=" + notAFolder.resolve("mail.log"))
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).hasStackTraceContaining("smtpd.debugging.output");
            });
    }

    @Test
    void proxyModeRelaysToRemoteaddr() {
        runner.withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=127.0.0.1:" + upstream.getPort())
            .run((context) -> {
                assertThat(context).hasSingleBean(ProxyMode.class);
                int port = context.getBean(SmtpServer.class).getPort();
                Mail.send(port, "alice@example.org", "bob@example.org", "Relayed", "Through the proxy");
                assertThat(relayed).hasSize(1);
                assertThat(relayed.get(0)).contains("Subject: Relayed").contains("Through the proxy")
                    .contains("by gateway.example.org");
            });
    }

    @Test
    void relayPropertiesReachTheProxy() {
        runner.withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=127.0.0.1:" + upstream.getPort(),
                "smtpd.relay.trusted-networks=192.0.2.0/24", "smtpd.relay.domains=example.org",
                "smtpd.relay.authenticated-clients-may-relay=false")
            .run((context) -> {
                int port = context.getBean(SmtpServer.class).getPort();
                // Loopback is no longer trusted: only the relay domain is accepted.
                Mail.send(port, "a@example.net", "bob@example.org", "Inbound", "to a relay domain");
                assertThat(relayed).hasSize(1);
                org.assertj.core.api.Assertions
                    .assertThatThrownBy(() -> Mail.send(port, "a@example.net", "carol@example.net", "Out", "denied"))
                    .isInstanceOf(jakarta.mail.MessagingException.class);
                assertThat(relayed).hasSize(1);
            });
    }

    @Test
    void proxyModeTriesSeveralRemoteAddressesInOrder() {
        runner.withPropertyValues("smtpd.mode=proxy",
                "smtpd.remoteaddr=127.0.0.1:1, 127.0.0.1:" + upstream.getPort(), "smtpd.relay.connect-timeout=2s")
            .run((context) -> {
                Mail.send(context.getBean(SmtpServer.class).getPort(), "a@example.org", "b@example.org", "Second",
                        "x");
                assertThat(relayed).hasSize(1);
            });
    }

    @Test
    void proxyModeWithAnUpstreamDownAnswers451() {
        runner.withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=127.0.0.1:1").run((context) ->
                assertThat(Mail.sendForCode(context.getBean(SmtpServer.class).getPort(), "x")).isEqualTo(451));
    }

    @Test
    void proxyModeWithoutRemoteaddrFailsClearly() {
        runner.withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause().isInstanceOf(MissingRemoteAddressException.class);
        });
    }

    @Test
    void badTrustedNetworksFailClearly() {
        runner.withPropertyValues("smtpd.mode=proxy", "smtpd.remoteaddr=127.0.0.1:25",
                "smtpd.relay.trusted-networks=mail.example.org").run((context) -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).hasStackTraceContaining(
                            InvalidSmtpdPropertyException.class.getName() + ": Invalid smtpd.relay.trusted-networks");
                });
    }

    @Test
    void mailmanModeNeedsListDomains() {
        runner.withPropertyValues("smtpd.mode=mailman", "smtpd.remoteaddr=127.0.0.1:25").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                .isInstanceOf(InvalidSmtpdPropertyException.class)
                .hasMessageContaining("smtpd.mailman.list-domains");
        });
    }

    @Test
    void mailmanModeRelaysNonListMailAndSendsListMailToLmtp() throws Exception {
        List<String> delivered = new CopyOnWriteArrayList<>();
        SmtpServer lmtp = SmtpServer.builder().localAddress("127.0.0.1:0").hostName("mailman.example.org")
            .protocol(io.github.smtpd.Protocol.LMTP)
            .messageProcessor((message) -> {
                delivered.add(String.join(",", message.rcptTos()));
                return null;
            })
            .build();
        lmtp.start();
        try {
            runner.withPropertyValues("smtpd.mode=mailman", "smtpd.remoteaddr=127.0.0.1:" + upstream.getPort(),
                    "smtpd.mailman.lmtp-address=127.0.0.1:" + lmtp.getPort(),
                    "smtpd.mailman.list-domains=lists.example.org").run((context) -> {
                        assertThat(context).hasSingleBean(MailmanMode.class);
                        int port = context.getBean(SmtpServer.class).getPort();
                        Mail.send(port, "a@example.org", "announce@lists.example.org", "List", "to the list");
                        Mail.send(port, "a@example.org", "bob@example.org", "Direct", "to a person");
                        assertThat(delivered).containsExactly("announce@lists.example.org");
                        assertThat(relayed).hasSize(1);
                        assertThat(relayed.get(0)).contains("Subject: Direct");
                    });
        }
        finally {
            lmtp.stop(Duration.ZERO);
        }
    }
}
