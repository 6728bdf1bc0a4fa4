package io.github.smtpd;

import java.util.Set;

import io.github.smtpd.internal.BuiltinCommands;

/** The built-in commands, so a replacement can wrap the original. */
public final class SmtpCommands {

    private SmtpCommands() {
    }

    /**
     * The built-in handler of a verb, e.g. {@code builtin("VRFY")}.
     *
     * @throws IllegalArgumentException when the verb is not built in
     */
    public static SmtpCommand builtin(String verb) {
        SmtpCommand command = BuiltinCommands.table(Protocol.SMTP).get(io.github.smtpd.internal.Ascii.upper(verb));
        if (command == null) {
            command = BuiltinCommands.table(Protocol.LMTP).get(io.github.smtpd.internal.Ascii.upper(verb));
        }
        if (command == null) {
            throw new IllegalArgumentException("No built-in command " + verb + "; built in are " + verbs());
        }
        return command;
    }

    /** The verbs built in: smtpd's HELO, EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, HELP, VRFY and EXPN, plus BDAT (and LHLO in LMTP). */
    public static Set<String> verbs() {
        return BuiltinCommands.table(Protocol.SMTP).keySet();
    }
}
