package io.github.smtpd.capture.autoconfigure;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * {@code smtpd.capture.*}: the mail catcher, which keeps a copy of every accepted message and shows it over a
 * Mailpit-compatible API and a web UI.
 */
@ConfigurationProperties("smtpd.capture")
public class SmtpdCaptureProperties {

    /**
     * Whether to keep a copy of every message the server accepts. Unset: on in debugging mode, off otherwise.
     * Works beside any mode (proxy mode then keeps a copy of what it forwarded).
     */
    private Boolean enabled;

    /** The most messages kept; past it the oldest are deleted. */
    private int maxMessages = 1000;

    /** The most message content kept, in all; past it the oldest messages are deleted. */
    private DataSize maxSize = DataSize.ofMegabytes(256);

    /** Memory for the store's page cache: its bound on the heap, whatever the messages' sizes. */
    private DataSize cacheSize = DataSize.ofMegabytes(16);

    /**
     * A file that keeps captured mail across restarts (an H2 MVStore file, e.g. data/smtpd-capture.mv.db). Unset: a
     * temporary file in java.io.tmpdir, deleted at shutdown.
     */
    private Path path;

    private final Web web = new Web();

    private final Release release = new Release();

    public Boolean getEnabled() {
        return this.enabled;
    }

    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    public int getMaxMessages() {
        return this.maxMessages;
    }

    public void setMaxMessages(int maxMessages) {
        this.maxMessages = maxMessages;
    }

    public DataSize getMaxSize() {
        return this.maxSize;
    }

    public void setMaxSize(DataSize maxSize) {
        this.maxSize = maxSize;
    }

    public DataSize getCacheSize() {
        return this.cacheSize;
    }

    public void setCacheSize(DataSize cacheSize) {
        this.cacheSize = cacheSize;
    }

    public Path getPath() {
        return this.path;
    }

    public void setPath(Path path) {
        this.path = path;
    }

    public Web getWeb() {
        return this.web;
    }

    public Release getRelease() {
        return this.release;
    }

    /** The HTTP API and UI, in servlet web applications. */
    public static class Web {

        /** Whether to serve the API and UI while capture is on. */
        private boolean enabled = true;

        /**
         * Where the UI is served; the Mailpit-compatible API is under {base-path}/api/v1, so a Mailpit client
         * takes http://host:port{base-path} as its base URL.
         */
        private String basePath = "/smtpd";

        /**
         * Client networks (CIDR) that may use the API and UI when Spring Security does not guard them. Loopback
         * only by default: captured mail is private.
         */
        private List<String> allowedClients = new ArrayList<>(List.of("127.0.0.0/8", "::1/128"));

        /**
         * Host names, besides IP addresses, localhost and this machine's names, that requests changing captured
         * mail (delete, mark read, release) may name in Host; a guard against DNS rebinding.
         */
        private List<String> allowedHosts = new ArrayList<>();

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getBasePath() {
            return this.basePath;
        }

        public void setBasePath(String basePath) {
            this.basePath = basePath;
        }

        public List<String> getAllowedClients() {
            return this.allowedClients;
        }

        public void setAllowedClients(List<String> allowedClients) {
            this.allowedClients = allowedClients;
        }

        public List<String> getAllowedHosts() {
            return this.allowedHosts;
        }

        public void setAllowedHosts(List<String> allowedHosts) {
            this.allowedHosts = allowedHosts;
        }
    }

    /** Where "release" sends a captured message, with the project's relay client. */
    public static class Release {

        /** The SMTP server as host:port. Unset: releasing is refused with a message naming this property. */
        private String address;

        /** The sender for released messages. Unset: the message's own envelope sender. */
        private String sender;

        public String getAddress() {
            return this.address;
        }

        public void setAddress(String address) {
            this.address = address;
        }

        public String getSender() {
            return this.sender;
        }

        public void setSender(String sender) {
            this.sender = sender;
        }
    }
}
