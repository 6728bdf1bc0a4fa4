package io.github.smtpd.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.smtpd.Protocol;
import io.github.smtpd.SmtpCommand;

/**
 * The command table of smtpd's {@code SMTPChannel}: one entry per {@code smtp_<COMMAND>} method. To add a
 * built-in command, add a method to {@link Session} (or to {@link EnvelopeCommands} or {@link MessageIntake},
 * for the transaction's commands) and an entry here.
 */
public final class BuiltinCommands {

    private static final Map<String, SmtpCommand> SMTP = build(Protocol.SMTP);

    private static final Map<String, SmtpCommand> LMTP = build(Protocol.LMTP);

    private BuiltinCommands() {
    }

    /** The built-in commands that never wait for the client or block: the event loop runs them itself. */
    private static final java.util.Set<String> NON_BLOCKING = java.util.Set.of("HELO", "EHLO", "LHLO", "MAIL", "RCPT",
            "DATA", "BDAT", "RSET", "NOOP", "QUIT", "HELP", "VRFY", "EXPN");

    /**
     * Whether an event loop may run {@code command} for {@code verb}: a built-in that needs no blocking. DATA
     * and BDAT qualify because the loop reads their content; STARTTLS and AUTH read on their own, and a command
     * an application added or replaced may do anything.
     */
    static boolean runsOnEventLoop(Protocol protocol, String verb, SmtpCommand command) {
        return NON_BLOCKING.contains(verb) && table(protocol).get(verb) == command;
    }

    public static Map<String, SmtpCommand> table(Protocol protocol) {
        return protocol == Protocol.LMTP ? LMTP : SMTP;
    }

    private static Map<String, SmtpCommand> build(Protocol protocol) {
        Map<String, SmtpCommand> table = new LinkedHashMap<>();
        if (protocol == Protocol.LMTP) {
            // RFC 2033 4.1: LHLO replaces HELO and EHLO, which an LMTP server must not accept.
            table.put("LHLO", (session, argument) -> ((Session) session).ehlo(argument));
        }
        else {
            table.put("HELO", (session, argument) -> ((Session) session).helo(argument));
            table.put("EHLO", (session, argument) -> ((Session) session).ehlo(argument));
        }
        table.put("MAIL", (session, argument) -> ((Session) session).envelopeCommands().mail(argument));
        table.put("RCPT", (session, argument) -> ((Session) session).envelopeCommands().rcpt(argument));
        table.put("DATA", (session, argument) -> ((Session) session).intake().data(argument));
        table.put("BDAT", (session, argument) -> ((Session) session).intake().bdat(argument));
        table.put("RSET", (session, argument) -> ((Session) session).rset(argument));
        table.put("NOOP", (session, argument) -> ((Session) session).noop(argument));
        table.put("QUIT", (session, argument) -> ((Session) session).quit(argument));
        table.put("HELP", (session, argument) -> ((Session) session).help(argument));
        table.put("VRFY", (session, argument) -> ((Session) session).vrfy(argument));
        table.put("EXPN", (session, argument) -> ((Session) session).expn(argument));
        table.put("STARTTLS", (session, argument) -> ((Session) session).starttls(argument));
        table.put("AUTH", (session, argument) -> ((Session) session).auth(argument));
        return java.util.Collections.unmodifiableMap(table);
    }
}
