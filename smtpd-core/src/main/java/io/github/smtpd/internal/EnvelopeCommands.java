package io.github.smtpd.internal;

import java.util.List;
import java.util.Map;

import io.github.smtpd.AsyncSmtpHandler;
import io.github.smtpd.Reply;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MAIL and RCPT of one {@link Session}: they check the command and its ESMTP parameters, ask the handler, and
 * fill the {@link Envelope}. Runs on the session's thread.
 */
final class EnvelopeCommands {

    /** The session's logger, whose name operators and tests filter by. */
    private static final Logger logger = LoggerFactory.getLogger(Session.class);

    private final Session session;

    private final Envelope envelope;

    private final ServerSettings settings;

    private final SmtpHandler handler;

    EnvelopeCommands(Session session) {
        this.session = session;
        this.envelope = session.envelope;
        this.settings = session.settings();
        this.handler = session.handler;
    }

    void mail(String argument) {
        if (session.heloName() == null) {
            session.reply(Reply.of(503, "5.5.1", "Error: send HELO first"));
            return;
        }
        if (settings.requireTls() && !session.isSecure()) {
            session.reply(Reply.of(530, "5.7.0", "Must issue a STARTTLS command first"));
            return;
        }
        if (settings.requireAuth() && session.authenticatedUser() == null) {
            session.reply(Reply.of(530, "5.7.0", "Authentication required"));
            return;
        }
        MailPath parsed = pathArgument("FROM:", argument, true, "MAIL FROM");
        if (parsed == null) {
            return;
        }
        if (envelope.mailFrom != null) {
            session.reply(Reply.of(503, "5.5.1", "Error: nested MAIL command"));
            return;
        }
        EsmtpParameters parameters = EsmtpParameters.parse(parsed.parameters());
        if (parameters == null) {
            session.reply(syntax("MAIL FROM"));
            return;
        }
        Map<String, String> values = new java.util.HashMap<>(parameters.values());
        boolean binary = false;
        if (!settings.decodeData()) {
            String body = values.remove("BODY");
            if (body != null && !body.equals("7BIT") && !body.equals("8BITMIME") && !body.equals("BINARYMIME")) {
                session.reply(Reply.of(501, "5.5.4", "Error: BODY can only be one of 7BIT, 8BITMIME, BINARYMIME"));
                return;
            }
            binary = "BINARYMIME".equals(body);
        }
        String dsnError = Dsn.checkMail(values);
        if (dsnError != null) {
            session.reply(Reply.of(501, "5.5.4", dsnError));
            return;
        }
        boolean smtpUtf8 = false;
        if (settings.enableSmtpUtf8() && values.containsKey("SMTPUTF8")) {
            if (!values.remove("SMTPUTF8").isEmpty()) {
                session.reply(Reply.of(501, "5.5.4", "Error: SMTPUTF8 takes no arguments"));
                return;
            }
            smtpUtf8 = true;
        }
        if (settings.authenticator() != null && values.containsKey("AUTH")) {
            // RFC 4954 5: the original submitter; accepted and handed on, never trusted for relaying.
            String submitter = values.remove("AUTH");
            if (!submitter.equals("<>") && !Dsn.isXtext(submitter)) {
                session.reply(syntax("MAIL FROM"));
                return;
            }
        }
        String size = values.remove("SIZE");
        if (size != null) {
            if (size.isEmpty() || size.length() > 18 || !size.chars().allMatch(c -> c >= '0' && c <= '9')) {
                session.reply(syntax("MAIL FROM"));
                return;
            }
            if (settings.dataSizeLimit() > 0 && Long.parseLong(size) > settings.dataSizeLimit()) {
                session.reply(Reply.of(552, "5.3.4", "Error: message size exceeds fixed maximum message size"));
                return;
            }
        }
        if (!values.isEmpty()) {
            session.reply(Reply.of(555, "5.5.4", "MAIL FROM parameters not recognized or not implemented"));
            return;
        }
        if (parsed.nonAscii() && !smtpUtf8) {
            session.reply(Reply.of(553, "5.6.7", "Error: non-ASCII address requires SMTPUTF8"));
            return;
        }
        boolean bodyBinary = binary;
        boolean utf8 = smtpUtf8;
        if (handler instanceof AsyncSmtpHandler hooks) {
            java.util.concurrent.CompletionStage<Reply> answer = Suspension.started(
                    () -> hooks.onMailAsync(session, parsed.address(), parameters.options(), session.work()));
            session.suspension().await(answer, (reply, failure) -> sender(parsed.address(), parameters.options(), utf8, bodyBinary,
                    answered(reply, failure, Replies.SENDER_OK)));
            return;
        }
        sender(parsed.address(), parameters.options(), smtpUtf8, binary,
                ask(() -> handler.onMail(session, parsed.address(), parameters.options()), Replies.SENDER_OK));
    }

    private void sender(String address, List<String> options, boolean smtpUtf8, boolean binary, Reply verdict) {
        if (verdict.isPositive()) {
            envelope.mailFrom = address;
            envelope.mailOptions = options;
            envelope.requireSmtpUtf8 = smtpUtf8;
            envelope.binaryMime = binary;
        }
        session.reply(verdict);
    }

    void rcpt(String argument) {
        if (session.heloName() == null) {
            session.reply(Reply.of(503, "5.5.1", "Error: send HELO first"));
            return;
        }
        if (envelope.mailFrom == null) {
            session.reply(Reply.of(503, "5.5.1", "Error: need MAIL command"));
            return;
        }
        // RFC 5321 4.1.1.3: a forward path is never empty, so RCPT TO:<> is a syntax error (smtpd took it).
        MailPath parsed = pathArgument("TO:", argument, false, "RCPT TO");
        if (parsed == null) {
            return;
        }
        EsmtpParameters parameters = EsmtpParameters.parse(parsed.parameters());
        if (parameters == null) {
            session.reply(syntax("RCPT TO"));
            return;
        }
        Map<String, String> values = new java.util.HashMap<>(parameters.values());
        String dsnError = Dsn.checkRcpt(values);
        if (dsnError != null) {
            session.reply(Reply.of(501, "5.5.4", dsnError));
            return;
        }
        if (!values.isEmpty()) {
            session.reply(Reply.of(555, "5.5.4", "RCPT TO parameters not recognized or not implemented"));
            return;
        }
        if (parsed.nonAscii() && !envelope.requireSmtpUtf8) {
            session.reply(Reply.of(553, "5.6.7", "Error: non-ASCII address requires SMTPUTF8"));
            return;
        }
        if (envelope.chunks != null) {
            session.reply(Reply.of(503, "5.5.1", "Error: RCPT after BDAT"));
            return;
        }
        if (envelope.rcptTos().size() >= settings.maxRecipients()) {
            session.reply(Reply.of(452, "4.5.3", "Error: too many recipients"));
            return;
        }
        if (handler instanceof AsyncSmtpHandler hooks) {
            java.util.concurrent.CompletionStage<Reply> answer = Suspension.started(
                    () -> hooks.onRcptAsync(session, parsed.address(), parameters.options(), session.work()));
            session.suspension().await(answer, (reply, failure) -> recipient(parsed.address(), parameters.options(),
                    answered(reply, failure, Replies.RECIPIENT_OK)));
            return;
        }
        recipient(parsed.address(), parameters.options(),
                ask(() -> handler.onRcpt(session, parsed.address(), parameters.options()), Replies.RECIPIENT_OK));
    }

    private void recipient(String address, List<String> options, Reply verdict) {
        if (verdict.isPositive()) {
            envelope.addRecipient(address, options);
        }
        session.reply(verdict);
    }

    /** smtpd's syntax reply for MAIL and RCPT, which mentions parameters only after EHLO. */
    private Reply syntax(String command) {
        return Reply.of(501, "5.5.4",
                "Syntax: " + command + ": <address>" + (session.isExtended() ? " [SP <mail-parameters>]" : ""));
    }

    /**
     * The path after {@code FROM:} or {@code TO:}; on a syntax error (parameters count as one after HELO) the
     * reply is sent and {@code null} returned. The syntax reply is made only then: most paths are fine.
     */
    private MailPath pathArgument(String keyword, String argument, boolean allowNullPath, String command) {
        String path = stripKeyword(keyword, argument);
        MailPath parsed = path == null ? null : MailPath.parse(path, allowNullPath);
        if (parsed == null || (!session.isExtended() && !parsed.parameters().isEmpty())) {
            session.reply(syntax(command));
            return null;
        }
        return parsed;
    }

    private static String stripKeyword(String keyword, String argument) {
        if (argument == null || !Ascii.startsWithIgnoreCase(argument, keyword)) {
            return null;
        }
        return argument.substring(keyword.length()).strip();
    }

    private interface Step {
        Reply call() throws Exception;
    }

    /** A deferred MAIL or RCPT hook's answer, as {@link #ask} makes it of a blocking one. */
    private Reply answered(Reply reply, Throwable failure, Reply ok) {
        return ask(() -> {
            if (failure != null) {
                throw failure instanceof Exception exception ? exception : new Exception(failure);
            }
            return reply;
        }, ok);
    }

    /** Runs a MAIL or RCPT hook: {@code null} means 250 OK, a failure means 451. */
    private Reply ask(Step step, Reply ok) {
        try {
            Reply reply = step.call();
            return reply != null ? reply : ok;
        }
        catch (Exception ex) {
            logger.warn("Session {}: a transaction hook failed", session.id(), ex);
            return Replies.localError();
        }
    }
}
