package io.github.smtpd;

import java.time.Duration;
import java.util.List;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.smtpd.internal.Session;
import io.github.smtpd.test.RawClient;
import io.github.smtpd.test.TestServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one INFO line per message that operators grep for: id, peer, sender, recipient count, size, outcome and
 * reply, logged on the session's thread with the session id in the MDC.
 */
class MessageLogTest {

    private final Logger sessionLogger = (Logger) LoggerFactory.getLogger(Session.class);

    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private Level previousLevel;

    private SmtpServer server;

    @BeforeEach
    void captureSessionLog() {
        previousLevel = sessionLogger.getLevel();
        sessionLogger.setLevel(Level.INFO);
        appender.start();
        sessionLogger.addAppender(appender);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(Duration.ZERO);
        }
        sessionLogger.detachAppender(appender);
        sessionLogger.setLevel(previousLevel);
    }

    @Test
    void acceptedMessage() throws Exception {
        start(message -> null);
        send("Subject: hi\r\n\r\nHello\r\n");

        ILoggingEvent line = messageLine();
        // 22 bytes: the content after dot-unstuffing, without the terminating ".".
        assertThat(line.getFormattedMessage()).matches(
                "Message \\S+ from 127\\.0\\.0\\.1 <alice@example\\.org> to 2 recipient\\(s\\), 22 bytes: "
                        + "accepted \\(250 2\\.0\\.0 OK\\)");
    }

    @Test
    void theNullSenderIsLoggedAsTheNullPathOnce() throws Exception {
        start(message -> null);
        send("<>", "Subject: bounce\r\n\r\nundeliverable\r\n");
        assertThat(messageLine().getFormattedMessage()).contains(" from 127.0.0.1 <> to 2 recipient(s)")
            .doesNotContain("<<>>");
    }

    @Test
    void permanentReplyIsRejected() throws Exception {
        start(message -> Reply.of(550, "5.7.1", "Not here"));
        send("x\r\n");

        assertThat(messageLine().getFormattedMessage()).endsWith(": rejected (550 5.7.1 Not here)");
    }

    @Test
    void processorFailureIsFailed() throws Exception {
        start(message -> {
            throw new IllegalStateException("store is down");
        });
        send("x\r\n");

        assertThat(messageLine().getFormattedMessage()).contains(": failed (451 4.3.0 ");
    }

    @Test
    void transientReplyIsFailedAsInTheMetrics() throws Exception {
        start(message -> Reply.of(451, "4.7.1", "Greylisted, try again"));
        send("x\r\n");

        assertThat(messageLine().getFormattedMessage()).endsWith(": failed (451 4.7.1 Greylisted, try again)");
    }

    @Test
    void lineCarriesTheSessionIdInTheMdc() throws Exception {
        start(message -> null);
        send("x\r\n");

        ILoggingEvent line = messageLine();
        String messageId = line.getFormattedMessage().split(" ")[1];
        // A message id is the session id, a dot and the message's number in that session.
        assertThat(line.getMDCPropertyMap()).containsEntry("smtpd.session",
                messageId.substring(0, messageId.lastIndexOf('.')));
    }

    private void start(MessageProcessor processor) {
        server = TestServers.loopback().messageProcessor(processor).build();
        server.start();
    }

    private void send(String content) throws Exception {
        send("<alice@example.org>", content);
    }

    private void send(String reversePath, String content) throws Exception {
        try (RawClient client = RawClient.connect(TestServers.address(server))) {
            assertThat(client.command("EHLO client.example")).startsWith("250");
            assertThat(client.command("MAIL FROM:" + reversePath)).startsWith("250");
            assertThat(client.command("RCPT TO:<bob@example.net>")).startsWith("250");
            assertThat(client.command("RCPT TO:<carol@example.net>")).startsWith("250");
            assertThat(client.command("DATA")).startsWith("354");
            // The reply is read after the line was logged: the session logs before it flushes the reply.
            client.command(content + ".");
            client.command("QUIT");
        }
    }

    private ILoggingEvent messageLine() {
        List<ILoggingEvent> lines = appender.list.stream()
            .filter(event -> event.getLevel() == Level.INFO && event.getFormattedMessage().startsWith("Message "))
            .toList();
        assertThat(lines).hasSize(1);
        return lines.get(0);
    }
}
