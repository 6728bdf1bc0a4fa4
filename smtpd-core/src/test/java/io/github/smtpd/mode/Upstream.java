package io.github.smtpd.mode;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.SmtpServerListener;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.test.RecordingProcessor;
import io.github.smtpd.test.TestServers;

/**
 * A second instance of this server, on its own port, as the independent upstream of a relay test. Its verdicts
 * depend on the address, so one upstream serves every case: senders starting with {@code blocked} get 550 at
 * MAIL, recipients starting with {@code busy} 450, {@code nobody} 550 and {@code shutdown} 421 at RCPT, and
 * messages for {@code tempfail} get 451 and for {@code reject} 554 after the data. Everything else is recorded.
 */
final class Upstream implements AutoCloseable {

    final RecordingProcessor received = new RecordingProcessor();

    final AtomicInteger sessions = new AtomicInteger();

    /** The commands the upstream answered, in order: how the relay spoke to it. */
    final List<String> verbs = new CopyOnWriteArrayList<>();

    final SmtpServer server;

    private Upstream(SmtpServer.Builder builder) {
        SmtpHandler handler = new SmtpHandler() {
            @Override
            public Reply onMail(SmtpSession session, String address, List<String> options) {
                return address.startsWith("blocked") ? Reply.of(550, "5.7.1", "Sender blocked here") : null;
            }

            @Override
            public Reply onRcpt(SmtpSession session, String address, List<String> options) {
                if (address.startsWith("busy")) {
                    return Reply.of(450, "4.2.1", "Mailbox busy, come back later");
                }
                if (address.startsWith("shutdown")) {
                    return Reply.of(421, "4.3.2", "upstream.test Service shutting down");
                }
                if (address.startsWith("nobody")) {
                    return Reply.of(550, "5.1.1", "No such user here");
                }
                return null;
            }

            @Override
            public Reply onData(io.github.smtpd.Message message) {
                if (message.rcptTos().stream().anyMatch(r -> r.startsWith("tempfail"))) {
                    return Reply.of(451, "4.3.0", "Upstream queue full");
                }
                if (message.rcptTos().stream().anyMatch(r -> r.startsWith("reject"))) {
                    return Reply.of(554, "5.7.0", "Message refused by upstream policy");
                }
                received.process(message);
                return Reply.of(250, "2.0.0", "Queued as " + message.id());
            }
        };
        this.server = builder.hostName("upstream.test").handler(handler).listener(new SmtpServerListener() {
            @Override
            public void sessionOpened(SmtpSession session) {
                sessions.incrementAndGet();
            }

            @Override
            public void commandCompleted(SmtpSession session, String verb, Reply reply) {
                verbs.add(verb);
            }
        }).build();
        server.start();
    }

    /** An upstream offering SMTPUTF8, 8BITMIME and SIZE. */
    static Upstream start() {
        return new Upstream(TestServers.loopback().enableSmtpUtf8(true));
    }

    /** An upstream configured further, e.g. without SMTPUTF8 or 8BITMIME. */
    static Upstream start(SmtpServer.Builder builder) {
        return new Upstream(builder);
    }

    String hostPort() {
        return "127.0.0.1:" + server.getPort();
    }

    InetSocketAddress address() {
        return TestServers.address(server);
    }

    @Override
    public void close() {
        server.stop(Duration.ZERO);
    }
}
