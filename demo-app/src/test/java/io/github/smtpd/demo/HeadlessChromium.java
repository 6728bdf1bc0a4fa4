package io.github.smtpd.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Stream;

import org.openqa.selenium.Dimension;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Debian's headless Chromium driven through its chromedriver, for the mail catcher's browser tests. Both paths are
 * given, so Selenium Manager has nothing to look up or download; the profile is a fresh temporary folder.
 */
final class HeadlessChromium implements AutoCloseable {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    /**
     * Debian's Chromium is newer than the DevTools bindings of the BOM's Selenium, which warns so at start; these
     * tests use WebDriver alone. Held here: java.util.logging keeps loggers weakly.
     */
    private static final List<Logger> CDP_WARNINGS = List.of(Logger.getLogger("org.openqa.selenium.devtools"),
            Logger.getLogger("org.openqa.selenium.chromium.ChromiumDriver"));

    private final Path profile;

    private final ChromeDriverService service;

    private final ChromeDriver driver;

    private HeadlessChromium(Path profile, ChromeDriverService service, ChromeDriver driver) {
        this.profile = profile;
        this.service = service;
        this.driver = driver;
    }

    /** Starts the browser; skips the calling tests when Chromium or its driver is not installed. */
    static HeadlessChromium start() throws IOException {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "the browser tests need Debian's Chromium and its driver: apt-get install chromium chromium-driver");
        CDP_WARNINGS.forEach((logger) -> logger.setLevel(Level.SEVERE));
        Path profile = Files.createTempDirectory("smtpd-chromium-");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + profile);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
            .usingAnyFreePort()
            .build();
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        }
        catch (RuntimeException ex) {
            service.stop();
            delete(profile);
            throw ex;
        }
        driver.manage().window().setSize(new Dimension(1280, 900));
        return new HeadlessChromium(profile, service, driver);
    }

    ChromeDriver driver() {
        return driver;
    }

    @Override
    public void close() throws IOException {
        try {
            driver.quit();
        }
        finally {
            service.stop();
            delete(profile);
        }
    }

    private static void delete(Path folder) throws IOException {
        try (Stream<Path> files = Files.walk(folder)) {
            files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
        }
    }
}
