package io.github.smtpd.relay;

import java.io.Closeable;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import io.github.smtpd.HostPort;
import io.github.smtpd.Protocol;
import io.github.smtpd.Reply;
import io.github.smtpd.internal.EventLoop;
import io.github.smtpd.internal.Replies;

import static io.github.smtpd.relay.Exchanges.await;

/**
 * One connection to an upstream SMTP or LMTP server, driven one command at a time: the relay modes open it
 * when a transaction starts and forward MAIL, each RCPT and the data through it, so that the client hears the
 * upstream's own verdict on each.
 *
 * <p>{@link #connect} tries the configured addresses in order, greets with EHLO (HELO when EHLO is refused) or
 * LHLO, upgrades with STARTTLS as configured and authenticates with AUTH PLAIN or LOGIN. Every failure of the
 * connection (refused, timed out, dropped, garbled) becomes an {@link UpstreamException} with a 4xx reply for
 * the client; replies of the upstream itself, 4xx and 5xx included, are returned as they came.
 *
 * <p>Each command also has an asynchronous form, for a session on an event loop ({@link #useLoop}): there a
 * plain-text connection is driven by the loop itself, without a thread.
 *
 * <p>Not thread-safe: one session drives it, one command at a time.
 */
public final class UpstreamClient implements Closeable {

    static final Reply UNAVAILABLE = Reply.of(451, "4.4.1", "Upstream server unavailable, try again later");

    static final Reply LOST = Reply.of(451, "4.4.2", "Upstream connection lost, try again later");

    static final Reply TIMED_OUT = Reply.of(451, "4.4.2", "Upstream server timed out, try again later");

    static final Reply PROTOCOL_ERROR = Reply.of(451, "4.5.0", "Upstream server protocol error, try again later");

    static final Reply LOCAL_ERROR = Replies.localError();

    private final UpstreamOptions options;

    private final UpstreamConnection connection;

    private final Exchanges exchanges;

    private final Map<String, String> extensions;

    private final Greetings greetings;

    private final MessageTransfer transfer;

    private int acceptedRecipients;

    /** A connection that {@link UpstreamConnector} has set up. */
    UpstreamClient(UpstreamOptions options, UpstreamConnection connection, Handshake handshake) {
        this.options = options;
        this.connection = connection;
        this.exchanges = new Exchanges(connection, options);
        this.extensions = handshake.extensions();
        this.greetings = handshake.greetings();
        this.transfer = new MessageTransfer(connection, exchanges, options,
                options.protocol() == Protocol.SMTP && hasExtension("CHUNKING"));
    }

    /**
     * Connects to the first upstream address that works, greets it, and upgrades and authenticates as
     * configured.
     *
     * @param defaultHeloName the name to greet with when the options name none: this server's host name
     * @throws UpstreamException with {@code 451 4.4.1} when no address could be used; its message lists why,
     *         for the log; its cause is why the last address failed (a {@link DeadlineExceededException} when
     *         {@link UpstreamOptions#deadline()} passed) and its {@link UpstreamException#greetings()} what that
     *         address said
     */
    public static UpstreamClient connect(UpstreamOptions options, String defaultHeloName) throws UpstreamException {
        return UpstreamConnector.connect(options, defaultHeloName);
    }

    /**
     * Lets a session that waits on {@code loop} use this connection without blocking the loop; on the loop's
     * thread, once connected. A plain-text connection moves onto the loop, where each exchange costs no thread and
     * no context switch. Over TLS (an {@code SSLSocket} only does blocking I/O) each exchange runs on {@code work}
     * instead and answers on the loop.
     */
    public void useLoop(EventLoop loop, Executor work) {
        connection.useLoop(loop, work);
    }

    // ---- The transaction ----

    /** The address this client is connected to. */
    public HostPort address() {
        return connection.address();
    }

    /** Whether the connection is protected by TLS. */
    public boolean isSecure() {
        return connection.isSecure();
    }

    /** The protocol spoken. */
    public Protocol protocol() {
        return options.protocol();
    }

    /** What the upstream said while the connection was set up: its greeting and its answer to the hello. */
    public Greetings greetings() {
        return greetings;
    }

    /** Whether the upstream offered an extension, e.g. {@code 8BITMIME}; case does not matter. */
    public boolean hasExtension(String keyword) {
        return extensions.containsKey(keyword.toUpperCase(Locale.ROOT));
    }

    /** The EHLO keywords the upstream offered, upper-case, each with its parameters (e.g. SIZE's limit). */
    public Map<String, String> extensions() {
        return extensions;
    }

    /**
     * Sends {@code MAIL FROM}. A reverse path of {@code <>} or empty is the null sender.
     *
     * @param parameters ESMTP parameters such as {@code SIZE=1000}, sent as given
     */
    public Reply mail(String reversePath, List<String> parameters) throws UpstreamException {
        return await(mailAsync(reversePath, parameters));
    }

    /** {@link #mail}, answered later (see {@link #useLoop}). */
    public CompletableFuture<Reply> mailAsync(String reversePath, List<String> parameters) {
        acceptedRecipients = 0;
        return exchanges.transact(mailCommand(reversePath, parameters));
    }

    /** Sends {@code RCPT TO}; a positive reply counts the recipient for LMTP's replies after the data. */
    public Reply rcpt(String forwardPath, List<String> parameters) throws UpstreamException {
        return await(rcptAsync(forwardPath, parameters));
    }

    /** {@link #rcpt}, answered later (see {@link #useLoop}). */
    public CompletableFuture<Reply> rcptAsync(String forwardPath, List<String> parameters) {
        return exchanges.transact(rcptCommand(forwardPath, parameters)).thenApply(this::counted);
    }

    /**
     * Starts a transaction with its first recipient: {@code MAIL FROM} and {@code RCPT TO} in one write when the
     * upstream offers PIPELINING (RFC 2920), which saves a round trip; otherwise one after the other, RCPT only
     * once MAIL was accepted.
     *
     * @return the reply to MAIL alone when the upstream refused it; otherwise the replies to MAIL and to RCPT
     */
    public List<Reply> mailAndRcpt(String reversePath, List<String> mailParameters, String forwardPath,
            List<String> rcptParameters) throws UpstreamException {
        return await(mailAndRcptAsync(reversePath, mailParameters, forwardPath, rcptParameters));
    }

    /** {@link #mailAndRcpt}, answered later (see {@link #useLoop}). */
    public CompletableFuture<List<Reply>> mailAndRcptAsync(String reversePath, List<String> mailParameters,
            String forwardPath, List<String> rcptParameters) {
        if (!hasExtension("PIPELINING")) {
            return mailAsync(reversePath, mailParameters).thenCompose((mail) -> mail.isPositive()
                    ? rcptAsync(forwardPath, rcptParameters).thenApply((rcpt) -> List.of(mail, rcpt))
                    : CompletableFuture.completedFuture(List.of(mail)));
        }
        acceptedRecipients = 0;
        Outgoing both = Outgoing.lines(mailCommand(reversePath, mailParameters),
                rcptCommand(forwardPath, rcptParameters));
        return exchanges.send(both, 2, options.timeout(), (exchanged) -> {
            Reply mail = exchanges.completion(exchanged.replies().isEmpty() ? exchanges.all(exchanged, 2).get(0)
                    : exchanged.replies().get(0));
            if (mail.isPositive()) {
                return List.of(mail, counted(exchanges.completion(exchanges.all(exchanged, 2).get(1))));
            }
            // MAIL was refused, so RCPT fails too: its reply was read to stay in step, but an upstream that hung
            // up after it must not turn the sender's refusal into a lost connection (a 5xx into a 451).
            if (exchanged.failure() != null) {
                connection.broken(exchanged.failure());
            }
            return List.of(mail);
        });
    }

    private static String mailCommand(String reversePath, List<String> parameters) {
        String path = reversePath == null || reversePath.equals("<>") ? "" : reversePath;
        return "MAIL FROM:<" + path + ">" + join(parameters);
    }

    private static String rcptCommand(String forwardPath, List<String> parameters) {
        return "RCPT TO:<" + forwardPath + ">" + join(parameters);
    }

    private Reply counted(Reply rcpt) {
        if (rcpt.isPositive()) {
            acceptedRecipients++;
        }
        return rcpt;
    }

    /**
     * Sends the message: as one {@code BDAT LAST} chunk when it is small and the SMTP upstream offers CHUNKING;
     * otherwise {@code DATA}, then {@code content} dot-stuffed, then the final dot. Either way the content goes
     * as it is (trace headers included), with bare CR and LF turned into CRLF (see {@link DataEncoder}).
     *
     * @return the upstream's refusal of {@code DATA} alone when it refused it; otherwise its reply to the data:
     *         one for SMTP, one per accepted recipient, in order, for LMTP
     * @throws UpstreamException when the connection fails, or the content can not be read (then the
     *         connection is dropped, so the upstream discards the partial message)
     */
    public List<Reply> data(InputStream content) throws UpstreamException {
        return await(dataAsync(content));
    }

    /** {@link #data}, answered later (see {@link #useLoop}); the content is read on the thread that sends it. */
    public CompletableFuture<List<Reply>> dataAsync(InputStream content) {
        return transfer.data(content, this::takeExpectedReplies);
    }

    /** Whether the upstream can take a binary message (BODY=BINARYMIME): it must offer CHUNKING and BINARYMIME. */
    public boolean takesBinary() {
        return hasExtension("CHUNKING") && hasExtension("BINARYMIME");
    }

    /**
     * Sends a binary message (BODY=BINARYMIME, RFC 3030) in BDAT chunks, byte for byte: repairing its line ends
     * would corrupt it, and BDAT has no end marker that a bare line end could fake. Each chunk waits for its
     * reply, and a refused one ends the message (RFC 3030 4.2), so what goes upstream stays bounded.
     *
     * @return the refusal of a chunk before the last, or the replies to the last: one for SMTP, one per accepted
     *         recipient, in order, for LMTP
     * @throws UpstreamException when the connection fails or the content can not be read
     */
    public List<Reply> binary(InputStream content) throws UpstreamException {
        return await(binaryAsync(content));
    }

    /** {@link #binary}, answered later (see {@link #useLoop}). */
    public CompletableFuture<List<Reply>> binaryAsync(InputStream content) {
        return transfer.binary(content, this::takeExpectedReplies);
    }

    /**
     * How many replies the end of this transaction's message gets: one for SMTP, one per accepted recipient for
     * LMTP (RFC 2033 4.2). The count starts again for the next transaction.
     */
    private int takeExpectedReplies() {
        int expected = options.protocol() == Protocol.LMTP ? Math.max(1, acceptedRecipients) : 1;
        acceptedRecipients = 0;
        return expected;
    }

    /** Sends {@code NOOP}: a cheap check that the upstream is still there. */
    public Reply noop() throws UpstreamException {
        return await(noopAsync());
    }

    /** {@link #noop}, answered later (see {@link #useLoop}). */
    public CompletableFuture<Reply> noopAsync() {
        return exchanges.transact("NOOP");
    }

    /** How long since the upstream last answered; it may have timed out the connection meanwhile. */
    public Duration idleTime() {
        return connection.idleTime();
    }

    /** Sends {@code RSET}, ending the transaction but keeping the connection. */
    public Reply rset() throws UpstreamException {
        return await(rsetAsync());
    }

    /** {@link #rset}, answered later (see {@link #useLoop}). */
    public CompletableFuture<Reply> rsetAsync() {
        acceptedRecipients = 0;
        return exchanges.transact("RSET");
    }

    /** Whether the connection has failed or been closed (or its deadline has passed). */
    public boolean isBroken() {
        return connection.isBroken();
    }

    /**
     * Says QUIT (without waiting long for the answer) and closes the connection. On an event loop's thread it
     * does not wait (see {@link #closeAsync}).
     */
    @Override
    public void close() {
        CompletableFuture<Void> closing = closeAsync();
        if (!connection.inLoop()) {
            closing.join();
        }
    }

    /** {@link #close}, done later (see {@link #useLoop}); never fails. */
    public CompletableFuture<Void> closeAsync() {
        return connection.quit();
    }

    private static String join(List<String> parameters) {
        if (parameters == null || parameters.isEmpty()) {
            return "";
        }
        return " " + String.join(" ", parameters);
    }

    @Override
    public String toString() {
        return "UpstreamClient[" + options.protocol() + " " + connection.address()
                + (connection.isSecure() ? ", TLS" : "") + "]";
    }
}
