package io.github.smtpd.mode;

import java.time.Duration;
import java.util.Properties;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.relay.UpstreamOptions;
import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.TestServers;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proxy mode in front of GreenMail, an SMTP server written independently of this one, which asks for AUTH
 * (PLAIN or LOGIN) and offers none of 8BITMIME, SIZE or SMTPUTF8.
 */
class ProxyToGreenMailTest {

    private GreenMail greenMail;

    private SmtpServer proxy;

    @BeforeEach
    void startGreenMail() {
        greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort())
                .withConfiguration(GreenMailConfiguration.aConfig().withUser("relay@example.org", "relay", "secret"));
        greenMail.start();
    }

    @AfterEach
    void stop() {
        if (proxy != null) {
            proxy.stop(Duration.ZERO);
        }
        greenMail.stop();
    }

    private void startProxy(UpstreamOptions.Builder upstream) {
        upstream.addresses("127.0.0.1:" + greenMail.getSmtp().getPort());
        proxy = ProxyModeTest.proxyServer().handler(new ProxyMode(ProxyOptions.builder().upstream(upstream.build())
                .peerHeader(true).build())).build();
        proxy.start();
    }

    @Test
    void relaysAJakartaMailMessageWithCredentials() throws Exception {
        startProxy(UpstreamOptions.builder().credentials("relay", "secret"));

        Properties properties = new Properties();
        properties.put("mail.smtp.host", "127.0.0.1");
        properties.put("mail.smtp.port", Integer.toString(proxy.getPort()));
        MimeMessage message = new MimeMessage(Session.getInstance(properties));
        message.setFrom(new InternetAddress("sender@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress("rcpt@example.net"));
        message.setSubject("Via GreenMail");
        message.setText("Hello GreenMail");
        Transport.send(message);

        assertThat(greenMail.waitForIncomingEmail(10_000, 1)).isTrue();
        MimeMessage arrived = greenMail.getReceivedMessages()[0];
        assertThat(arrived.getSubject()).isEqualTo("Via GreenMail");
        // GreenMail's own trace header on top, then the proxy's, the only one it added.
        assertThat(arrived.getHeader("Received")).hasSize(2);
        assertThat(arrived.getHeader("Received")[1]).startsWith("from localhost ([127.0.0.1])")
                .contains("by smtpd.test (smtpd for Java) with ESMTP id").contains("for <rcpt@example.net>;");
        assertThat(arrived.getHeader("X-Peer")).containsExactly("127.0.0.1");
        assertThat(((String) arrived.getContent()).strip()).isEqualTo("Hello GreenMail");
    }

    @Test
    void answers451WhenTheUpstreamRefusesTheCredentials() throws Exception {
        startProxy(UpstreamOptions.builder().credentials("relay", "wrong"));
        try (RawClient client = RawClient.connect(TestServers.address(proxy))) {
            client.command("EHLO client.example");
            assertThat(client.command("MAIL FROM:<sender@example.org>")).startsWith("250");
            assertThat(client.command("RCPT TO:<rcpt@example.net>"))
                    .isEqualTo("451 4.4.1 Upstream server unavailable, try again later");
        }
        assertThat(greenMail.getReceivedMessages()).isEmpty();
    }

    @Test
    void refusesEightBitContentGreenMailCanNotTake() throws Exception {
        startProxy(UpstreamOptions.builder());
        try (RawClient client = RawClient.connect(TestServers.address(proxy))) {
            client.command("EHLO client.example");
            assertThat(client.command("MAIL FROM:<sender@example.org> BODY=8BITMIME SIZE=100")).startsWith("250");
            assertThat(client.command("RCPT TO:<rcpt@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            client.send("Subject: 8 bit\r\n\r\nna\u00efve\r\n.\r\n");
            assertThat(client.readReply()).startsWith("554 5.6.3 Upstream server does not support 8BITMIME");
        }
        assertThat(greenMail.getReceivedMessages()).isEmpty();
    }
}
