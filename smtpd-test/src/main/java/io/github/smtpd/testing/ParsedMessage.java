package io.github.smtpd.testing;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UnsupportedEncodingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.Session;
import jakarta.mail.internet.ContentType;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;

/** The view of a captured message that Jakarta Mail parses; loaded only when a test asks for it. */
final class ParsedMessage {

    private static final Session SESSION = Session.getInstance(new Properties());

    private final MimeMessage message;

    private final String subject;

    private String text;

    private String html;

    private final List<CapturedMessage.Attachment> attachments = new ArrayList<>();

    private ParsedMessage(MimeMessage message) throws MessagingException, IOException {
        this.message = message;
        this.subject = message.getSubject();
        walk(message);
    }

    static ParsedMessage parse(byte[] raw) {
        try {
            return new ParsedMessage(new MimeMessage(SESSION, new ByteArrayInputStream(raw)));
        }
        catch (MessagingException | IOException ex) {
            throw new IllegalStateException("The captured message is not valid MIME: " + ex.getMessage(), ex);
        }
    }

    private void walk(Part part) throws MessagingException, IOException {
        String type = baseType(part);
        if (type.startsWith("multipart/") && part.getContent() instanceof Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart child = multipart.getBodyPart(i);
                walk(child);
            }
            return;
        }
        boolean attachment = Part.ATTACHMENT.equalsIgnoreCase(part.getDisposition()) || part.getFileName() != null;
        if (!attachment && type.equals("text/plain") && text == null) {
            text = String.valueOf(part.getContent());
        }
        else if (!attachment && type.equals("text/html") && html == null) {
            html = String.valueOf(part.getContent());
        }
        else if (attachment || !type.startsWith("text/")) {
            try (InputStream in = part.getInputStream()) {
                attachments.add(new CapturedMessage.Attachment(decode(part.getFileName()), type, in.readAllBytes()));
            }
        }
    }

    private static String baseType(Part part) throws MessagingException {
        String header = part.getContentType();
        if (header == null) {
            return "text/plain";
        }
        try {
            return new ContentType(header).getBaseType().toLowerCase(Locale.ROOT);
        }
        catch (MessagingException ex) {
            return "application/octet-stream";
        }
    }

    private static String decode(String name) {
        if (name == null) {
            return null;
        }
        try {
            return MimeUtility.decodeText(name);
        }
        catch (UnsupportedEncodingException ex) {
            return name;
        }
    }

    MimeMessage mimeMessage() {
        return message;
    }

    String subject() {
        return subject;
    }

    String text() {
        return text;
    }

    String html() {
        return html;
    }

    List<CapturedMessage.Attachment> attachments() {
        return List.copyOf(attachments);
    }

    List<String> headers(String name) {
        try {
            String[] values = message.getHeader(name);
            List<String> decoded = new ArrayList<>();
            for (String value : values != null ? values : new String[0]) {
                decoded.add(MimeUtility.decodeText(MimeUtility.unfold(value)));
            }
            return decoded;
        }
        catch (MessagingException | UnsupportedEncodingException ex) {
            throw new IllegalStateException("Could not read header " + name, ex);
        }
    }
}
