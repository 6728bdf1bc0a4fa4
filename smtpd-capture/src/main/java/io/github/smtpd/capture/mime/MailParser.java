package io.github.smtpd.capture.mime;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.smtpd.capture.EmailAddress;
import jakarta.mail.BodyPart;
import jakarta.mail.Header;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;

/**
 * Reads captured messages with Angus Mail, leniently: mail from a buggy application is what a catcher is for, so a
 * header or part that does not parse is shown as it is instead of failing the view.
 */
public final class MailParser {

    private static final Session SESSION;

    static {
        Properties properties = new Properties();
        properties.setProperty("mail.mime.address.strict", "false");
        properties.setProperty("mail.mime.decodetext.strict", "false");
        properties.setProperty("mail.mime.decodefilename", "true");
        properties.setProperty("mail.mime.parameters.strict", "false");
        properties.setProperty("mail.mime.allowutf8", "true");
        SESSION = Session.getInstance(properties);
    }

    private static final Pattern TAG = Pattern.compile("<(script|style)[^>]*>.*?</\\1\\s*>|<[^>]*>",
            Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

    private static final Pattern ANGLED = Pattern.compile("<([^>]*)>");

    private MailParser() {
    }

    /** Parses a whole message. */
    public static ParsedMail parse(byte[] raw) {
        MimeMessage message = open(raw);
        Walk walk = bodies(message, raw, false);
        return new ParsedMail(messageId(message), first(addresses(message, "From")), addresses(message, "To"),
                addresses(message, "Cc"), addresses(message, "Reply-To"), angled(header(message, "Return-Path")),
                subject(message), date(message), orEmpty(walk.text), orEmpty(walk.html), walk.attachments,
                walk.inline, headers(message), listUnsubscribe(header(message, "List-Unsubscribe")));
    }

    /**
     * Finds the text and HTML bodies and lists (or, with {@code countOnly}, counts) the other parts. A broken
     * structure shows the body as text rather than nothing.
     */
    private static Walk bodies(MimeMessage message, byte[] raw, boolean countOnly) {
        Walk walk = new Walk(false);
        walk.countOnly = countOnly;
        try {
            walk.visit(message, "");
        }
        catch (MessagingException | IOException | RuntimeException ex) {
            if (walk.text == null && walk.html == null) {
                walk.text = bodyAsText(raw);
            }
        }
        return walk;
    }

    /** The decoded content of a part, with its type and file name, by the id the API gave it. */
    public static Optional<PartContent> part(byte[] raw, String partId) {
        MimeMessage message = open(raw);
        Walk walk = new Walk(true);
        walk.wanted = partId;
        try {
            walk.visit(message, "");
        }
        catch (MessagingException | IOException | RuntimeException ex) {
            return Optional.empty();
        }
        return Optional.ofNullable(walk.found);
    }

    /** The decoded content of one part. */
    public record PartContent(String contentType, String fileName, byte[] content) {
    }

    /**
     * What a list shows and a search matches, read once when a message is captured: cheaper than {@link #parse}
     * since attachments are counted, not read.
     */
    public record Summary(String messageId, EmailAddress from, List<EmailAddress> to, List<EmailAddress> cc,
            List<EmailAddress> replyTo, String subject, String snippet, String searchText, int attachments) {
    }

    /** Reads the fields of a list entry and the text a search looks in. */
    public static Summary summarize(byte[] raw, int maxSearchText) {
        MimeMessage message = open(raw);
        Walk walk = bodies(message, raw, true);
        String body = walk.text != null ? walk.text : walk.html != null ? stripTags(walk.html) : "";
        String collapsed = collapseWhitespace(body, Math.max(250, maxSearchText));
        String snippet = collapsed.length() > 250 ? collapsed.substring(0, 250) : collapsed;
        EmailAddress from = first(addresses(message, "From"));
        List<EmailAddress> to = addresses(message, "To");
        List<EmailAddress> cc = addresses(message, "Cc");
        String subject = subject(message);
        StringBuilder search = new StringBuilder(subject).append('\n');
        appendAddresses(search, List.of(from));
        appendAddresses(search, to);
        appendAddresses(search, cc);
        search.append(collapsed, 0, Math.min(collapsed.length(), Math.max(0, maxSearchText)));
        return new Summary(messageId(message), from, to, cc, addresses(message, "Reply-To"), subject, snippet,
                search.toString().toLowerCase(Locale.ROOT), walk.attachmentCount);
    }

    /**
     * {@code text} with each run of whitespace ({@code \\s}: space, tab, CR, LF, VT, FF) made one space, trimmed, and
     * cut after about {@code limit} characters: what a regex replace did, at a fraction of its cost per message.
     */
    static String collapseWhitespace(String text, int limit) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), limit + 1));
        int length = text.length();
        int i = 0;
        while (i < length && out.length() <= limit) {
            while (i < length && isWhitespace(text.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < length && !isWhitespace(text.charAt(i))) {
                i++;
            }
            if (start < i) {
                if (out.length() > 0) {
                    out.append(' ');
                }
                out.append(text, start, Math.min(i, start + limit + 1 - out.length()));
            }
        }
        return out.toString().trim();
    }

    private static boolean isWhitespace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\u000B' || c == '\f';
    }

    private static void appendAddresses(StringBuilder out, List<EmailAddress> addresses) {
        for (EmailAddress address : addresses) {
            out.append(address.name()).append(' ').append(address.address()).append('\n');
        }
    }

    private static MimeMessage open(byte[] raw) {
        try {
            return new CapturedMessage(new ByteArrayInputStream(raw));
        }
        catch (MessagingException ex) {
            // MimeMessage reads headers leniently; this is an I/O failure on a byte array, which cannot happen.
            throw new IllegalStateException(ex);
        }
    }

    private static String messageId(MimeMessage message) {
        return angled(header(message, "Message-ID"));
    }

    private static String angled(String value) {
        if (value == null) {
            return "";
        }
        Matcher matcher = ANGLED.matcher(value);
        return matcher.find() ? matcher.group(1).trim() : value.trim();
    }

    private static String header(MimeMessage message, String name) {
        try {
            return message.getHeader(name, ",");
        }
        catch (MessagingException ex) {
            return null;
        }
    }

    private static String subject(MimeMessage message) {
        try {
            String subject = message.getSubject();
            return subject != null ? subject : "";
        }
        catch (MessagingException ex) {
            String raw = header(message, "Subject");
            return raw != null ? raw : "";
        }
    }

    private static Instant date(MimeMessage message) {
        try {
            Date date = message.getSentDate();
            return date != null ? date.toInstant() : null;
        }
        catch (MessagingException ex) {
            return null;
        }
    }

    private static List<EmailAddress> addresses(MimeMessage message, String name) {
        String value = header(message, name);
        if (value == null || value.isBlank()) {
            return List.of();
        }
        try {
            List<EmailAddress> result = new ArrayList<>();
            for (InternetAddress address : InternetAddress.parseHeader(value, false)) {
                result.add(new EmailAddress(address.getPersonal(), address.getAddress()));
            }
            return result;
        }
        catch (AddressException ex) {
            return List.of(new EmailAddress("", decode(value)));
        }
    }

    private static EmailAddress first(List<EmailAddress> addresses) {
        return addresses.isEmpty() ? new EmailAddress("", "") : addresses.get(0);
    }

    private static List<String> listUnsubscribe(String value) {
        if (value == null) {
            return List.of();
        }
        List<String> links = new ArrayList<>();
        Matcher matcher = ANGLED.matcher(value);
        while (matcher.find()) {
            links.add(matcher.group(1).trim());
        }
        return links;
    }

    private static Map<String, List<String>> headers(MimeMessage message) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        try {
            Enumeration<Header> all = message.getAllHeaders();
            while (all.hasMoreElements()) {
                Header header = all.nextElement();
                String value = header.getValue() != null ? header.getValue().replaceAll("\r?\n[ \t]", " ") : "";
                headers.computeIfAbsent(header.getName(), (key) -> new ArrayList<>()).add(decode(value.trim()));
            }
        }
        catch (MessagingException ex) {
            // What was read so far is shown.
        }
        return headers;
    }

    private static String decode(String value) {
        try {
            return MimeUtility.decodeText(value);
        }
        catch (IOException | RuntimeException ex) {
            return value;
        }
    }

    /** The body after the header block, as UTF-8: the view of a message whose MIME structure is broken. */
    private static String bodyAsText(byte[] raw) {
        String all = new String(raw, StandardCharsets.UTF_8);
        int end = all.indexOf("\r\n\r\n");
        return end >= 0 ? all.substring(end + 4) : all;
    }

    /** Text of an HTML body for snippets and search; not a sanitizer (the UI never inserts it as HTML). */
    static String stripTags(String html) {
        return TAG.matcher(html).replaceAll(" ").replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<")
            .replace("&gt;", ">").replace("&quot;", "\"");
    }

    private static String orEmpty(String value) {
        return value != null ? value : "";
    }

    /**
     * A message whose header block is read here rather than through Jakarta Mail's {@code StreamProvider}, which
     * Jakarta Mail looks up anew, by {@code ServiceLoader}, for every header block it reads: a scan of every jar's
     * {@code META-INF/services} (nested jars, in a Spring Boot jar) that cost a tenth of the capture's CPU per
     * message. The parts of a multipart message are still read by Jakarta Mail.
     */
    private static final class CapturedMessage extends MimeMessage {

        CapturedMessage(ByteArrayInputStream raw) throws MessagingException {
            super(SESSION, raw);
        }

        @Override
        protected InternetHeaders createInternetHeaders(InputStream in) throws MessagingException {
            // SESSION sets mail.mime.allowutf8: header bytes are read as UTF-8, as Jakarta Mail would.
            return new HeaderBlock(in, true);
        }
    }

    /** Jakarta Mail's header block, read line by line from the message's byte stream. */
    private static final class HeaderBlock extends InternetHeaders {

        HeaderBlock(InputStream in, boolean utf8) throws MessagingException {
            super(in, utf8);
        }

        /** As {@link InternetHeaders#load(InputStream, boolean)}: folded lines joined, up to the empty line. */
        @Override
        public void load(InputStream in, boolean utf8) throws MessagingException {
            String previous = null;
            StringBuilder folded = new StringBuilder();
            String line;
            try {
                do {
                    line = readLine(in, utf8);
                    if (line != null && (line.startsWith(" ") || line.startsWith("\t"))) {
                        if (previous != null) {
                            folded.append(previous);
                            previous = null;
                        }
                        folded.append("\r\n").append(line);
                    }
                    else {
                        if (previous != null) {
                            addHeaderLine(previous);
                        }
                        else if (folded.length() > 0) {
                            addHeaderLine(folded.toString());
                            folded.setLength(0);
                        }
                        previous = line;
                    }
                }
                while (line != null && !line.isEmpty());
            }
            catch (IOException ex) {
                throw new MessagingException("Error in input stream", ex);
            }
        }

        /** A line without its end (LF, CRLF or a lone CR), or {@code null} at the end of the stream. */
        private static String readLine(InputStream in, boolean utf8) throws IOException {
            java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(80);
            int b;
            while ((b = in.read()) != -1) {
                if (b == '\n') {
                    break;
                }
                if (b == '\r') {
                    in.mark(1);
                    if (in.read() != '\n') {
                        in.reset();
                    }
                    break;
                }
                line.write(b);
            }
            if (b == -1 && line.size() == 0) {
                return null;
            }
            return utf8 ? line.toString(StandardCharsets.UTF_8) : line.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /** One pass over the MIME tree, numbering parts as Mailpit does ({@code 1}, {@code 2.1}, ...). */
    private static final class Walk {

        private final boolean readParts;

        private boolean countOnly;

        private String wanted;

        private PartContent found;

        private String text;

        private String html;

        private int attachmentCount;

        private final List<MailPart> attachments = new ArrayList<>();

        private final List<MailPart> inline = new ArrayList<>();

        Walk(boolean readParts) {
            this.readParts = readParts;
        }

        void visit(Part part, String id) throws MessagingException, IOException {
            if (part.isMimeType("multipart/*")) {
                Object content = part.getContent();
                if (content instanceof Multipart multipart) {
                    for (int i = 0; i < multipart.getCount(); i++) {
                        BodyPart child = multipart.getBodyPart(i);
                        visit(child, id.isEmpty() ? Integer.toString(i + 1) : id + "." + (i + 1));
                    }
                    return;
                }
            }
            String partId = id.isEmpty() ? "1" : id;
            String disposition = part.getDisposition();
            String fileName = fileName(part);
            String contentId = contentId(part);
            boolean attachment = Part.ATTACHMENT.equalsIgnoreCase(disposition)
                    || (fileName != null && !Part.INLINE.equalsIgnoreCase(disposition))
                    || part.isMimeType("message/rfc822");
            if (!attachment && part.isMimeType("text/plain") && text == null && !readParts) {
                text = textOf(part);
                return;
            }
            if (!attachment && part.isMimeType("text/html") && html == null && !readParts) {
                html = textOf(part);
                return;
            }
            if (!attachment && (part.isMimeType("text/plain") || part.isMimeType("text/html")) && readParts
                    && contentId == null) {
                // A body, not a part the API lists: it is not served as one either.
                return;
            }
            boolean isInline = !attachment && contentId != null;
            if (!isInline) {
                attachmentCount++;
            }
            if (countOnly) {
                return;
            }
            if (readParts) {
                if (partId.equals(wanted)) {
                    found = new PartContent(baseType(part), fileName != null ? fileName : "", bytes(part));
                }
                return;
            }
            byte[] content = bytes(part);
            MailPart described = new MailPart(partId, fileName != null ? fileName : "", baseType(part),
                    contentId != null ? contentId : "", content.length, digest("MD5", content), digest("SHA-1", content),
                    digest("SHA-256", content));
            (isInline ? inline : attachments).add(described);
        }

        private static String fileName(Part part) {
            try {
                return part.getFileName();
            }
            catch (MessagingException | RuntimeException ex) {
                return null;
            }
        }

        private static String contentId(Part part) throws MessagingException {
            String[] ids = part.getHeader("Content-ID");
            return ids != null && ids.length > 0 ? angled(ids[0]) : null;
        }

        private static String baseType(Part part) {
            try {
                return new ContentType(part.getContentType()).getBaseType().toLowerCase(Locale.ROOT);
            }
            catch (MessagingException | RuntimeException ex) {
                return "application/octet-stream";
            }
        }

        private static String textOf(Part part) throws MessagingException, IOException {
            try {
                Object content = part.getContent();
                if (content instanceof String string) {
                    return string;
                }
            }
            catch (IOException | RuntimeException ex) {
                // An unknown charset: read the bytes as UTF-8 below.
            }
            return new String(bytes(part), StandardCharsets.UTF_8);
        }

        private static byte[] bytes(Part part) throws MessagingException, IOException {
            try (InputStream in = part.getInputStream()) {
                return in.readAllBytes();
            }
        }

        private static String digest(String algorithm, byte[] content) {
            try {
                return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(content));
            }
            catch (NoSuchAlgorithmException ex) {
                throw new IllegalStateException(ex);
            }
        }
    }
}
