package io.github.smtpd.mode;

import java.io.IOException;
import java.io.InputStream;

import io.github.smtpd.Message;
import io.github.smtpd.Reply;
import io.github.smtpd.relay.UpstreamClient;

/**
 * Checks, before DATA goes upstream, that the upstream can take this content: 8-bit bytes need 8BITMIME
 * (RFC 6152), and UTF-8 header fields in an SMTPUTF8 message need SMTPUTF8 (RFC 6531). There is no conversion
 * here: such a message gets a clear 554 rather than being sent to a server that would mangle it.
 */
final class ContentCheck {

    static final Reply NO_8BITMIME = Reply.of(554, "5.6.3",
            "Upstream server does not support 8BITMIME: 8-bit message not relayed");

    static final Reply NO_SMTPUTF8 = Reply.of(554, "5.6.7",
            "Upstream server does not support SMTPUTF8: message with UTF-8 headers not relayed");

    private ContentCheck() {
    }

    /** {@code null} when the upstream can take the message, the refusal otherwise. */
    static Reply refusal(Message message, UpstreamClient upstream) throws IOException {
        // A binary message goes only to an upstream that takes binary content (checked when it opened).
        boolean has8bitMime = upstream.hasExtension("8BITMIME") || message.mailOptions().contains("BODY=BINARYMIME");
        boolean needsUtf8Check = message.mailOptions().contains("SMTPUTF8") && !upstream.hasExtension("SMTPUTF8");
        if (has8bitMime && !needsUtf8Check) {
            return null;
        }
        boolean eightBit = false;
        boolean eightBitHeader = false;
        try (InputStream in = message.openContent()) {
            byte[] buffer = new byte[65536];
            boolean inHeader = true;
            int previous = '\n';
            int beforePrevious = '\r';
            int read;
            while ((read = in.read(buffer)) > 0) {
                for (int i = 0; i < read; i++) {
                    int b = buffer[i] & 0xff;
                    if (b >= 0x80) {
                        eightBit = true;
                        eightBitHeader |= inHeader;
                    }
                    // The header section ends at the first empty line.
                    if (inHeader && b == '\n' && (previous == '\n' || (previous == '\r' && beforePrevious == '\n'))) {
                        inHeader = false;
                    }
                    beforePrevious = previous;
                    previous = b;
                }
            }
        }
        if (eightBit && !has8bitMime) {
            return NO_8BITMIME;
        }
        if (eightBitHeader && needsUtf8Check) {
            return NO_SMTPUTF8;
        }
        return null;
    }
}
