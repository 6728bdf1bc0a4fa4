package io.github.smtpd.demo;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import javax.imageio.ImageIO;

import com.sun.net.httpserver.HttpServer;
import io.github.smtpd.autoconfigure.context.LocalSmtpdPort;
import jakarta.activation.DataHandler;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.util.ByteArrayDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The mail catcher's web UI in a real browser (Debian's headless Chromium through its chromedriver): mail sent over
 * SMTP shows up in the open page live, opens with its HTML in a sandboxed frame, downloads its attachment, is
 * deleted and searched; and a hostile message's scripts, handlers and javascript: links run nothing.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "smtpd.localaddr=127.0.0.1:0" })
@ActiveProfiles("debugging")
// Starting a browser is slow-ish and checks no runtime feature: CI runs this on one JDK only.
@DisabledIfEnvironmentVariable(named = "SMTPD_SKIP_HEAVY_TESTS", matches = "true")
class MailCatcherBrowserTests {

    private static final String TITLE = "smtpd mail catcher";

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HeadlessChromium chromium;

    private static ChromeDriver browser;

    @LocalSmtpdPort
    int smtpPort;

    @LocalServerPort
    int httpPort;

    @BeforeAll
    static void startBrowser() throws IOException {
        chromium = HeadlessChromium.start();
        browser = chromium.driver();
    }

    @AfterAll
    static void stopBrowser() throws IOException {
        if (chromium != null) {
            chromium.close();
        }
    }

    @BeforeEach
    void openTheUi() {
        browser.switchTo().defaultContent();
        browser.get(base() + "/smtpd/");
        // Listening for live events: what is sent from now on must show up without a reload.
        waitFor().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#live.on")));
        assertThat(browser.getTitle()).isEqualTo(TITLE);
    }

    @Test
    void aNewMessageAppearsInTheOpenListWithoutReload() throws Exception {
        // A page reload would drop this variable.
        browser.executeScript("window.smtpdPageMarker = 'still the same page';");
        String subject = "Grüße ✓ live " + System.nanoTime();
        send(htmlMessage(subject, "<p>Hello</p>", null));

        String id = waitForRow(subject);
        assertThat(rowClass(id)).contains("unread");
        assertThat(browser.findElement(row(id)).findElement(By.cssSelector(".from")).getText()).isEqualTo("Alice Ærø");
        assertThat(browser.executeScript("return window.smtpdPageMarker;")).isEqualTo("still the same page");
        // Newest first.
        assertThat(browser.findElement(By.cssSelector("#list li.message .subject")).getText()).isEqualTo(subject);
    }

    @Test
    void anOpenedMessageShowsItsEnvelopeAndItsHtmlInASandboxedFrame() throws Exception {
        String subject = "Grüße ✓ open " + System.nanoTime();
        send(htmlMessage(subject, "<h1 id='greeting'>Grüße aus dem Test</h1>"
                + "<p><img id='logo' src='cid:logo@smtpd.test' alt='logo'></p>", attachment()));
        String id = open(subject);

        assertThat(browser.findElement(By.id("v-subject")).getText()).isEqualTo(subject);
        String envelope = browser.findElement(By.id("v-envelope")).getText();
        assertThat(envelope).contains("Alice Ærø <alice@example.org>", "bob@example.org", "carol@example.org",
                "Client", "127.0.0.1");
        // Opening it marked it read.
        waitFor().until((driver) -> !rowClass(id).contains("unread"));
        // No release server in the demo: the button says what to set.
        WebElement release = browser.findElement(By.id("release"));
        assertThat(release.isEnabled()).isFalse();
        assertThat(release.getDomAttribute("title")).contains("smtpd.capture.release.address");

        WebElement frame = browser.findElement(By.id("v-frame"));
        assertThat(frame.getDomAttribute("sandbox")).isEmpty();
        browser.switchTo().frame(frame);
        try {
            assertThat(waitFor().until(ExpectedConditions.visibilityOfElementLocated(By.id("greeting"))).getText())
                .isEqualTo("Grüße aus dem Test");
            // The inline image came from its part URL (cid: rewritten), not blocked by the frame's policy.
            WebElement logo = browser.findElement(By.id("logo"));
            waitFor().until((driver) -> "8".equals(logo.getDomProperty("naturalWidth")));
        }
        finally {
            browser.switchTo().defaultContent();
        }

        for (String tab : List.of("text", "headers", "raw")) {
            browser.findElement(By.cssSelector("[data-tab='" + tab + "']")).click();
            String expected = switch (tab) {
                case "text" -> "Grüße aus dem Test, as text.";
                // Named as Mailpit names headers (Go's canonical form), whatever case the message used.
                case "headers" -> "Message-Id";
                default -> "Content-Type: multipart/mixed";
            };
            waitFor().until(ExpectedConditions.textToBePresentInElementLocated(By.id("v-body"), expected));
        }
        browser.findElement(By.cssSelector("[data-tab='html']")).click();
        waitFor().until(ExpectedConditions.presenceOfElementLocated(By.id("v-frame")));
        Path screenshot = Path.of("target", "mail-catcher.png");
        Files.createDirectories(screenshot.getParent());
        Files.write(screenshot, browser.getScreenshotAs(OutputType.BYTES));
    }

    @Test
    void theAttachmentDownloadsWithItsBytes() throws Exception {
        String subject = "Grüße ✓ attachment " + System.nanoTime();
        byte[] content = attachment();
        send(htmlMessage(subject, "<p>See the attachment.</p>", content));
        open(subject);

        WebElement link = waitFor().until(ExpectedConditions.presenceOfElementLocated(
                By.xpath("//ul[@id='v-parts']//a[.='Übersicht.bin']")));
        String href = link.getDomProperty("href");
        assertThat(href).startsWith(base() + "/smtpd/api/v1/message/");
        HttpResponse<byte[]> download = http.send(HttpRequest.newBuilder(URI.create(href)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.headers().firstValue("Content-Disposition")).hasValueSatisfying(
                (disposition) -> assertThat(disposition).startsWith("attachment"));
        assertThat(download.body()).isEqualTo(content);
    }

    @Test
    void aDeletedMessageDisappears() throws Exception {
        String subject = "Grüße ✓ delete " + System.nanoTime();
        send(htmlMessage(subject, "<p>Delete me.</p>", null));
        String id = open(subject);

        browser.findElement(By.id("delete")).click();
        waitFor().until(ExpectedConditions.numberOfElementsToBe(row(id), 0));
        waitFor().until(ExpectedConditions.invisibilityOfElementLocated(By.id("view")));
        assertThat(api("/message/" + id).statusCode()).isEqualTo(404);
    }

    @Test
    void aHostileMessageRunsNothing() throws Exception {
        // Would be deleted by any fetch('api/v1/messages', {method: 'DELETE'}) that ran.
        String witness = "Witness " + System.nanoTime();
        send(htmlMessage(witness, "<p>Still here.</p>", null));
        String witnessId = waitForRow(witness);

        String attack = "parent.document.title='pwned';document.title='pwned';"
                + "fetch('api/v1/messages',{method:'DELETE'});alert('pwned')";
        String subject = "<img src=x onerror=\"" + attack + "\"> Hostile " + System.nanoTime();
        send(htmlMessage(subject, "<script>" + attack + "</script>"
                + "<p id='hostile'>Nothing here runs.</p>"
                + "<img src='x' onerror=\"" + attack + "\">"
                + "<svg onload=\"" + attack + "\"><circle r='5'></circle></svg>"
                + "<a id='js-link' href=\"javascript:" + attack + "\">a javascript: link</a>"
                + "<a id='web-link' href='https://example.org/'>a web link</a>"
                + "<iframe src=\"javascript:" + attack + "\"></iframe>"
                + "<form action='api/v1/messages' method='post'><button id='submit'>Submit</button></form>"
                + "<meta http-equiv='refresh' content=\"0;url=javascript:" + attack + "\">", null));
        String id = open(subject);

        // Shown as text, in the list and the view: no element was made of it.
        assertThat(browser.findElement(By.id("v-subject")).getText()).isEqualTo(subject);
        assertThat(browser.findElement(row(id)).findElement(By.cssSelector(".subject")).getText()).isEqualTo(subject);
        assertThat(browser.findElements(By.cssSelector("#list img, #view img"))).isEmpty();

        WebElement frame = browser.findElement(By.id("v-frame"));
        String sandbox = frame.getDomAttribute("sandbox");
        assertThat(sandbox).isNotNull().doesNotContain("allow-scripts").doesNotContain("allow-same-origin");
        // The frame's own policy comes first, before anything of the message.
        assertThat(frame.getDomProperty("srcdoc")).matches("(?s)(<!DOCTYPE html>)?<html><head>"
                + "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; .*");
        browser.switchTo().frame(frame);
        try {
            assertThat(waitFor().until(ExpectedConditions.visibilityOfElementLocated(By.id("hostile"))).getText())
                .isEqualTo("Nothing here runs.");
            // Loaded: the script, the handlers and the refresh had their chance.
            waitFor().until((driver) -> "complete".equals(browser.executeScript("return document.readyState;")));
            assertThat(browser.findElement(By.id("js-link")).getDomAttribute("href")).isNull();
            assertThat(browser.findElement(By.id("web-link")).getDomAttribute("target")).isEqualTo("_blank");
            browser.findElement(By.id("js-link")).click();
            browser.findElement(By.id("submit")).click();
            assertThat(browser.executeScript("return document.title;")).isNotEqualTo("pwned");
        }
        finally {
            browser.switchTo().defaultContent();
        }

        assertThatExceptionOfType(NoAlertPresentException.class).isThrownBy(() -> browser.switchTo().alert());
        assertThat(browser.getTitle()).isEqualTo(TITLE);
        assertThat(api("/message/" + witnessId).statusCode()).isEqualTo(200);
        assertThat(api("/message/" + id).statusCode()).isEqualTo(200);
        assertThat(browser.findElements(row(witnessId))).hasSize(1);
    }

    @Test
    void theSearchFiltersTheList() throws Exception {
        String word = "needle" + System.nanoTime();
        String found = "Grüße ✓ " + word;
        String other = "Grüße ✓ haystack " + System.nanoTime();
        send(htmlMessage(found, "<p>Found.</p>", null));
        send(htmlMessage(other, "<p>Not found.</p>", null));
        String foundId = waitForRow(found);
        String otherId = waitForRow(other);

        browser.findElement(By.id("query")).sendKeys("subject:" + word);
        waitFor().until(ExpectedConditions.numberOfElementsToBe(row(otherId), 0));
        assertThat(browser.findElements(By.cssSelector("#list li.message"))).hasSize(1);
        assertThat(browser.findElements(row(foundId))).hasSize(1);
        assertThat(browser.findElement(By.id("stats")).getText()).startsWith("1 found");

        browser.findElement(By.id("query")).clear();
        browser.findElement(By.id("query")).submit();
        waitFor().until(ExpectedConditions.numberOfElementsToBe(row(otherId), 1));
    }

    @Test
    void loadMoreShowsOlderMessages() throws Exception {
        String batch = "Batch " + System.nanoTime();
        for (int i = 0; i < 55; i++) {
            send(textMessage(batch + " #" + i));
        }
        waitForRow(batch + " #54");
        // A fresh page lists the newest 50; the batch's first is older than those.
        openTheUi();
        waitFor().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#list li.message"), 50));
        assertThat(browser.findElements(By.xpath("//ul[@id='list']//span[.='" + batch + " #0']"))).isEmpty();

        browser.findElement(By.id("more")).click();
        waitForRow(batch + " #0");
        assertThat(browser.findElements(By.cssSelector("#list li.message")).size()).isGreaterThanOrEqualTo(55);
    }

    @Test
    void deleteAllEmptiesTheList() throws Exception {
        String subject = "Grüße ✓ all " + System.nanoTime();
        send(textMessage(subject));
        waitForRow(subject);

        browser.findElement(By.id("delete-all")).click();
        waitFor().until(ExpectedConditions.alertIsPresent()).accept();
        waitFor().until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#list li.message"), 0));
        waitFor().until(ExpectedConditions.textToBe(By.id("stats"), "0 messages, 0 unread"));
        assertThat(api("/messages").body()).contains("\"total\":0");
    }

    @Test
    void remoteImagesLoadOnlyWhenAsked() throws Exception {
        AtomicInteger fetched = new AtomicInteger();
        HttpServer images = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        byte[] png = png();
        images.createContext("/", (exchange) -> {
            fetched.incrementAndGet();
            exchange.getResponseHeaders().set("Content-Type", "image/png");
            exchange.sendResponseHeaders(200, png.length);
            exchange.getResponseBody().write(png);
            exchange.close();
        });
        images.start();
        try {
            String remote = "http://127.0.0.1:" + images.getAddress().getPort() + "/pixel.png";
            String subject = "Grüße ✓ remote " + System.nanoTime();
            send(htmlMessage(subject, "<p><img id='logo' src='cid:logo@smtpd.test'>"
                    + "<img id='remote' src='" + remote + "'></p>", null));
            open(subject);
            browser.switchTo().frame(browser.findElement(By.id("v-frame")));
            // The inline image loaded: so did everything the frame was going to load.
            WebElement logo = waitFor().until(ExpectedConditions.presenceOfElementLocated(By.id("logo")));
            waitFor().until((driver) -> "8".equals(logo.getDomProperty("naturalWidth")));
            browser.switchTo().defaultContent();
            assertThat(fetched).hasValue(0);

            browser.findElement(By.id("remote")).click();
            browser.switchTo().frame(browser.findElement(By.id("v-frame")));
            WebElement image = waitFor().until(ExpectedConditions.presenceOfElementLocated(By.id("remote")));
            waitFor().until((driver) -> "8".equals(image.getDomProperty("naturalWidth")));
            assertThat(fetched.get()).isPositive();
        }
        finally {
            browser.switchTo().defaultContent();
            images.stop(0);
        }
    }

    private String base() {
        return "http://127.0.0.1:" + httpPort;
    }

    private WebDriverWait waitFor() {
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        // The list is rebuilt on each live event: an element found a moment ago may be gone.
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    private static By row(String id) {
        return By.cssSelector("#list li[data-id='" + id + "']");
    }

    /** Waits for the message to be listed; returns its ID. */
    private String waitForRow(String subject) {
        return waitFor().until((driver) -> driver.findElements(By.cssSelector("#list li.message"))
            .stream()
            .filter((li) -> li.findElement(By.cssSelector(".subject")).getText().equals(subject))
            .map((li) -> li.getDomAttribute("data-id"))
            .findFirst()
            .orElse(null));
    }

    private String rowClass(String id) {
        return browser.findElement(row(id)).getDomAttribute("class");
    }

    /** Opens the listed message and waits for its view; returns its ID. */
    private String open(String subject) {
        String id = waitForRow(subject);
        waitFor().until((driver) -> {
            driver.findElement(row(id)).findElement(By.cssSelector("a.row")).click();
            return true;
        });
        waitFor().until((driver) -> driver.findElement(By.id("view")).isDisplayed()
                && driver.findElement(By.id("v-subject")).getText().equals(subject));
        return id;
    }

    private HttpResponse<String> api(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base() + "/smtpd/api/v1" + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private MimeMessage textMessage(String subject) throws Exception {
        MimeMessage message = new MimeMessage(session());
        message.setFrom(new InternetAddress("alice@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setSubject(subject, "UTF-8");
        message.setText("Plain text.", "UTF-8");
        return message;
    }

    private Session session() {
        return DemoMail.session(smtpPort);
    }

    private MimeMessage htmlMessage(String subject, String html, byte[] attachment) throws Exception {
        MimeMessage message = new MimeMessage(session());
        message.setFrom(new InternetAddress("alice@example.org", "Alice Ærø", "UTF-8"));
        message.setRecipient(RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setRecipient(RecipientType.CC, new InternetAddress("carol@example.org"));
        message.setSubject(subject, "UTF-8");

        MimeBodyPart text = new MimeBodyPart();
        text.setText("Grüße aus dem Test, as text.", "UTF-8");
        MimeBodyPart htmlPart = new MimeBodyPart();
        htmlPart.setText("<!DOCTYPE html><html><body>" + html + "</body></html>", "UTF-8", "html");
        MimeBodyPart logo = new MimeBodyPart();
        logo.setDataHandler(new DataHandler(new ByteArrayDataSource(png(), "image/png")));
        logo.setContentID("<logo@smtpd.test>");
        logo.setDisposition(Part.INLINE);
        MimeMultipart related = new MimeMultipart("related", htmlPart, logo);
        MimeMultipart alternative = new MimeMultipart("alternative", text, bodyPart(related));
        MimeMultipart mixed = new MimeMultipart("mixed", bodyPart(alternative));
        if (attachment != null) {
            MimeBodyPart file = new MimeBodyPart();
            file.setDataHandler(new DataHandler(new ByteArrayDataSource(attachment, "application/octet-stream")));
            file.setFileName("Übersicht.bin");
            file.setDisposition(Part.ATTACHMENT);
            mixed.addBodyPart(file);
        }
        message.setContent(mixed);
        return message;
    }

    private static MimeBodyPart bodyPart(MimeMultipart multipart) throws Exception {
        MimeBodyPart part = new MimeBodyPart();
        part.setContent(multipart);
        return part;
    }

    private static void send(MimeMessage message) throws Exception {
        message.saveChanges();
        Transport.send(message);
    }

    /** Every byte value, so that a decoding or charset slip shows. */
    private static byte[] attachment() {
        byte[] content = new byte[1024];
        for (int i = 0; i < content.length; i++) {
            content[i] = (byte) (i * 7);
        }
        return content;
    }

    /** An 8×8 PNG. */
    private static byte[] png() throws IOException {
        BufferedImage image = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 8; x++) {
            for (int y = 0; y < 8; y++) {
                image.setRGB(x, y, 0x2458c6);
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
