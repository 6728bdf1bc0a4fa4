package io.github.smtpd.capture.web;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.github.smtpd.capture.EmailAddress;
import io.github.smtpd.capture.MessageStore;
import io.github.smtpd.capture.StoredMessage;
import io.github.smtpd.capture.mime.MailPart;
import io.github.smtpd.capture.mime.ParsedMail;

/**
 * The JSON shapes of Mailpit's v1 API, built as ordered maps so that the field names are Mailpit's exactly,
 * whatever JSON library the application's MVC uses.
 */
final class MailpitJson {

    private MailpitJson() {
    }

    static Map<String, Object> page(MessageStore.Page page) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("total", page.total());
        json.put("unread", page.unread());
        json.put("count", page.messages().size());
        json.put("messages_count", page.matched());
        json.put("messages_unread", page.matchedUnread());
        json.put("start", page.start());
        json.put("tags", List.of());
        List<Map<String, Object>> messages = new ArrayList<>();
        for (StoredMessage message : page.messages()) {
            messages.add(listItem(message));
        }
        json.put("messages", messages);
        return json;
    }

    static Map<String, Object> listItem(StoredMessage message) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("ID", Long.toString(message.id()));
        json.put("MessageID", message.messageId());
        json.put("Read", message.read());
        json.put("From", address(message.from()));
        json.put("To", addresses(message.to()));
        json.put("Cc", addresses(message.cc()));
        json.put("Bcc", addresses(message.bcc()));
        json.put("ReplyTo", addresses(message.replyTo()));
        json.put("Subject", message.subject());
        json.put("Created", message.created().toString());
        json.put("Tags", List.of());
        json.put("Size", message.size());
        json.put("Attachments", message.attachments());
        json.put("Snippet", message.snippet());
        return json;
    }

    static Map<String, Object> message(StoredMessage stored, ParsedMail parsed) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("ID", Long.toString(stored.id()));
        json.put("MessageID", parsed.messageId());
        json.put("From", address(parsed.from()));
        json.put("To", addresses(parsed.to()));
        json.put("Cc", addresses(parsed.cc()));
        json.put("Bcc", addresses(stored.bcc()));
        json.put("ReplyTo", addresses(parsed.replyTo()));
        json.put("ReturnPath", parsed.returnPath().isEmpty() ? envelopeSender(stored) : parsed.returnPath());
        json.put("Subject", parsed.subject());
        json.put("ListUnsubscribe", Map.of("Header", String.join(", ", parsed.listUnsubscribe()), "Links",
                parsed.listUnsubscribe(), "Errors", "", "HeaderPost", ""));
        json.put("Date", (parsed.date() != null ? parsed.date() : stored.created()).toString());
        json.put("Tags", List.of());
        json.put("Text", parsed.text());
        json.put("HTML", parsed.html());
        json.put("Size", stored.size());
        json.put("Inline", parts(parsed.inline()));
        json.put("Attachments", parts(parsed.attachments()));
        // Beyond Mailpit's fields: the SMTP envelope and client, which a catcher inside the server knows.
        json.put("Envelope", Map.of("MailFrom", stored.mailFrom(), "RcptTo", stored.rcptTos(), "Client",
                stored.peer(), "ServerID", stored.serverId()));
        return json;
    }

    private static String envelopeSender(StoredMessage stored) {
        return stored.mailFrom().equals("<>") ? "" : stored.mailFrom();
    }

    private static List<Map<String, Object>> parts(List<MailPart> parts) {
        List<Map<String, Object>> json = new ArrayList<>();
        for (MailPart part : parts) {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("PartID", part.partId());
            one.put("FileName", part.fileName());
            one.put("ContentType", part.contentType());
            one.put("ContentID", part.contentId());
            one.put("Size", part.size());
            Map<String, Object> checksums = new LinkedHashMap<>();
            checksums.put("MD5", part.md5());
            checksums.put("SHA1", part.sha1());
            checksums.put("SHA256", part.sha256());
            one.put("Checksums", checksums);
            json.add(one);
        }
        return json;
    }

    static Map<String, Object> address(EmailAddress address) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("Name", address.name());
        json.put("Address", address.address());
        return json;
    }

    static List<Map<String, Object>> addresses(List<EmailAddress> addresses) {
        List<Map<String, Object>> json = new ArrayList<>(addresses.size());
        for (EmailAddress address : addresses) {
            json.add(address(address));
        }
        return json;
    }

    static Map<String, Object> error(int status, String reason, String message) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("status", status);
        json.put("error", reason);
        json.put("message", message);
        return json;
    }
}
