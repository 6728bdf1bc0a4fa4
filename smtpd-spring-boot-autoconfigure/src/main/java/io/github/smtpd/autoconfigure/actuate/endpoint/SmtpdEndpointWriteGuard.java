package io.github.smtpd.autoconfigure.actuate.endpoint;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses requests that would change the server's state through the {@code smtpd} endpoint (anything but GET, HEAD
 * and OPTIONS) unless they name this server: a {@code Host} that is an IP address, {@code localhost}, this
 * machine's name or one of {@code smtpd.endpoint.allowed-hosts}, and an {@code Origin}, when a browser sends one,
 * of that same host and port.
 *
 * <p>Why: the endpoint answers on loopback, but a web page the operator opens can have its own name resolve to
 * 127.0.0.1 after it loaded (DNS rebinding) and then POST {@code {"state":"paused"}} as a same-origin request. Such
 * a request carries the page's name in {@code Host}, which no legitimate client of this server uses. A page of
 * another origin is refused by its {@code Origin}.
 */
public class SmtpdEndpointWriteGuard implements Filter {

    private static final Logger logger = LoggerFactory.getLogger(SmtpdEndpointWriteGuard.class);

    private static final Set<String> READS = Set.of("GET", "HEAD", "OPTIONS");

    private final Set<String> allowedHosts = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

    private final String allowedHostsProperty;

    /**
     * @param allowedHosts host names allowed besides IP addresses, localhost and this machine's own names; the
     *        filter's registration maps it to the endpoint's paths
     */
    public SmtpdEndpointWriteGuard(Collection<String> allowedHosts) {
        this(allowedHosts, "smtpd.endpoint.allowed-hosts");
    }

    /**
     * The same guard for other paths that change state (the mail catcher's API).
     *
     * @param allowedHostsProperty the property that lists {@code allowedHosts}, named in refusals
     */
    public SmtpdEndpointWriteGuard(Collection<String> allowedHosts, String allowedHostsProperty) {
        this.allowedHostsProperty = allowedHostsProperty;
        this.allowedHosts.add("localhost");
        this.allowedHosts.addAll(allowedHosts);
        try {
            InetAddress local = InetAddress.getLocalHost();
            this.allowedHosts.add(local.getHostName());
            this.allowedHosts.add(local.getCanonicalHostName());
        }
        catch (UnknownHostException ex) {
            // No name for this machine: IP addresses and localhost still work.
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && response instanceof HttpServletResponse answer
                && isStateChange(http)) {
            String refusal = refusal(http.getHeader("Host"), http.getHeader("Origin"));
            if (refusal != null) {
                logger.warn("Refused {} {} from {}: {}", http.getMethod(), http.getRequestURI(), http.getRemoteAddr(),
                        refusal);
                forbid(answer, refusal);
                return;
            }
        }
        chain.doFilter(request, response);
    }

    /**
     * Answers {@code 403} with the JSON body Spring Boot's errors have, and a reason; the mail catcher's client
     * filter answers the same way.
     *
     * @param reason plain words, without quotes or backslashes
     */
    public static void forbid(HttpServletResponse response, String reason) throws IOException {
        response.setStatus(HttpServletResponse.SC_FORBIDDEN);
        response.setContentType("application/json");
        response.getOutputStream().write(("{\"status\":403,\"error\":\"Forbidden\",\"message\":\"" + reason
                + "\"}").getBytes(StandardCharsets.UTF_8));
    }

    private boolean isStateChange(HttpServletRequest request) {
        // The filter is mapped to the endpoint's paths, and the container matches them after decoding and
        // dropping path parameters: the raw URI is not compared here, since /actuator/smtpd;x or
        // /actuator/%73mtpd would slip past such a comparison and still reach the endpoint.
        return !READS.contains(request.getMethod().toUpperCase(Locale.ROOT));
    }

    /** Why the request is refused, in words for the client, or {@code null} when it names this server. */
    String refusal(String host, String origin) {
        if (host == null || host.isBlank()) {
            return "a request that changes the SMTP server's state must name it in Host";
        }
        String hostName = hostName(host.strip());
        if (hostName == null || !isOwn(hostName)) {
            return "Host is not this server's; add the name to " + allowedHostsProperty + " if it is";
        }
        if (origin != null && !origin.isBlank()) {
            URI uri;
            try {
                uri = URI.create(origin.strip());
            }
            catch (IllegalArgumentException ex) {
                return "Origin is not a URL";
            }
            String authority = uri.getRawAuthority();
            if (authority == null || !authority.equalsIgnoreCase(host.strip()) || !isOwn(hostName(authority))) {
                return "a page of another origin may not change the SMTP server's state";
            }
        }
        return null;
    }

    private boolean isOwn(String hostName) {
        return hostName != null && (isIpLiteral(hostName) || allowedHosts.contains(hostName));
    }

    /** The host of a {@code Host} header or an authority: without the port, IPv6 without brackets. */
    private static String hostName(String authority) {
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            return end > 0 ? authority.substring(1, end) : null;
        }
        int colon = authority.indexOf(':');
        return colon >= 0 ? authority.substring(0, colon) : authority;
    }

    /** An IP address names no DNS entry, so it cannot be rebound. */
    private static boolean isIpLiteral(String host) {
        if (host.indexOf(':') >= 0) {
            return host.chars().allMatch((c) -> Character.digit(c, 16) >= 0 || c == ':' || c == '.' || c == '%');
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch((c) -> c >= '0' && c <= '9')
                    || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }
}
