package io.github.smtpd.demo;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.smtpd.SmtpServer;
import io.github.smtpd.autoconfigure.context.LocalSmtpdPort;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.MimeMessage;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The demo's proxy profile relays to an independent upstream (a second server) and passes its refusals on. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE,
        properties = { "smtpd.localaddr=127.0.0.1:0", "demo.spool-dir=" })
@ActiveProfiles("proxy")
class ProxyProfileTests {

    private static final List<String> relayed = new CopyOnWriteArrayList<>();

    private static final SmtpServer upstream = startUpstream();

    @LocalSmtpdPort
    int port;

    private static SmtpServer startUpstream() {
        SmtpServer server = SmtpServer.builder().localAddress("127.0.0.1:0").hostName("upstream.example.org")
            .messageProcessor((message) -> {
                if (message.rcptTos().contains("full@example.org")) {
                    return io.github.smtpd.Reply.of(552, "5.2.2", "Mailbox full");
                }
                relayed.add(new String(message.content(), StandardCharsets.UTF_8));
                return null;
            })
            .build();
        server.start();
        return server;
    }

    @DynamicPropertySource
    static void upstream(DynamicPropertyRegistry registry) {
        registry.add("smtpd.remoteaddr", () -> "127.0.0.1:" + upstream.getPort());
    }

    @AfterAll
    static void stopUpstream() {
        upstream.stop(Duration.ZERO);
    }

    private void send(String to, String text) throws Exception {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(port));
        MimeMessage message = new MimeMessage(Session.getInstance(properties));
        message.setFrom("alice@example.org");
        message.setRecipients(RecipientType.TO, to);
        message.setSubject("Through the demo proxy");
        message.setText(text, "UTF-8");
        Transport.send(message);
    }

    @Test
    void relaysToTheUpstreamAndPassesItsRefusalsOn() throws Exception {
        send("bob@example.org", "relayed");
        assertThat(relayed).singleElement().asString().contains("Subject: Through the demo proxy", "relayed");
        assertThatThrownBy(() -> send("full@example.org", "refused")).isInstanceOf(SMTPSendFailedException.class)
            .hasMessageContaining("552");
        assertThat(relayed).hasSize(1);
    }
}
