package io.github.smtpd.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.github.smtpd.Reply;
import io.github.smtpd.ServerSettings;

/**
 * The connection-level commands of one {@link Session} (smtpd's {@code smtp_HELO}, {@code smtp_EHLO},
 * {@code smtp_NOOP}, {@code smtp_QUIT}, {@code smtp_RSET}, {@code smtp_HELP}, {@code smtp_VRFY}, and EXPN): they
 * answer from the server's settings and the session's state, next to {@link EnvelopeCommands} (MAIL, RCPT) and
 * {@link MessageIntake} (DATA, BDAT). Runs on the session's event loop (or on the executor, inside a command of
 * the application's that wraps one): none of them blocks, and STARTTLS only starts the handshake, which the loop
 * drives.
 */
final class ConnectionCommands {

    private final Session session;

    private final ServerSettings settings;

    ConnectionCommands(Session session) {
        this.session = session;
        this.settings = session.settings();
    }

    /** RFC 3207 STARTTLS. */
    void starttls(String argument) throws java.io.IOException {
        if (settings.sslContext() == null) {
            session.reply(Reply.of(500, "5.5.2", "Error: command \"STARTTLS\" not recognized"));
            return;
        }
        if (session.isSecure()) {
            session.reply(Reply.of(503, "5.5.1", "Error: TLS already active"));
            return;
        }
        if (argument != null) {
            session.reply(BuiltinCommands.syntaxError("STARTTLS"));
            return;
        }
        session.reply(Reply.of(220, "2.0.0", "Ready to start TLS"));
        session.tlsSwitch().startTls();
    }

    void helo(String argument) {
        if (argument == null || !Replies.isPrintable(argument)) {
            session.reply(BuiltinCommands.syntaxError("HELO"));
            return;
        }
        // RFC 5321 4.1.4: a repeated greeting resets the transaction (smtpd answered 503 instead).
        session.abortTransaction();
        session.greeted(argument, false);
        session.reply(Reply.of(250, settings.hostName()));
    }

    void ehlo(String argument) {
        if (argument == null || !Replies.isPrintable(argument)) {
            session.reply(BuiltinCommands.syntaxError("EHLO"));
            return;
        }
        session.abortTransaction();
        session.greeted(argument, true);
        List<String> lines = new ArrayList<>();
        lines.add(settings.hostName());
        lines.add("PIPELINING");
        if (settings.dataSizeLimit() > 0) {
            lines.add("SIZE " + settings.dataSizeLimit());
        }
        if (settings.enhancedStatusCodes()) {
            lines.add("ENHANCEDSTATUSCODES");
        }
        if (!settings.decodeData()) {
            lines.add("8BITMIME");
            lines.add("BINARYMIME");
        }
        lines.add("CHUNKING");
        lines.add("DSN");
        if (settings.sslContext() != null && !session.isSecure()) {
            lines.add("STARTTLS");
        }
        if (settings.authenticator() != null && (session.isSecure() || settings.allowPlaintextAuth())) {
            lines.add("AUTH PLAIN LOGIN");
        }
        if (settings.enableSmtpUtf8()) {
            lines.add("SMTPUTF8");
        }
        lines.add("HELP");
        // RFC 2034: the EHLO reply itself carries no enhanced status code.
        session.replyWithoutEnhancedCode(Reply.multiline(250, lines));
    }

    void noop(String argument) {
        // RFC 5321 4.1.1.9: NOOP may carry a string, which is ignored (smtpd answered 501).
        session.reply(Replies.OK);
    }

    void quit(String argument) {
        session.reply(Reply.of(221, "2.0.0", "Bye"));
        session.quitRequested();
    }

    void rset(String argument) {
        if (argument != null) {
            session.reply(BuiltinCommands.syntaxError("RSET"));
            return;
        }
        session.abortTransaction();
        session.reply(Replies.OK);
    }

    /**
     * Lists the commands this session may use (the built-ins of its protocol, STARTTLS while it can still start
     * TLS, AUTH when something checks passwords, and the application's own), or one command's syntax.
     */
    void help(String argument) {
        String all = "Supported commands: " + String.join(" ", offeredCommands());
        if (argument == null) {
            session.reply(Reply.of(250, all));
            return;
        }
        String verb = Ascii.upper(argument.strip());
        if (!offeredCommands().contains(verb)) {
            session.reply(Reply.of(501, "5.5.4", all));
            return;
        }
        String syntax = BuiltinCommands.syntax(verb);
        boolean takesParameters = session.isExtended() && (verb.equals("MAIL") || verb.equals("RCPT"));
        session.reply(Reply.of(250, "Syntax: " + (syntax != null ? syntax : verb)
                + (takesParameters ? " [SP <mail-parameters>]" : "")));
    }

    private List<String> offeredCommands() {
        List<String> offered = new ArrayList<>();
        Set<String> answered = settings.commands().keySet();
        for (String verb : BuiltinCommands.verbs(settings.protocol())) {
            boolean unavailable = (verb.equals("STARTTLS") && (settings.sslContext() == null || session.isSecure()))
                    || (verb.equals("AUTH") && settings.authenticator() == null);
            if (answered.contains(verb) && !unavailable) {
                offered.add(verb);
            }
        }
        answered.stream().filter((verb) -> !offered.contains(verb) && BuiltinCommands.syntax(verb) == null)
            .sorted().forEach(offered::add);
        return offered;
    }

    void vrfy(String argument) {
        if (argument == null) {
            session.reply(BuiltinCommands.syntaxError("VRFY"));
            return;
        }
        MailPath parsed = MailPath.parse(argument, false);
        if (parsed != null) {
            session.reply(Reply.of(252, "2.0.0", "Cannot VRFY user, but will accept message and attempt delivery"));
        }
        else {
            session.reply(Reply.of(502, "5.5.1", "Could not VRFY " + Reply.sanitize(argument)));
        }
    }

    void expn(String argument) {
        session.reply(Reply.of(502, "5.5.1", "EXPN not implemented"));
    }
}
