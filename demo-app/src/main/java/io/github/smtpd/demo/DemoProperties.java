package io.github.smtpd.demo;

import java.nio.file.Path;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The demo's own {@code demo.*} settings.
 *
 * @param spoolDir folder where each accepted message is stored as an .eml file; unset to store nothing and
 *        only log a summary line per message
 */
@ConfigurationProperties("demo")
public record DemoProperties(Path spoolDir) {
}
