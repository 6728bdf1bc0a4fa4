package io.github.smtpd.internal;

import java.util.LinkedHashMap;
import java.util.Map;

import io.github.smtpd.Protocol;
import io.github.smtpd.SmtpCommand;

/**
 * The command table of smtpd's {@code SMTPChannel}: one row per {@code smtp_<COMMAND>} method, with the
 * command's syntax, from which HELP and the {@code 501 Syntax:} replies are written. To add a built-in command,
 * add a method to {@link Session} (or to {@link EnvelopeCommands} or {@link MessageIntake}, for the transaction's
 * commands) and a row here.
 */
public final class BuiltinCommands {

    /**
     * One built-in command: its verb, what runs it, and its syntax, from which both HELP and the command's own
     * {@code 501 Syntax:} reply are written.
     */
    private record Row(String verb, SmtpCommand command, String syntax) {
    }

    /** Every built-in in the order HELP lists them: smtpd's own first, then what this server adds. */
    private static final java.util.List<Row> ROWS = java.util.List.of(
            new Row("EHLO", connection(ConnectionCommands::ehlo), "EHLO hostname"),
            new Row("HELO", connection(ConnectionCommands::helo), "HELO hostname"),
            new Row("LHLO", connection(ConnectionCommands::ehlo), "LHLO hostname"),
            new Row("MAIL", (session, argument) -> ((Session) session).envelopeCommands().mail(argument),
                    "MAIL FROM: <address>"),
            new Row("RCPT", (session, argument) -> ((Session) session).envelopeCommands().rcpt(argument),
                    "RCPT TO: <address>"),
            new Row("DATA", (session, argument) -> ((Session) session).intake().data(argument), "DATA"),
            new Row("RSET", connection(ConnectionCommands::rset), "RSET"),
            new Row("NOOP", connection(ConnectionCommands::noop), "NOOP"),
            new Row("QUIT", connection(ConnectionCommands::quit), "QUIT"),
            new Row("VRFY", connection(ConnectionCommands::vrfy), "VRFY <address>"),
            new Row("BDAT", (session, argument) -> ((Session) session).intake().bdat(argument),
                    "BDAT chunk-size [LAST]"),
            new Row("EXPN", connection(ConnectionCommands::expn), "EXPN <list>"),
            new Row("HELP", connection(ConnectionCommands::help), "HELP [command]"),
            new Row("STARTTLS", (session, argument) -> ((Session) session).connectionCommands().starttls(argument),
                    "STARTTLS"),
            new Row("AUTH", (session, argument) -> ((Session) session).auth(argument),
                    "AUTH mechanism [initial-response]"));

    // After ROWS: static fields are set in the order they are written.
    private static final Map<String, SmtpCommand> SMTP = build(Protocol.SMTP);

    private static final Map<String, SmtpCommand> LMTP = build(Protocol.LMTP);

    private BuiltinCommands() {
    }

    /** The built-in commands that never wait for the client or block: the event loop runs them itself. */
    private static final java.util.Set<String> NON_BLOCKING = java.util.Set.of("HELO", "EHLO", "LHLO", "MAIL", "RCPT",
            "DATA", "BDAT", "RSET", "NOOP", "QUIT", "HELP", "VRFY", "EXPN", "STARTTLS", "AUTH");

    /**
     * Whether an event loop may run {@code command} for {@code verb}: a built-in that needs no blocking. DATA
     * and BDAT qualify because the loop reads their content, STARTTLS because the loop drives its handshake
     * ({@link TlsTransport}), AUTH because its exchange waits for the client's lines as commands do and its
     * authenticator runs on the executor ({@link Auth}); a command an application added or replaced may do anything.
     */
    static boolean runsOnEventLoop(Protocol protocol, String verb, SmtpCommand command) {
        return NON_BLOCKING.contains(verb) && table(protocol).get(verb) == command;
    }

    public static Map<String, SmtpCommand> table(Protocol protocol) {
        return protocol == Protocol.LMTP ? LMTP : SMTP;
    }

    private static SmtpCommand connection(java.util.function.BiConsumer<ConnectionCommands, String> command) {
        return (session, argument) -> command.accept(((Session) session).connectionCommands(), argument);
    }

    private static Map<String, SmtpCommand> build(Protocol protocol) {
        Map<String, SmtpCommand> table = new LinkedHashMap<>();
        for (Row row : ROWS) {
            // RFC 2033 4.1: LHLO replaces HELO and EHLO, which an LMTP server must not accept.
            boolean hello = row.verb().equals("HELO") || row.verb().equals("EHLO");
            if (protocol == Protocol.LMTP ? !hello : !row.verb().equals("LHLO")) {
                table.put(row.verb(), row.command());
            }
        }
        return java.util.Collections.unmodifiableMap(table);
    }

    /** The built-in verbs of {@code protocol}, in the order HELP lists them. */
    static java.util.List<String> verbs(Protocol protocol) {
        return java.util.List.copyOf(table(protocol).keySet());
    }

    /** The syntax of a built-in command, e.g. {@code VRFY <address>}, or {@code null} for one that is not. */
    static String syntax(String verb) {
        for (Row row : ROWS) {
            if (row.verb().equals(verb)) {
                return row.syntax();
            }
        }
        return null;
    }

    /** The {@code 501} reply to a built-in command given with the wrong arguments. */
    static io.github.smtpd.Reply syntaxError(String verb) {
        return io.github.smtpd.Reply.of(501, "5.5.4", "Syntax: " + syntax(verb));
    }
}
