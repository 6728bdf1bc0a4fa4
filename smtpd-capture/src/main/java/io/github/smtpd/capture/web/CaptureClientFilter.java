package io.github.smtpd.capture.web;

import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.function.BooleanSupplier;

import io.github.smtpd.Cidr;
import io.github.smtpd.autoconfigure.actuate.endpoint.SmtpdEndpointWriteGuard;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Answers the catcher's API and UI only to clients of {@code smtpd.capture.web.allowed-clients} (loopback by
 * default): captured mail holds password resets and invitations. When Spring Security guards the application
 * (it has a {@code SecurityFilterChain}), its rules apply instead and every client is let through to them.
 */
public class CaptureClientFilter implements Filter {

    private final List<Cidr> allowed;

    private final BooleanSupplier guardedBySpringSecurity;

    private volatile Boolean secured;

    /** @param guardedBySpringSecurity asked once, at the first request, when every bean is defined */
    public CaptureClientFilter(List<Cidr> allowed, BooleanSupplier guardedBySpringSecurity) {
        this.allowed = List.copyOf(allowed);
        this.guardedBySpringSecurity = guardedBySpringSecurity;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request instanceof HttpServletRequest http && response instanceof HttpServletResponse answer
                && !isSecured() && !isAllowed(http.getRemoteAddr())) {
            SmtpdEndpointWriteGuard.forbid(answer, "the mail catcher answers only clients of "
                    + "smtpd.capture.web.allowed-clients (loopback by default)");
            return;
        }
        chain.doFilter(request, response);
    }

    private boolean isSecured() {
        Boolean known = secured;
        if (known == null) {
            known = guardedBySpringSecurity.getAsBoolean();
            secured = known;
        }
        return known;
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
