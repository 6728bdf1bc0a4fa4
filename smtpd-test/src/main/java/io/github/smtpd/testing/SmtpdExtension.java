package io.github.smtpd.testing;

import java.time.Duration;
import java.util.List;
import java.util.Properties;

import io.github.smtpd.SmtpServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real SMTP server on a free port of 127.0.0.1 for a JUnit 5 test, capturing every message:
 * <pre>{@code
 * @RegisterExtension
 * static SmtpdExtension smtpd = SmtpdExtension.create();
 *
 * @Test
 * void sendsTheWelcomeMail() {
 *     signUp("alice@example.org");                       // your code, sending to smtpd.port()
 *     CapturedMessage mail = smtpd.awaitMessage();
 *     assertThat(mail).hasRecipient("alice@example.org").hasSubject("Welcome");
 * }
 * }</pre>
 * By default each test method gets a new server ({@link #perMethod()}); {@link #perClass()} keeps one for the class
 * and clears it before each method. Options: {@link #withStartTls()}, {@link #withAuth(String, String)},
 * {@link #withSmtpUtf8()}, {@link #withSizeLimit(long)}. Failure injection: {@link #failures()}. Test classes that
 * run in parallel each have their own server and messages.
 */
public final class SmtpdExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

    private boolean perClass;

    private boolean startTls;

    private String username;

    private String password;

    private boolean smtpUtf8;

    private long sizeLimit = 32L * 1024 * 1024;

    private volatile CapturedMail mail;

    private volatile SmtpServer server;

    private SmtpdExtension() {
    }

    /** A plain SMTP server: no TLS, no AUTH, 32 MiB messages, a new one per test method. */
    public static SmtpdExtension create() {
        return new SmtpdExtension();
    }

    /** One server for the whole test class (declare the field {@code static}), cleared before each method. */
    public SmtpdExtension perClass() {
        requireNotStarted();
        perClass = true;
        return this;
    }

    /** A new server for each test method (the default). */
    public SmtpdExtension perMethod() {
        requireNotStarted();
        perClass = false;
        return this;
    }

    /**
     * Offers STARTTLS with a self-signed certificate for 127.0.0.1 and localhost, made at start; clients trust it
     * through {@link #certificate()} or {@link #mailProperties()}.
     */
    public SmtpdExtension withStartTls() {
        requireNotStarted();
        startTls = true;
        return this;
    }

    /** Offers AUTH PLAIN and LOGIN (also without TLS), accepting these credentials only. */
    public SmtpdExtension withAuth(String username, String password) {
        requireNotStarted();
        this.username = username;
        this.password = password;
        return this;
    }

    /** Offers SMTPUTF8 (RFC 6531): internationalized addresses. */
    public SmtpdExtension withSmtpUtf8() {
        requireNotStarted();
        smtpUtf8 = true;
        return this;
    }

    /** The largest message accepted (advertised as SIZE; larger ones get 552). */
    public SmtpdExtension withSizeLimit(long bytes) {
        requireNotStarted();
        sizeLimit = bytes;
        return this;
    }

    /** The class whose beforeAll started a per-class server: only its afterAll stops it (not a nested class's). */
    private volatile String startedBy;

    @Override
    public void beforeAll(ExtensionContext context) {
        if (perClass && server == null) {
            start();
            startedBy = context.getUniqueId();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (server == null) {
            start();
        }
        else {
            mail.clear();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            stop();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (!perClass || context.getUniqueId().equals(startedBy)) {
            stop();
            startedBy = null;
        }
    }

    private void start() {
        CapturedMail captured = new CapturedMail();
        SmtpServer.Builder builder = SmtpServer.builder()
            .localAddress("127.0.0.1:0")
            .hostName("localhost")
            .receivedHeader(false)
            .maxSessionsPerClient(0)
            .enableSmtpUtf8(smtpUtf8)
            .dataSizeLimit(sizeLimit)
            .handler(captured.capturing(null));
        TestServers.configure(builder, captured, startTls, username, password);
        SmtpServer started = builder.build();
        started.start();
        captured.attach(started);
        mail = captured;
        server = started;
    }

    private void stop() {
        SmtpServer running = server;
        server = null;
        if (running != null) {
            running.stop(Duration.ZERO);
        }
    }

    private void requireNotStarted() {
        if (server != null) {
            throw new IllegalStateException("Configure the extension before it starts");
        }
    }

    private CapturedMail mail() {
        CapturedMail current = mail;
        if (current == null || server == null) {
            throw new IllegalStateException("The test SMTP server runs only during a test (is the field registered "
                    + "with @RegisterExtension, and static for perClass()?)");
        }
        return current;
    }

    /** The port on 127.0.0.1. */
    public int port() {
        return mail().port();
    }

    /** {@code 127.0.0.1}. */
    public String host() {
        return mail().host();
    }

    /** The messages received so far in this test. */
    public List<CapturedMessage> messages() {
        return mail().messages();
    }

    /** Waits for {@code count} messages; the failure says what did arrive. */
    public List<CapturedMessage> awaitMessages(int count, Duration timeout) {
        return mail().awaitMessages(count, timeout);
    }

    /** Waits up to 10 s for the first message. */
    public CapturedMessage awaitMessage() {
        return mail().awaitMessage();
    }

    /** Forgets the messages and failure rules. */
    public void clear() {
        mail().clear();
    }

    /** What the server should do wrong, for this test. */
    public Failures failures() {
        return mail().failures();
    }

    /** The messages and failure controls, as one object to pass around. */
    public CapturedMail captured() {
        return mail();
    }

    /** The certificate STARTTLS presents, for clients to trust. */
    public TestCertificate certificate() {
        return TestCertificate.get();
    }

    /**
     * Jakarta Mail session properties for this server: host and port, and with STARTTLS, that it is required and
     * trusted (by its certificate, not by turning checks off); with AUTH, that it is used.
     */
    public Properties mailProperties() {
        Properties properties = new Properties();
        properties.put("mail.smtp.host", host());
        properties.put("mail.smtp.port", Integer.toString(port()));
        properties.put("mail.smtp.connectiontimeout", "10000");
        properties.put("mail.smtp.timeout", "10000");
        if (startTls) {
            properties.put("mail.smtp.starttls.enable", "true");
            properties.put("mail.smtp.starttls.required", "true");
            properties.put("mail.smtp.ssl.socketFactory", certificate().socketFactory());
        }
        if (username != null) {
            properties.put("mail.smtp.auth", "true");
        }
        return properties;
    }
}
