package io.github.smtpd;

import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.ServerTestSupport;
import io.github.smtpd.test.TestServers;
import io.github.smtpd.test.TestTls;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** HELP lists what this session can use, from the command table, not a fixed string. */
class HelpTest extends ServerTestSupport {

    @Test
    void listsSmtpdsCommandsFirstThenThoseThisServerAdds() throws Exception {
        server = TestServers.loopback().messageProcessor(new RecordingProcessor()).build();
        server.start();
        try (RawClient client = RawClient.open(TestServers.address(server))) {
            client.readReply();
            assertThat(client.command("HELP"))
                .isEqualTo("250 Supported commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY BDAT EXPN HELP");
            assertThat(client.command("HELP bdat")).isEqualTo("250 Syntax: BDAT chunk-size [LAST]");
            assertThat(client.command("HELP STARTTLS")).startsWith("501 Supported commands: ");
        }
    }

    @Test
    void anLmtpServerListsLhloInsteadOfHeloAndEhlo() throws Exception {
        server = TestServers.loopback().protocol(Protocol.LMTP).messageProcessor(new RecordingProcessor()).build();
        server.start();
        try (RawClient client = RawClient.open(TestServers.address(server))) {
            client.readReply();
            assertThat(client.command("HELP")).startsWith("250 Supported commands: LHLO MAIL RCPT")
                .doesNotContain("HELO", "EHLO");
        }
    }

    @Test
    void listsStartTlsUntilTlsStartedAndAuthWhenPasswordsAreChecked() throws Exception {
        server = TestServers.loopback().sslContext(TestTls::serverContext)
            .authenticator((session, name, password) -> null)
            .messageProcessor(new RecordingProcessor())
            .build();
        server.start();
        try (RawClient client = RawClient.open(TestServers.address(server))) {
            client.readReply();
            assertThat(client.command("HELP")).endsWith(" HELP STARTTLS AUTH");
            client.command("EHLO c");
            assertThat(client.command("STARTTLS")).startsWith("220");
            client.startTls(TestTls.clientSocketFactory());
            client.command("EHLO c");
            assertThat(client.command("HELP")).endsWith(" HELP AUTH");
            assertThat(client.command("HELP auth")).isEqualTo("250 2.0.0 Syntax: AUTH mechanism [initial-response]");
        }
    }

    @Test
    void listsTheApplicationsOwnCommands() throws Exception {
        server = TestServers.loopback().messageProcessor(new RecordingProcessor())
            .command("XSTATE", (session, argument) -> session.reply(250, "state"))
            .build();
        server.start();
        try (RawClient client = RawClient.open(TestServers.address(server))) {
            client.readReply();
            assertThat(client.command("HELP")).endsWith(" HELP XSTATE");
            assertThat(client.command("HELP xstate")).isEqualTo("250 Syntax: XSTATE");
        }
    }
}
