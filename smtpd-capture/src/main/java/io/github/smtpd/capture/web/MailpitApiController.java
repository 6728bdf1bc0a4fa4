package io.github.smtpd.capture.web;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.github.smtpd.capture.MessageStore;
import io.github.smtpd.capture.SearchQuery;
import io.github.smtpd.capture.StoredMessage;
import io.github.smtpd.capture.mime.MailParser;
import io.github.smtpd.capture.mime.ParsedMail;

import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.method.annotation.MethodArgumentTypeMismatchException;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * Mailpit's v1 API over the captured mail, for what tests and tools use: list, search, one message, headers, raw
 * source, parts, delete, mark read, release; plus the live events (as server-sent events, where Mailpit has a
 * WebSocket). A Mailpit client given {@code http://host:port/smtpd} as its base URL works.
 */
@RestController
@RequestMapping("${smtpd.capture.web.base-path:/smtpd}/api")
public class MailpitApiController {

    private static final int MAX_LIMIT = 10_000;

    private final MessageStore store;

    private final CaptureEvents events;

    private final CaptureRelease release;

    public MailpitApiController(MessageStore store, CaptureEvents events, CaptureRelease release) {
        this.store = store;
        this.events = events;
        this.release = release;
    }

    @GetMapping("/v1/info")
    public Map<String, Object> info() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("Version", "smtpd-" + versionOf());
        json.put("LatestVersion", "");
        json.put("Database", store.fileName());
        json.put("DatabaseSize", store.fileSize());
        json.put("Messages", store.count());
        json.put("Unread", store.unread());
        json.put("Tags", Map.of());
        json.put("RuntimeStats", Map.of("Uptime", ManagementFactory.getRuntimeMXBean().getUptime() / 1000,
                "Memory", Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory(), "MessagesDeleted", 0,
                "SMTPAccepted", 0, "SMTPAcceptedSize", 0, "SMTPRejected", 0, "SMTPIgnored", 0));
        return json;
    }

    @GetMapping("/v1/webui")
    public Map<String, Object> webUi() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("Label", "smtpd");
        json.put("MessageRelay", Map.of("Enabled", release.isConfigured(), "SMTPServer", release.describe(),
                "ReturnPath", "", "AllowedRecipients", "", "BlockedRecipients", "", "OverrideFrom", "",
                "PreserveMessageIDs", false));
        json.put("SpamAssassin", false);
        json.put("ChaosEnabled", false);
        json.put("DuplicatesIgnored", false);
        json.put("HideDeleteAllButton", false);
        return json;
    }

    @GetMapping("/v1/messages")
    public Map<String, Object> messages(@RequestParam(defaultValue = "0") int start,
            @RequestParam(defaultValue = "50") int limit) {
        return MailpitJson.page(store.search(SearchQuery.all(), start, checkedLimit(start, limit)));
    }

    @GetMapping("/v1/search")
    public Map<String, Object> search(@RequestParam String query, @RequestParam(defaultValue = "0") int start,
            @RequestParam(defaultValue = "50") int limit, @RequestParam(required = false) String tz) {
        return MailpitJson.page(store.search(SearchQuery.parse(query, zone(tz)), start, checkedLimit(start, limit)));
    }

    @DeleteMapping("/v1/search")
    public ResponseEntity<String> deleteSearch(@RequestParam String query, @RequestParam(required = false) String tz) {
        SearchQuery search = SearchQuery.parse(query, zone(tz));
        if (search.isAll()) {
            throw new IllegalArgumentException("an empty search would delete every message; use DELETE /api/v1/messages");
        }
        store.delete(search);
        return ok();
    }

    @PutMapping("/v1/messages")
    public ResponseEntity<String> markRead(@RequestBody(required = false) Map<String, Object> body,
            @RequestParam(required = false) String tz) {
        Map<String, Object> request = body != null ? body : Map.of();
        Object read = request.getOrDefault("Read", false);
        if (!(read instanceof Boolean)) {
            throw new IllegalArgumentException("Read must be true or false");
        }
        List<Long> ids = ids(request.get("IDs"));
        Object search = request.get("Search");
        if (!ids.isEmpty()) {
            store.markRead(ids, (Boolean) read);
        }
        else if (search instanceof String text && !text.isBlank()) {
            store.markRead(SearchQuery.parse(text, zone(tz)), (Boolean) read);
        }
        else {
            store.markRead(SearchQuery.all(), (Boolean) read);
        }
        return ok();
    }

    @DeleteMapping("/v1/messages")
    public ResponseEntity<String> delete(@RequestBody(required = false) Map<String, Object> body) {
        List<Long> ids = ids(body != null ? body.get("IDs") : null);
        if (ids.isEmpty()) {
            store.clear();
        }
        else {
            store.delete(ids);
        }
        return ok();
    }

    @GetMapping("/v1/message/{id}")
    public Map<String, Object> message(@PathVariable String id) {
        StoredMessage stored = find(id);
        ParsedMail parsed = MailParser.parse(content(stored.id()));
        // As in Mailpit: opening a message marks it read.
        store.markRead(List.of(stored.id()), true);
        return MailpitJson.message(stored.withRead(true), parsed);
    }

    /**
     * The headers as Mailpit gives them: names in Go's canonical form ({@code Message-Id}, {@code Mime-Version}),
     * in alphabetical order, each with its values in the order of the message.
     */
    @GetMapping("/v1/message/{id}/headers")
    public Map<String, List<String>> headers(@PathVariable String id) {
        Map<String, List<String>> headers = new TreeMap<>();
        MailParser.parse(content(find(id).id())).headers()
            .forEach((name, values) -> headers.computeIfAbsent(canonicalHeaderName(name), (key) -> new ArrayList<>())
                .addAll(values));
        return headers;
    }

    /**
     * A header name as Go's {@code textproto.CanonicalMIMEHeaderKey} writes it, which is how Mailpit's clients look
     * headers up: the first letter and each letter after a hyphen upper case, the others lower case; a name with a
     * character outside a token is left as it is.
     */
    static String canonicalHeaderName(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean token = c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
            if (!token) {
                return name;
            }
        }
        StringBuilder canonical = new StringBuilder(name.length());
        boolean upper = true;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            canonical.append(upper ? Character.toUpperCase(c) : Character.toLowerCase(c));
            upper = c == '-';
        }
        return canonical.toString();
    }

    @GetMapping("/v1/message/{id}/raw")
    public ResponseEntity<byte[]> raw(@PathVariable String id) {
        byte[] content = content(find(id).id());
        return ResponseEntity.ok()
            .contentType(new MediaType("text", "plain", StandardCharsets.UTF_8))
            .header("X-Content-Type-Options", "nosniff")
            .body(content);
    }

    @GetMapping("/v1/message/{id}/part/{partId}")
    public ResponseEntity<byte[]> part(@PathVariable String id, @PathVariable String partId) {
        StoredMessage stored = find(id);
        MailParser.PartContent part = MailParser.part(content(stored.id()), partId)
            .orElseThrow(() -> new NotFound("message " + stored.id() + " has no part " + partId));
        MediaType type;
        try {
            type = MediaType.parseMediaType(part.contentType());
        }
        catch (RuntimeException ex) {
            type = MediaType.APPLICATION_OCTET_STREAM;
        }
        String name = part.fileName().isEmpty() ? "part-" + partId : part.fileName();
        // Never rendered as a page of this origin: an HTML attachment would otherwise run its scripts here.
        return ResponseEntity.ok()
            .contentType(type)
            .header(HttpHeaders.CONTENT_DISPOSITION,
                    ContentDisposition.attachment().filename(name, StandardCharsets.UTF_8).build().toString())
            .header("X-Content-Type-Options", "nosniff")
            .header("Content-Security-Policy", "sandbox; default-src 'none'")
            .body(part.content());
    }

    /**
     * Sends a message on. The body must be JSON: a form or a {@code text/plain} POST, which another site's page can
     * send without asking, is refused before anything is read.
     */
    @PostMapping("/v1/message/{id}/release")
    public ResponseEntity<String> release(@PathVariable String id, @RequestBody Map<String, Object> body) {
        // Only JSON reaches here (another content type fails to convert, answered 415 below).
        StoredMessage stored = find(id);
        if (!release.isConfigured()) {
            throw new IllegalArgumentException(
                    "no server to release to: set smtpd.capture.release.address to an SMTP server as host:port");
        }
        List<String> to = strings(body.get("To"), "To");
        if (to.isEmpty()) {
            throw new IllegalArgumentException("To must list at least one recipient");
        }
        for (String recipient : to) {
            if (recipient.isBlank() || recipient.indexOf('@') < 0 || recipient.chars().anyMatch((c) -> c < 0x21)) {
                throw new IllegalArgumentException("'" + recipient + "' is not an email address");
            }
        }
        release.release(stored.mailFrom(), to, content(stored.id()));
        return ok();
    }

    @GetMapping("/v1/tags")
    public List<String> tags() {
        return List.of();
    }

    /** The live events; {@code 503} when too many browsers already listen. */
    @GetMapping(path = "/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    public ResponseEntity<SseEmitter> events() {
        SseEmitter emitter = events.subscribe();
        if (emitter == null) {
            throw new TooManySubscribers();
        }
        return ResponseEntity.ok().header("X-Accel-Buffering", "no").body(emitter);
    }

    private StoredMessage find(String id) {
        long key;
        if ("latest".equalsIgnoreCase(id)) {
            key = store.latestId().orElseThrow(() -> new NotFound("there are no messages"));
        }
        else {
            try {
                key = Long.parseLong(id);
            }
            catch (NumberFormatException ex) {
                throw new IllegalArgumentException("'" + id + "' is not a message ID (a number, or latest)");
            }
        }
        return store.get(key).orElseThrow(() -> new NotFound("no message " + id));
    }

    private byte[] content(long id) {
        return store.content(id).orElseThrow(() -> new NotFound("no message " + id));
    }

    private static int checkedLimit(int start, int limit) {
        if (start < 0) {
            throw new IllegalArgumentException("start must be 0 or more");
        }
        if (limit < 0 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be between 0 and " + MAX_LIMIT);
        }
        return limit;
    }

    private static ZoneId zone(String tz) {
        if (tz == null || tz.isBlank()) {
            return ZoneOffset.UTC;
        }
        try {
            return ZoneId.of(tz.trim());
        }
        catch (DateTimeException ex) {
            throw new IllegalArgumentException("'" + tz + "' is not a time zone (e.g. Europe/Paris)");
        }
    }

    private static List<Long> ids(Object value) {
        List<Long> ids = new ArrayList<>();
        for (String id : strings(value, "IDs")) {
            try {
                ids.add(Long.parseLong(id.trim()));
            }
            catch (NumberFormatException ex) {
                throw new IllegalArgumentException("'" + id + "' is not a message ID");
            }
        }
        return ids;
    }

    private static List<String> strings(Object value, String field) {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof Collection<?> list)) {
            throw new IllegalArgumentException(field + " must be an array of strings");
        }
        List<String> strings = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof String) && !(item instanceof Number)) {
                throw new IllegalArgumentException(field + " must be an array of strings");
            }
            strings.add(item.toString());
        }
        return strings;
    }

    private static ResponseEntity<String> ok() {
        return ResponseEntity.ok().contentType(MediaType.TEXT_PLAIN).body("ok");
    }

    private static String versionOf() {
        String version = MailpitApiController.class.getPackage().getImplementationVersion();
        return version != null ? version : "dev";
    }

    @ExceptionHandler(IllegalArgumentException.class)
    ResponseEntity<Map<String, Object>> badRequest(IllegalArgumentException ex) {
        return error(HttpStatus.BAD_REQUEST, ex.getMessage());
    }

    @ExceptionHandler({ MissingServletRequestParameterException.class, MethodArgumentTypeMismatchException.class })
    ResponseEntity<Map<String, Object>> badParameter(Exception ex) {
        String message = (ex instanceof MethodArgumentTypeMismatchException mismatch)
                ? "parameter " + mismatch.getName() + " must be a number" : ex.getMessage();
        return error(HttpStatus.BAD_REQUEST, message);
    }

    @ExceptionHandler(HttpMessageNotReadableException.class)
    ResponseEntity<Map<String, Object>> unreadable(HttpMessageNotReadableException ex) {
        return error(HttpStatus.BAD_REQUEST, "the request body is not the JSON object this call takes");
    }

    @ExceptionHandler(HttpMediaTypeNotSupportedException.class)
    ResponseEntity<Map<String, Object>> mediaType(HttpMediaTypeNotSupportedException ex) {
        return error(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "send the request body as application/json");
    }

    @ExceptionHandler(NotFound.class)
    ResponseEntity<Map<String, Object>> notFound(NotFound ex) {
        return error(HttpStatus.NOT_FOUND, ex.getMessage());
    }

    @ExceptionHandler(CaptureRelease.ReleaseException.class)
    ResponseEntity<Map<String, Object>> releaseFailed(CaptureRelease.ReleaseException ex) {
        return error(HttpStatus.BAD_GATEWAY, ex.getMessage());
    }

    @ExceptionHandler(TooManySubscribers.class)
    ResponseEntity<Map<String, Object>> tooMany(TooManySubscribers ex) {
        return error(HttpStatus.SERVICE_UNAVAILABLE, "too many pages are listening to live events; close one");
    }

    private static ResponseEntity<Map<String, Object>> error(HttpStatus status, String message) {
        return ResponseEntity.status(status)
            .contentType(MediaType.APPLICATION_JSON)
            .body(MailpitJson.error(status.value(), status.getReasonPhrase(), message));
    }

    static final class NotFound extends RuntimeException {

        NotFound(String message) {
            super(message);
        }
    }

    static final class TooManySubscribers extends RuntimeException {
    }
}
