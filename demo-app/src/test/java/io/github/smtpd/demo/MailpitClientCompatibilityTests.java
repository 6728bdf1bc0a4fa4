package io.github.smtpd.demo;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.jayway.jsonpath.JsonPath;
import io.github.smtpd.autoconfigure.context.LocalSmtpdPort;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import jakarta.activation.DataHandler;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The catcher's API against a real third-party Mailpit client: the npm package {@code mailpit-api} (pinned in
 * {@code src/test/node/package.json}) runs {@code src/test/node/mailpit-client-check.mjs}, which calls every client
 * method the API supports on messages sent here with Angus Mail, and releases one to GreenMail.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "smtpd.localaddr=127.0.0.1:0" })
@ActiveProfiles("debugging")
@DisabledIfEnvironmentVariable(named = "SMTPD_SKIP_HEAVY_TESTS", matches = "true")
class MailpitClientCompatibilityTests {

    private static final Path SOURCES = Path.of("src", "test", "node");

    private static final Path WORK = Path.of("target", "mailpit-client");

    private static final String RELEASE_TO = "released@example.net";

    private static final List<String> CHECKS = List.of("getInfo", "getConfiguration", "listMessages",
            "searchMessages from:", "searchMessages subject: (UTF-8)", "searchMessages words",
            "getMessageSummary by ID", "getMessageSummary latest", "getMessageHeaders", "getMessageSource",
            "getMessageAttachment", "setReadStatus", "getTags", "releaseMessage", "waitForMessage",
            "waitForMessages", "deleteMessages IDs", "deleteMessagesBySearch", "deleteMessages all", "all");

    /** Where captured messages are released to: an SMTP server written independently of this one. */
    private static final GreenMail releaseServer = startReleaseServer();

    @LocalSmtpdPort
    int smtpPort;

    @LocalServerPort
    int httpPort;

    private static GreenMail startReleaseServer() {
        GreenMail greenMail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP).dynamicPort());
        greenMail.start();
        return greenMail;
    }

    @DynamicPropertySource
    static void release(DynamicPropertyRegistry registry) {
        registry.add("smtpd.capture.release.address", () -> "127.0.0.1:" + releaseServer.getSmtp().getPort());
    }

    @AfterAll
    static void stopReleaseServer() {
        releaseServer.stop();
    }

    @Test
    void mailpitApiClientWorksAgainstTheCatcher() throws Exception {
        String node = executable("node");
        String npm = executable("npm");
        assumeTrue(node != null && npm != null,
                "node and npm are needed (Debian: apt-get install nodejs npm); the Mailpit client check is skipped");
        installClient(npm);

        byte[] attachment = new byte[3000];
        for (int i = 0; i < attachment.length; i++) {
            attachment[i] = (byte) (i * 7);
        }
        List<Map<String, Object>> messages = new ArrayList<>();
        messages.add(fixture("invoice", "Rechnung Überweisung ✓ 42", address("Alice Example", "alice@example.org"),
                List.of(address("Bob Builder", "bob@example.org")), List.of(address("", "carol@example.org")),
                "Please find the invoice attached.", "<p>Please find the <b>invoice</b> attached.</p>",
                Map.of("fileName", "report.pdf", "contentType", "application/pdf", "base64",
                        Base64.getEncoder().encodeToString(attachment))));
        messages.get(0).put("subjectWord", "Überweisung");
        messages.add(fixture("digest", "Weekly digest", address("Dave", "dave@example.net"),
                List.of(address("", "erin@example.org")), List.of(), "This week: pineapple prices.", null, null));
        messages.get(1).put("bodyWord", "pineapple");
        messages.add(fixture("reset", "Password reset", address("Alice Example", "alice@example.org"),
                List.of(address("", "frank@example.org")), List.of(), "Your reset code is 123456.", null, null));
        for (Map<String, Object> message : messages) {
            send(message, attachment);
        }

        Map<String, Object> fixtures = new LinkedHashMap<>();
        fixtures.put("smtp", "127.0.0.1:" + smtpPort);
        fixtures.put("releaseTo", RELEASE_TO);
        fixtures.put("messages", messages);
        Path fixturesFile = WORK.resolve("fixtures.json");
        Files.writeString(fixturesFile, JsonMapper.builder().build().writeValueAsString(fixtures));

        Run run = run(WORK, 90, node, "mailpit-client-check.mjs", "http://127.0.0.1:" + httpPort + "/smtpd",
                fixturesFile.getFileName().toString());
        System.out.println(run.out());
        assertThat(run.exitCode()).as("the script's exit code; its output:%n%s%n%s", run.out(), run.err()).isZero();
        List<String> results = run.out().lines().filter((line) -> line.startsWith("{")).toList();
        assertThat(results).extracting((line) -> (String) JsonPath.read(line, "$.check")).containsExactlyElementsOf(CHECKS);
        assertThat(results).allSatisfy((line) -> assertThat(JsonPath.<Boolean>read(line, "$.ok")).isTrue());

        // The released message reached GreenMail, as sent, to the recipient the client named.
        assertThat(releaseServer.waitForIncomingEmail(10_000, 1)).isTrue();
        MimeMessage released = releaseServer.getReceivedMessages()[0];
        assertThat(released.getSubject()).isEqualTo("Rechnung Überweisung ✓ 42");
        // GreenMail makes a mailbox for each envelope recipient: the one the client named, not the message's To.
        assertThat(releaseServer.getUserManager().listUser()).extracting(GreenMailUser::getEmail)
            .containsExactly(RELEASE_TO);
        assertThat(released.getContent()).isInstanceOf(MimeMultipart.class);
        MimeBodyPart file = (MimeBodyPart) ((MimeMultipart) released.getContent()).getBodyPart(1);
        assertThat(file.getFileName()).isEqualTo("report.pdf");
        assertThat(file.getInputStream().readAllBytes()).isEqualTo(attachment);
    }

    private static Map<String, Object> fixture(String key, String subject, Map<String, String> from,
            List<Map<String, String>> to, List<Map<String, String>> cc, String text, String html,
            Map<String, String> attachment) {
        Map<String, Object> fixture = new LinkedHashMap<>();
        fixture.put("key", key);
        fixture.put("subject", subject);
        fixture.put("from", from);
        fixture.put("to", to);
        fixture.put("cc", cc);
        fixture.put("text", text);
        fixture.put("html", html);
        fixture.put("attachment", attachment);
        return fixture;
    }

    private static Map<String, String> address(String name, String address) {
        Map<String, String> json = new LinkedHashMap<>();
        json.put("Name", name);
        json.put("Address", address);
        return json;
    }

    @SuppressWarnings("unchecked")
    private void send(Map<String, Object> fixture, byte[] attachment) throws Exception {
        MimeMessage message = new MimeMessage(DemoMail.session(smtpPort));
        message.setFrom(internet((Map<String, String>) fixture.get("from")));
        for (Map<String, String> to : (List<Map<String, String>>) fixture.get("to")) {
            message.addRecipient(RecipientType.TO, internet(to));
        }
        for (Map<String, String> cc : (List<Map<String, String>>) fixture.get("cc")) {
            message.addRecipient(RecipientType.CC, internet(cc));
        }
        message.setSubject((String) fixture.get("subject"), "UTF-8");
        String text = (String) fixture.get("text");
        String html = (String) fixture.get("html");
        if (html == null) {
            message.setText(text, "UTF-8");
        }
        else {
            MimeMultipart alternative = new MimeMultipart("alternative");
            MimeBodyPart plain = new MimeBodyPart();
            plain.setText(text, "UTF-8");
            MimeBodyPart rich = new MimeBodyPart();
            rich.setContent(html, "text/html; charset=UTF-8");
            alternative.addBodyPart(plain);
            alternative.addBodyPart(rich);
            MimeBodyPart body = new MimeBodyPart();
            body.setContent(alternative);
            Map<String, String> described = (Map<String, String>) fixture.get("attachment");
            MimeBodyPart file = new MimeBodyPart();
            file.setDataHandler(new DataHandler(new ByteArrayDataSource(attachment, described.get("contentType"))));
            file.setFileName(described.get("fileName"));
            file.setDisposition(MimeBodyPart.ATTACHMENT);
            MimeMultipart mixed = new MimeMultipart("mixed");
            mixed.addBodyPart(body);
            mixed.addBodyPart(file);
            message.setContent(mixed);
        }
        Transport.send(message);
    }

    private static InternetAddress internet(Map<String, String> address) throws Exception {
        String name = address.get("Name");
        return name.isEmpty() ? new InternetAddress(address.get("Address"))
                : new InternetAddress(address.get("Address"), name, "UTF-8");
    }

    /** Copies the client's package.json and lock file under target/ and installs them there, once per build. */
    private static void installClient(String npm) throws Exception {
        Files.createDirectories(WORK);
        for (String name : List.of("package.json", "package-lock.json", "mailpit-client-check.mjs")) {
            Files.copy(SOURCES.resolve(name), WORK.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
        Path installed = WORK.resolve("node_modules/mailpit-api/package.json");
        if (Files.isRegularFile(installed)
                && JsonPath.read(Files.readString(installed), "$.version").equals("2.1.0")) {
            return;
        }
        Run install = run(WORK, 300, npm, "ci", "--no-audit", "--no-fund", "--prefer-offline");
        assertThat(install.exitCode()).as("npm ci of the Mailpit client; its output:%n%s%n%s", install.out(),
                install.err()).isZero();
    }

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(Path directory, int timeoutSeconds, String... command) throws Exception {
        Path out = Files.createTempFile(WORK, "out", ".txt");
        Path err = Files.createTempFile(WORK, "err", ".txt");
        try {
            Process process = new ProcessBuilder(command).directory(directory.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within " + timeoutSeconds
                        + " s; its output:\n" + Files.readString(out) + "\n" + Files.readString(err));
            }
            return new Run(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        }
        finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** The absolute path of a program on the PATH, or {@code null}. */
    private static String executable(String name) throws IOException {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String directory : path.split(File.pathSeparator)) {
            Path candidate = Path.of(directory, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toAbsolutePath().toString();
            }
        }
        return null;
    }
}
