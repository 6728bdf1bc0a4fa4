package io.github.smtpd.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.SmtpServer;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.autoconfigure.context.LocalSmtpdPort;
import jakarta.mail.Message.RecipientType;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;
import org.openqa.selenium.By;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Release from the catcher's UI, in a real browser: the message goes to the configured server (here one of this
 * project's, started by the test) for the recipients typed in, and a refusal shows the API's explanation.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "server.address=127.0.0.1", "smtpd.localaddr=127.0.0.1:0" })
@ActiveProfiles("debugging")
// Starting a browser is slow-ish and checks no runtime feature: CI runs this on one JDK only.
@DisabledIfEnvironmentVariable(named = "SMTPD_SKIP_HEAVY_TESTS", matches = "true")
class MailCatcherReleaseBrowserTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    /** What the upstream server received: its envelope recipients and content. */
    private record Released(List<String> rcptTos, String content) {
    }

    private static final BlockingQueue<Released> released = new LinkedBlockingQueue<>();

    private static SmtpServer upstream;

    private static HeadlessChromium chromium;

    private static ChromeDriver browser;

    @LocalSmtpdPort
    int smtpPort;

    @LocalServerPort
    int httpPort;

    @DynamicPropertySource
    static void releaseToTheUpstream(DynamicPropertyRegistry registry) {
        registry.add("smtpd.capture.release.address", () -> "127.0.0.1:" + upstream().getPort());
    }

    /** The server released mail goes to: it takes everything but refused@example.org. */
    private static synchronized SmtpServer upstream() {
        if (upstream == null) {
            upstream = SmtpServer.builder().localAddress("127.0.0.1:0").handler(new SmtpHandler() {

                @Override
                public Reply onRcpt(SmtpSession session, String address, List<String> options) {
                    return address.startsWith("refused@") ? Reply.of(550, "5.1.1", "No such user here") : null;
                }

                @Override
                public Reply onData(Message message) {
                    released.add(new Released(message.rcptTos(),
                            new String(message.content(), StandardCharsets.UTF_8)));
                    return null;
                }
            }).build();
            upstream.start();
        }
        return upstream;
    }

    @BeforeAll
    static void startBrowser() throws IOException {
        chromium = HeadlessChromium.start();
        browser = chromium.driver();
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            if (chromium != null) {
                chromium.close();
            }
        }
        finally {
            if (upstream != null) {
                upstream.stop(Duration.ZERO);
            }
        }
    }

    @BeforeEach
    void openTheUi() {
        released.clear();
        browser.get("http://127.0.0.1:" + httpPort + "/smtpd/");
        waitFor().until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#live.on")));
    }

    @Test
    void releaseSendsTheMessageToTheRecipientsTypedIn() throws Exception {
        String subject = "Release ✓ " + System.nanoTime();
        send(subject);
        open(subject);

        WebElement release = browser.findElement(By.id("release"));
        assertThat(release.isEnabled()).isTrue();
        release.click();
        WebElement to = waitFor().until(ExpectedConditions.visibilityOfElementLocated(By.id("release-to")));
        // Offered: the message's own envelope recipients.
        assertThat(to.getDomProperty("value")).isEqualTo("bob@example.org");
        assertThat(browser.findElement(By.id("release-server")).getText()).endsWith(":" + upstream().getPort());
        to.clear();
        to.sendKeys("dave@example.org, erin@example.org");
        browser.findElement(By.id("release-send")).click();

        waitFor().until(ExpectedConditions.invisibilityOfElementLocated(By.id("release-dialog")));
        waitFor().until(ExpectedConditions.textToBe(By.id("toast"),
                "Released to dave@example.org, erin@example.org."));
        Released message = released.poll(10, TimeUnit.SECONDS);
        assertThat(message).isNotNull();
        assertThat(message.rcptTos()).containsExactly("dave@example.org", "erin@example.org");
        assertThat(message.content()).contains("Release me.");
    }

    @Test
    void aRefusedReleaseShowsWhy() throws Exception {
        String subject = "Release refused ✓ " + System.nanoTime();
        send(subject);
        open(subject);

        browser.findElement(By.id("release")).click();
        WebElement to = waitFor().until(ExpectedConditions.visibilityOfElementLocated(By.id("release-to")));
        to.clear();
        to.sendKeys("nobody");
        browser.findElement(By.id("release-send")).click();
        // The API's own message (400: checked before anything is sent).
        waitFor().until(ExpectedConditions.textToBe(By.id("release-error"), "'nobody' is not an email address"));

        to.clear();
        to.sendKeys("refused@example.org");
        browser.findElement(By.id("release-send")).click();
        // The upstream server's refusal, through the API's 502.
        waitFor().until(ExpectedConditions.textToBePresentInElementLocated(By.id("release-error"),
                "refused@example.org: 550 5.1.1 No such user here"));
        assertThat(browser.findElement(By.id("release-dialog")).isDisplayed()).isTrue();
        browser.findElement(By.id("release-cancel")).click();
        waitFor().until(ExpectedConditions.invisibilityOfElementLocated(By.id("release-dialog")));
        assertThat(released).isEmpty();
    }

    private WebDriverWait waitFor() {
        WebDriverWait wait = new WebDriverWait(browser, WAIT);
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    private void open(String subject) {
        By row = By.xpath("//ul[@id='list']/li[.//span[@class='subject'][.='" + subject + "']]//a");
        waitFor().until((driver) -> {
            driver.findElement(row).click();
            return true;
        });
        waitFor().until(ExpectedConditions.textToBe(By.id("v-subject"), subject));
    }

    private void send(String subject) throws Exception {
        MimeMessage message = new MimeMessage(DemoMail.session(smtpPort));
        message.setFrom(new InternetAddress("alice@example.org"));
        message.setRecipient(RecipientType.TO, new InternetAddress("bob@example.org"));
        message.setSubject(subject, "UTF-8");
        message.setText("Release me.", "UTF-8");
        Transport.send(message);
    }
}
