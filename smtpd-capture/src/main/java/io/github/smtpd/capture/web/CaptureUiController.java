package io.github.smtpd.capture.web;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * The web UI: one page and its script and style, shipped in the jar (no build step in the application). The page
 * is served with a Content-Security-Policy that allows only its own script: a captured message's HTML is shown in
 * a sandboxed frame that can run nothing, and nothing of a message is ever inserted into the page as HTML.
 */
@Controller
@RequestMapping("${smtpd.capture.web.base-path:/smtpd}")
public class CaptureUiController {

    private static final String UI = "META-INF/smtpd-capture/ui/";

    /**
     * Scripts and connections only from this server, and no inline script. The message view is an
     * {@code <iframe sandbox srcdoc>}, and a srcdoc frame inherits this policy on top of its own, so this one also
     * allows what a message's HTML may legitimately use there: inline styles, {@code data:} fonts, and images from
     * anywhere (the frame's own policy blocks remote ones until the user asks for them).
     */
    static final String PAGE_POLICY = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            + "img-src 'self' data: http: https:; font-src data:; connect-src 'self'; frame-src 'self' about:; "
            + "form-action 'none'; base-uri 'none'; frame-ancestors 'none'";

    private static final Map<String, MediaType> ASSETS = Map.of("app.js",
            MediaType.parseMediaType("text/javascript;charset=UTF-8"), "app.css",
            MediaType.parseMediaType("text/css;charset=UTF-8"));

    @GetMapping("")
    public ResponseEntity<Void> withoutSlash() {
        // Relative links in the page (app.js, api/v1/...) resolve against the base path only with its slash.
        return ResponseEntity.status(HttpStatus.FOUND)
            .location(ServletUriComponentsBuilder.fromCurrentRequestUri().path("/").build().toUri())
            .build();
    }

    @GetMapping("/")
    public ResponseEntity<byte[]> page() throws IOException {
        return ResponseEntity.ok()
            .contentType(MediaType.parseMediaType("text/html;charset=UTF-8"))
            .cacheControl(CacheControl.noCache())
            .header("Content-Security-Policy", PAGE_POLICY)
            .header("X-Content-Type-Options", "nosniff")
            .header("Referrer-Policy", "no-referrer")
            .body(read("index.html"));
    }

    @GetMapping("/{asset:app\\.(?:js|css)}")
    public ResponseEntity<byte[]> asset(@PathVariable String asset) throws IOException {
        return ResponseEntity.ok()
            .contentType(ASSETS.get(asset))
            .cacheControl(CacheControl.noCache())
            .header("X-Content-Type-Options", "nosniff")
            .body(read(asset));
    }

    private static byte[] read(String name) throws IOException {
        try (InputStream in = new ClassPathResource(UI + name).getInputStream()) {
            return in.readAllBytes();
        }
    }
}
