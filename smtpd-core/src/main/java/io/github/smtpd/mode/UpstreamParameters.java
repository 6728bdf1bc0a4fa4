package io.github.smtpd.mode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.github.smtpd.Reply;
import io.github.smtpd.SmtpSession;
import io.github.smtpd.relay.UpstreamClient;

/**
 * Which of the client's ESMTP parameters go upstream. A parameter is forwarded when the upstream offers its
 * extension, dropped when it only informs (SIZE, BODY, SMTPUTF8 of an ASCII envelope, DSN's, AUTH's), and the
 * command is refused with a clear reply when the upstream lacks something the message needs.
 *
 * <p>DSN (RFC 3461): RET and ENVID on MAIL, NOTIFY and ORCPT on RCPT, go upstream as the client gave them when
 * the upstream offers DSN, and are dropped when it does not. RFC 3461 5.2.2 then asks the relaying MTA to send
 * a "relayed" notice itself for NOTIFY=SUCCESS; this relay generates no DSNs of any kind (it never queues, so a
 * failure reaches the client as a reply instead, and the client's own MTA reports it).
 */
final class UpstreamParameters {

    static final Reply NO_SMTPUTF8_ADDRESS = Reply.of(553, "5.6.7",
            "Upstream server does not support SMTPUTF8: non-ASCII address can not be relayed");

    static final Reply NO_BINARYMIME = Reply.of(554, "5.6.3",
            "Upstream server does not support BINARYMIME: send the message as 7BIT or 8BITMIME");

    private UpstreamParameters() {
    }

    /** The forwarded parameters, or the refusal. */
    record Mapped(List<String> parameters, Reply refusal) {
    }

    /**
     * @param authenticated whether our client authenticated with AUTH, so that its AUTH= submitter is trusted
     * @param addedBytes at most how many bytes this server adds to the message (its Received and X-Peer headers),
     *        added to the client's SIZE (RFC 1870: the size of the message as it will be sent)
     */
    static Mapped forMail(String reversePath, List<String> options, UpstreamClient upstream, boolean authenticated,
            long addedBytes) {
        List<String> forwarded = new ArrayList<>();
        for (String option : options) {
            String keyword = keyword(option);
            switch (keyword) {
                case "RET", "ENVID" -> forwardIf(upstream.hasExtension("DSN"), option, forwarded);
                // RFC 4954 5: the submitter of an unauthenticated client is not trusted and goes on as AUTH=<>;
                // to a server without AUTH the parameter is not sent at all.
                case "AUTH" -> forwardIf(upstream.hasExtension("AUTH"), authenticated ? option : "AUTH=<>", forwarded);
                case "SIZE" -> forwardIf(upstream.hasExtension("SIZE"), grown(option, addedBytes), forwarded);
                case "BODY" -> {
                    if (!option.equals("BODY=BINARYMIME")) {
                        // Without 8BITMIME the BODY parameter is not allowed; 8-bit content is checked at DATA.
                        forwardIf(upstream.hasExtension("8BITMIME"), option, forwarded);
                    }
                    else if (upstream.takesBinary()) {
                        // Binary content goes only in BDAT chunks (RFC 3030 3), to an upstream that takes it.
                        forwarded.add(option);
                    }
                    else {
                        return new Mapped(List.of(), NO_BINARYMIME);
                    }
                }
                case "SMTPUTF8" -> {
                    if (upstream.hasExtension("SMTPUTF8")) {
                        forwarded.add(option);
                    }
                    else if (!isAscii(reversePath)) {
                        return new Mapped(List.of(), NO_SMTPUTF8_ADDRESS);
                    }
                }
                default -> {
                    if (!upstream.hasExtension(keyword)) {
                        return new Mapped(List.of(), unsupported(keyword));
                    }
                    forwarded.add(option);
                }
            }
        }
        return new Mapped(forwarded, null);
    }

    static Mapped forRcpt(String forwardPath, List<String> options, UpstreamClient upstream) {
        if (!isAscii(forwardPath) && !upstream.hasExtension("SMTPUTF8")) {
            return new Mapped(List.of(), NO_SMTPUTF8_ADDRESS);
        }
        List<String> forwarded = new ArrayList<>();
        for (String option : options) {
            String keyword = keyword(option);
            if (keyword.equals("NOTIFY") || keyword.equals("ORCPT")) {
                forwardIf(upstream.hasExtension("DSN"), option, forwarded);
            }
            else if (upstream.hasExtension(keyword)) {
                forwarded.add(option);
            }
            else {
                return new Mapped(List.of(), unsupported(keyword));
            }
        }
        return new Mapped(forwarded, null);
    }

    /** {@code SIZE=n} with n grown by what this server adds; the engine checked that n is a number. */
    private static String grown(String sizeOption, long addedBytes) {
        try {
            long declared = Long.parseLong(sizeOption.substring(sizeOption.indexOf('=') + 1));
            return "SIZE=" + (declared > Long.MAX_VALUE - addedBytes ? Long.MAX_VALUE : declared + addedBytes);
        }
        catch (NumberFormatException | IndexOutOfBoundsException ex) {
            return sizeOption;
        }
    }

    /**
     * At most the bytes that this server's own headers add to a message of this session: the engine's Received
     * header when it writes one (a fixed part, plus the names it quotes, each at most three bytes a character) and
     * the X-Peer header. A bound, not the exact figure: MAIL goes upstream before the data arrives.
     */
    static long addedBytes(SmtpSession session, String firstRecipient, boolean peerHeader) {
        long added = peerHeader ? 64 : 0;
        if (session.server() != null && session.server().settings().receivedHeader()) {
            long names = length(session.fqdn()) + length(session.heloName()) + length(session.authenticatedUser())
                    + length(firstRecipient);
            // Quoting in the comment may double a character; UTF-8 takes up to three bytes for one.
            added += 512 + 6 * names;
        }
        return added;
    }

    private static int length(String text) {
        return text == null ? 0 : text.length();
    }

    private static void forwardIf(boolean offered, String option, List<String> forwarded) {
        if (offered) {
            forwarded.add(option);
        }
    }

    private static Reply unsupported(String keyword) {
        return Reply.of(555, "5.5.4", "Upstream server does not support the " + keyword + " parameter");
    }

    private static String keyword(String option) {
        int eq = option.indexOf('=');
        return (eq < 0 ? option : option.substring(0, eq)).toUpperCase(Locale.ROOT);
    }

    private static boolean isAscii(String address) {
        return address.chars().allMatch(c -> c < 0x80);
    }
}
