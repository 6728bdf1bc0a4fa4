package io.github.smtpd;

import java.time.Duration;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** smtpd's channel_class / smtp_COMMAND extension point: adding and replacing commands. */
class CustomCommandTest extends ServerTestSupport {

    @Test
    void aCustomCommandSeesTheSessionState() throws Exception {
        server = TestServers.loopback()
                .messageProcessor(new RecordingProcessor())
                .command("XSTATE", (session, argument) -> session.reply(250, "helo=" + session.heloName() + " from="
                        + session.mailFrom() + " to=" + session.rcptTos() + " state=" + session.state() + " fqdn="
                        + session.fqdn() + " arg=" + argument))
                .build();
        server.start();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("HELO client");
            client.command("MAIL FROM:<a@b.example>");
            client.command("RCPT TO:<c@d.example>");
            assertThat(client.command("xstate  hello  ")).isEqualTo(
                    "250 helo=client from=a@b.example to=[c@d.example] state=COMMAND fqdn=smtpd.test arg=hello");
        }
    }

    @Test
    void aBuiltInCommandCanBeReplacedAndWrapped() throws Exception {
        SmtpCommand builtinVrfy = SmtpCommands.builtin("VRFY");
        server = TestServers.loopback()
                .messageProcessor(new RecordingProcessor())
                .command("VRFY", (session, argument) -> {
                    if ("<postmaster@smtpd.test>".equals(argument)) {
                        session.reply(250, "Postmaster <postmaster@smtpd.test>");
                    }
                    else {
                        builtinVrfy.execute(session, argument);
                    }
                })
                .command("EXPN", (session, argument) -> session.reply(550, "Access denied"))
                .build();
        server.start();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.command("VRFY <postmaster@smtpd.test>")).isEqualTo("250 Postmaster <postmaster@smtpd.test>");
            assertThat(client.command("VRFY <a@b.example>")).startsWith("252 ");
            assertThat(client.command("EXPN list")).isEqualTo("550 Access denied");
        }
        assertThat(server.settings().commands().keySet()).contains("VRFY", "EXPN", "HELO");
    }

    @Test
    void aCustomCommandCanResetTheTransactionAndClose() throws Exception {
        server = TestServers.loopback()
                .messageProcessor(new RecordingProcessor())
                .command("XBYE", (session, argument) -> {
                    session.resetTransaction();
                    session.reply(221, "See you");
                    session.close();
                })
                .build();
        server.start();
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            client.command("HELO c");
            client.command("MAIL FROM:<a@b.example>");
            assertThat(client.command("XBYE")).isEqualTo("221 See you");
            assertThat(client.isClosedByServer()).isTrue();
        }
    }

    @Test
    void verbsMustBeWords() {
        assertThatIllegalArgumentException().isThrownBy(() -> SmtpServer.builder().command("BAD VERB", (s, a) -> {
        })).withMessageContaining("BAD VERB");
        assertThatIllegalArgumentException().isThrownBy(() -> SmtpCommands.builtin("XNOPE"))
                .withMessageContaining("XNOPE");
    }
}
