package io.github.smtpd.internal;

import java.io.IOException;
import java.util.Map;

import io.github.smtpd.Reply;
import io.github.smtpd.SmtpCommand;
import io.github.smtpd.ServerSettings;

/**
 * Runs one command line through a session's command table, on its loop or (a command of the application's) on
 * the executor, and counts the reply: each command's event, and the errors that end a session that earns too many.
 */
final class Dispatcher {

    private final Session session;

    private final ServerSettings settings;

    private final Map<String, SmtpCommand> commands;

    private int errors;

    Dispatcher(Session session, ServerSettings settings) {
        this.session = session;
        this.settings = settings;
        this.commands = settings.commands();
    }

    /** @return false when the session waits (a deferred answer, a handshake, a command on the executor) */
    boolean dispatch(int length) throws IOException {
        SmtpInput input = session.input();
        // A whole line arrived: the next one has a deadline of its own.
        input.endRecord();
        session.output().forgetLastReply();
        Auth exchange = session.pendingAuth();
        String verb;
        if (exchange != null) {
            verb = "AUTH";
            exchange.line(input, length);
        }
        else {
            CommandLines.Line line = CommandLines.parse(input.lineBytes(), length, settings, session.isExtended());
            verb = line.verb();
            String argument = line.argument();
            SmtpCommand command = line.error() == null ? commands.get(verb) : null;
            if (command == null) {
                session.reply(line.error() != null ? line.error()
                        : Reply.of(500, "5.5.2", "Error: command \"" + Reply.sanitize(verb) + "\" not recognized"));
                finished("UNKNOWN");
                return true;
            }
            if (!BuiltinCommands.runsOnEventLoop(settings.protocol(), verb, command)) {
                // A command the application added or replaced may block: it runs on the executor, the session
                // away from its loop as for a message, and the loop goes on with it afterwards.
                return !session.driver().runOffLoop(verb, () -> command.execute(session, argument));
            }
            command.execute(session, argument);
        }
        return afterCommand(verb);
    }

    /**
     * Goes on from what the command left the session doing.
     *
     * @return false when the session waits (for a deferred answer, or in a TLS handshake) rather than reads on
     */
    boolean afterCommand(String verb) throws IOException {
        if (session.pendingAuth() != null) {
            // AUTH sent a challenge: the client's next line answers it; the command counts once it is answered.
            return true;
        }
        if (session.suspension().isSuspended()) {
            session.suspension().waitingVerb(verb);
            return false;
        }
        if (session.tlsSwitch().isHandshaking()) {
            // STARTTLS: the loop goes on with the handshake; the 220 was the command's reply.
            finished(verb);
            session.tlsSwitch().continueHandshake();
            return false;
        }
        if (!session.intake().isReceiving()) {
            // A DATA the loop goes on reading is finished once its message has been processed.
            finished(verb);
        }
        return true;
    }

    /** Reports a command's reply to the listeners; a 5xx counts as an error of the client. */
    void finished(String verb) {
        Reply reply = session.output().lastReply();
        if (reply != null) {
            if (reply.code() >= 500) {
                errors++;
            }
            session.listener.commandCompleted(session, verb, reply);
        }
    }

    /** Says goodbye to a client that made too many errors. */
    boolean tooManyErrors() {
        if (errors > settings.maxBadCommands()) {
            session.ended("too-many-errors");
            session.reply(Reply.of(421, "4.7.0", settings.hostName() + " Error: too many errors"));
            return true;
        }
        return false;
    }
}
