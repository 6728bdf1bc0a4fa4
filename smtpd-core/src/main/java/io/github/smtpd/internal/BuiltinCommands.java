package io.github.smtpd.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.smtpd.SmtpCommand;

/**
 * The command table of smtpd's {@code SMTPChannel}: one entry per {@code smtp_<COMMAND>} method. To add a
 * built-in command, add a method to {@link Session} and an entry here.
 */
public final class BuiltinCommands {

    private static final Map<String, SmtpCommand> TABLE = build();

    private BuiltinCommands() {
    }

    public static Map<String, SmtpCommand> table() {
        return TABLE;
    }

    private static Map<String, SmtpCommand> build() {
        Map<String, SmtpCommand> table = new LinkedHashMap<>();
        table.put("HELO", (session, argument) -> ((Session) session).helo(argument));
        table.put("EHLO", (session, argument) -> ((Session) session).ehlo(argument));
        table.put("MAIL", (session, argument) -> ((Session) session).mail(argument));
        table.put("RCPT", (session, argument) -> ((Session) session).rcpt(argument));
        table.put("DATA", (session, argument) -> ((Session) session).data(argument));
        table.put("RSET", (session, argument) -> ((Session) session).rset(argument));
        table.put("NOOP", (session, argument) -> ((Session) session).noop(argument));
        table.put("QUIT", (session, argument) -> ((Session) session).quit(argument));
        table.put("HELP", (session, argument) -> ((Session) session).help(argument));
        table.put("VRFY", (session, argument) -> ((Session) session).vrfy(argument));
        table.put("EXPN", (session, argument) -> ((Session) session).expn(argument));
        return java.util.Collections.unmodifiableMap(table);
    }
}
