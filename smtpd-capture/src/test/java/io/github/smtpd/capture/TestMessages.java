package io.github.smtpd.capture;

import java.nio.charset.StandardCharsets;

/** Raw messages for the store's tests, CRLF line ends as received. */
final class TestMessages {

    private TestMessages() {
    }

    static byte[] plain(String from, String to, String subject, String body) {
        return ("From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject.hashCode()
                + "@test>\r\n\r\n" + body + "\r\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] withAttachment(String subject) {
        return ("From: Alice <alice@example.org>\r\nTo: bob@example.org\r\nSubject: " + subject + "\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n"
                + "--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n"
                + "--b2\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nthe text\r\n"
                + "--b2\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>the <b>html</b></p>\r\n--b2--\r\n"
                + "--b1\r\nContent-Type: text/csv; name=data.csv\r\nContent-Disposition: attachment; filename=data.csv\r\n"
                + "Content-Transfer-Encoding: base64\r\n\r\nYWJjLGRlZgo=\r\n--b1--\r\n").getBytes(StandardCharsets.UTF_8);
    }
}
