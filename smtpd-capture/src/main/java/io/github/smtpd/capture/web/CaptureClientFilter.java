package io.github.smtpd.capture.web;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import io.github.smtpd.Cidr;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Answers the catcher's API and UI only to clients of {@code smtpd.capture.web.allowed-clients} (loopback by
 * default): captured mail holds password resets and invitations. Not installed when Spring Security guards the
 * application; its rules apply instead.
 */
public class CaptureClientFilter implements Filter {

    private final List<Cidr> allowed;

    public CaptureClientFilter(List<Cidr> allowed) {
        this.allowed = List.copyOf(allowed);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && response instanceof HttpServletResponse answer
                && !isAllowed(http.getRemoteAddr())) {
            answer.setStatus(HttpServletResponse.SC_FORBIDDEN);
            answer.setContentType("application/json");
            answer.getOutputStream().write(("{\"status\":403,\"error\":\"Forbidden\",\"message\":\"the mail catcher "
                    + "answers only clients of smtpd.capture.web.allowed-clients (loopback by default)\"}")
                .getBytes(StandardCharsets.UTF_8));
            return;
        }
        chain.doFilter(request, response);
    }

    private boolean isAllowed(String remoteAddress) {
        try {
            // getRemoteAddr is an IP literal: no name is looked up.
            InetAddress address = InetAddress.getByName(remoteAddress);
            for (Cidr cidr : allowed) {
                if (cidr.contains(address)) {
                    return true;
                }
            }
            return false;
        }
        catch (IOException | RuntimeException ex) {
            return false;
        }
    }
}
