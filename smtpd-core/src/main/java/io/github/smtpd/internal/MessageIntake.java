package io.github.smtpd.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.github.smtpd.Message;
import io.github.smtpd.AsyncSmtpHandler;
import io.github.smtpd.Reply;
import io.github.smtpd.SessionState;
import io.github.smtpd.SmtpHandler;
import io.github.smtpd.ServerSettings;
import io.github.smtpd.SmtpServerListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The message intake of one {@link Session}: DATA and BDAT read the content into a {@link ContentBuffer}, refuse
 * it or hand it to the processor as a {@link Message}, and end the transaction. Runs on the session's thread, or
 * on its event loop, which feeds DATA's content and BDAT's chunks as they arrive.
 */
final class MessageIntake {

    /** The session's logger: message log lines keep the name operators and tests filter by. */
    private static final Logger logger = LoggerFactory.getLogger(Session.class);

    private static final AtomicLong messageIds = new AtomicLong();

    /** The largest message buffer a session keeps between messages. */
    private static final int KEPT_BUFFER_LIMIT = 64 * 1024;

    private final Session session;

    private final Envelope envelope;

    private final ServerSettings settings;

    private final SmtpHandler handler;

    private final SmtpServerListener listener;

    private byte[] dataMemory = new byte[0];

    MessageIntake(Session session) {
        this.session = session;
        this.envelope = session.envelope;
        this.settings = session.settings();
        this.handler = session.handler;
        this.listener = session.listener;
    }

    void data(String argument) throws IOException {
        if (session.heloName() == null) {
            session.reply(Reply.of(503, "5.5.1", "Error: send HELO first"));
            return;
        }
        if (envelope.chunking) {
            session.reply(Reply.of(503, "5.5.1", "Error: DATA after BDAT in one transaction"));
            return;
        }
        if (envelope.rcptTos().isEmpty()) {
            session.reply(Reply.of(503, "5.5.1", "Error: need RCPT command"));
            return;
        }
        if (argument != null) {
            session.reply(BuiltinCommands.syntaxError("DATA"));
            return;
        }
        if (envelope.binaryMime) {
            session.reply(Reply.of(503, "5.5.1", "Error: BODY=BINARYMIME requires BDAT"));
            return;
        }
        session.reply(Replies.START_DATA);
        session.setState(SessionState.DATA);
        session.timeouts().setTimeout(settings.dataTimeout());
        // The loop feeds the content as it comes, then calls received() and complete().
        receiving = newContentBuffer();
        session.input().startData(receiving, settings.maxDataLineLength());
    }

    /** The message an event loop is reading, or {@code null}. */
    private ContentBuffer receiving;

    /** Whether an event loop is reading message content: DATA's or a BDAT chunk. */
    boolean isReceiving() {
        return receiving != null || chunk != null;
    }

    /** The loop read the end of data: the content is complete. */
    ContentBuffer received() throws IOException {
        ContentBuffer content = receiving;
        receiving = null;
        try {
            finish(content);
        }
        finally {
            afterData(content);
        }
        return content;
    }

    /** Ends the content of a message; if that fails, the message and its transaction are dropped. */
    private void finish(ContentBuffer content) throws IOException {
        try {
            content.finish();
        }
        catch (IOException | RuntimeException ex) {
            content.release();
            session.abortTransaction();
            throw ex;
        }
    }

    /** The session ended in the middle of DATA or of a BDAT chunk. */
    void abandon() {
        ContentBuffer content = receiving;
        if (content != null) {
            receiving = null;
            content.release();
            afterData(content);
        }
        if (chunk != null) {
            chunk = null;
            // The message's chunks so far go with it.
            ContentBuffer chunks = envelope.takeChunks();
            if (chunks != null) {
                chunks.release();
            }
            session.setState(SessionState.COMMAND);
            session.timeouts().setTimeout(settings.idleTimeout());
        }
    }

    private void afterData(ContentBuffer content) {
        session.setState(SessionState.COMMAND);
        dataMemory = keepable(content.memory());
        session.timeouts().setTimeout(settings.idleTimeout());
    }

    /**
     * Refuses the received message or hands it to the processor, then ends the transaction.
     *
     * @return false when the session waits for a deferred hook's answer (see {@link Suspension#await}), which
     *         replies and ends the transaction
     */
    boolean complete(ContentBuffer content, int flags) {
        boolean ours = true;
        try {
            Reply unstored = unstored(content);
            if (unstored != null) {
                refuse(content, unstored);
                return true;
            }
            if ((flags & SmtpInput.LONG_LINE) != 0) {
                refuse(content, Reply.of(554, "5.6.0", "Error: message line longer than "
                        + settings.maxDataLineLength() + " characters"));
                return true;
            }
            if ((flags & SmtpInput.BARE_LINE_ENDING) != 0
                    && settings.lineEndingPolicy() == io.github.smtpd.LineEndingPolicy.REJECT) {
                refuse(content, Reply.of(550, "5.6.0", "Error: bare CR or LF in message data; end lines with CRLF"));
                return true;
            }
            ours = deliver(content);
        }
        finally {
            if (ours) {
                endMessage(content);
            }
        }
        return !session.suspension().isSuspended();
    }

    private void endMessage(ContentBuffer content) {
        content.release();
        session.abortTransaction();
    }

    /** RFC 3030: {@code BDAT <size> [LAST]}; the chunk is read even when it is refused, to stay in step. */
    void bdat(String argument) throws IOException {
        String[] parts = argument == null ? new String[0] : argument.split(" +");
        boolean last = parts.length == 2 && Ascii.equalsIgnoreCase(parts[1], "LAST");
        boolean sized = parts.length >= 1 && parts[0].matches("\\d{1,18}");
        if (!sized) {
            // Without a size the chunk can not be skipped, and its bytes must never be read as commands.
            session.reply(BuiltinCommands.syntaxError("BDAT"));
            session.ended("error");
            session.close();
            return;
        }
        long size = Long.parseLong(parts[0]);
        if (parts.length > 2 || (parts.length == 2 && !last)) {
            readChunk(new Chunk(size, false, null, BuiltinCommands.syntaxError("BDAT")));
            return;
        }
        Reply refusal = null;
        if (session.heloName() == null) {
            refusal = Reply.of(503, "5.5.1", "Error: send HELO first");
        }
        else if (envelope.rcptTos().isEmpty()) {
            refusal = Reply.of(503, "5.5.1", "Error: need RCPT command");
        }
        if (refusal != null) {
            readChunk(new Chunk(size, false, null, refusal));
            return;
        }
        envelope.chunking = true;
        if (envelope.chunks == null) {
            envelope.chunks = newContentBuffer();
            boolean checked = settings.lineEndingPolicy() == io.github.smtpd.LineEndingPolicy.REJECT
                    || settings.maxDataLineLength() > 0;
            envelope.chunkLines = checked && !envelope.binaryMime
                    ? new LineCheck(envelope.chunks, settings.maxDataLineLength())
                    : null;
        }
        readChunk(new Chunk(size, last, envelope.chunks, null));
    }

    /**
     * One BDAT chunk: its size, whether it ends the message, where its bytes go ({@code null}: nowhere), and the
     * refusal to answer once it is read, if any.
     */
    private record Chunk(long size, boolean last, ContentBuffer content, Reply refusal) {
    }

    private static final SmtpInput.DataSink DISCARD = (bytes, offset, length) -> {
    };

    /** The chunk an event loop is reading, or {@code null}. */
    private Chunk chunk;

    private void readChunk(Chunk next) throws IOException {
        session.setState(SessionState.DATA);
        session.timeouts().setTimeout(settings.dataTimeout());
        SmtpInput.DataSink sink = next.content() == null ? DISCARD
                : envelope.chunkLines != null ? envelope.chunkLines : next.content();
        chunk = next;
        // The loop feeds the chunk as it comes, then calls chunkRead().
        session.input().startChunk(next.size(), sink);
    }

    /** What the line check saw in the message whose last chunk {@link #chunkRead()} returned, for complete(). */
    private int chunkFlags;

    int chunkFlags() {
        return chunkFlags;
    }

    /** Whether an event loop is reading a BDAT chunk. */
    boolean isReadingChunk() {
        return chunk != null;
    }

    /**
     * The chunk has been read: answers it, unless it ended the message.
     *
     * @return the message, complete, when this was its LAST chunk (to {@link #complete}); otherwise {@code null}
     */
    ContentBuffer chunkRead() throws IOException {
        Chunk done = chunk;
        chunk = null;
        session.setState(SessionState.COMMAND);
        session.timeouts().setTimeout(settings.idleTimeout());
        if (done.refusal() != null) {
            session.reply(done.refusal());
            return null;
        }
        ContentBuffer content = done.content();
        if (!done.last()) {
            if (content.isOverflowed()) {
                // Refuse early, but keep the transaction: the client may still send chunks up to LAST.
                session.reply(Reply.of(552, "5.3.4", "Error: Too much mail data"));
            }
            else {
                session.reply(Reply.of(250, "2.0.0", done.size() + " octets received"));
            }
            return null;
        }
        chunkFlags = envelope.chunkLines != null ? envelope.chunkLines.flags() : 0;
        envelope.takeChunks();
        finish(content);
        dataMemory = keepable(content.memory());
        return content;
    }

    /** @return whether the caller ends the message (releases it and the transaction), or a deferred hook does */
    private boolean deliver(ContentBuffer content) {
        if (settings.decodeData() && !isUtf8(content)) {
            refuse(content, Reply.of(554, "5.6.0", "Error: message content is not valid UTF-8"));
            return true;
        }
        String messageId = session.id() + "." + Long.toString(messageIds.incrementAndGet(), 36);
        io.github.smtpd.MessageContent delivered = content;
        if (settings.receivedHeader()) {
            delivered = new PrefixedContent(
                    ReceivedHeader.build(session, messageId, envelope.rcptTos(), envelope.requireSmtpUtf8), content);
        }
        Message message = new Message(messageId, session, session.peer(), session.heloName(), envelope.mailFrom,
                envelope.rcptTos(), envelope.mailOptions, envelope.rcptOptions(), envelope.perRecipientOptions,
                delivered, settings.decodeData(), settings.remoteAddress(), Instant.now());
        long start = System.nanoTime();
        if (handler instanceof AsyncSmtpHandler hooks) {
            java.util.concurrent.CompletionStage<Reply> answer =
                    Suspension.started(() -> hooks.onDataAsync(message, session.work()));
            session.suspension().await(answer, (reply, failure) -> {
                try {
                    delivered(message, start, reply, failure);
                }
                finally {
                    endMessage(content);
                }
            });
            return false;
        }
        Reply reply;
        Throwable failure = null;
        try {
            reply = handler.onData(message);
        }
        catch (Exception | LinkageError ex) {
            reply = null;
            failure = ex;
        }
        delivered(message, start, reply, failure);
        return true;
    }

    /**
     * Replies to a message its processor answered, or failed on, and tells the log and the listener: those also
     * when the reply can not go out (the client hung up meanwhile), since the processor has acted on it.
     */
    private void delivered(Message message, long start, Reply answer, Throwable failure) {
        Reply reply = answer != null ? answer : Replies.OK;
        boolean failed = failure != null;
        if (failed) {
            logger.warn("Message {} from {} was not accepted: the message processor failed", message.id(),
                    session.peer(), failure);
            reply = Replies.localError();
        }
        // SMTP's one reply needs no list: this runs for every message.
        List<Reply> replies = List.of(reply);
        Reply overall = reply;
        if (settings.protocol() == io.github.smtpd.Protocol.LMTP) {
            replies = new ArrayList<>();
            // RFC 2033 4.2: one reply per accepted recipient, in RCPT order.
            overall = null;
            for (int i = 0; i < message.rcptTos().size(); i++) {
                Reply own = failed ? null : message.recipientReply(i);
                Reply recipientReply = own != null ? own : reply;
                replies.add(recipientReply);
                if (overall == null || (overall.isPositive() && !recipientReply.isPositive())) {
                    overall = recipientReply;
                }
            }
        }
        try {
            for (int i = 0; i < replies.size(); i++) {
                session.reply(replies.get(i));
            }
        }
        finally {
            // The same words as the metrics' outcome tag: a 4xx means the client keeps the message and retries.
            if (logger.isInfoEnabled()) {
                logger.info("Message {} from {} {} to {} recipient(s), {} bytes: {} ({})", message.id(),
                        session.peer().getAddress().getHostAddress(), loggedPath(message.mailFrom()),
                        message.rcptTos().size(), message.size(), failed || overall.isTransientFailure() ? "failed"
                                : overall.isPositive() ? "accepted" : "rejected",
                        overall);
            }
            listener.messageCompleted(session, message, overall, Duration.ofNanos(System.nanoTime() - start));
        }
    }

    /** A reverse path for the log: in angle brackets once (the null path is {@code <>} already), and sanitized. */
    static String loggedPath(String path) {
        if (path == null) {
            return "-";
        }
        return MailPath.NULL_PATH.equals(path) ? path : "<" + Reply.sanitize(path) + ">";
    }

    /** Refuses a message whose data was received, before any processor sees it, and says so in the log. */
    private void refuse(ContentBuffer content, Reply reply) {
        replyAfterData(reply);
        if (logger.isInfoEnabled()) {
            logger.info("Message from {} {} to {} recipient(s), {} bytes: refused ({})",
                    session.peer().getAddress().getHostAddress(), loggedPath(envelope.mailFrom),
                    envelope.rcptTos().size(), content.size(), reply);
        }
        listener.messageRefused(session, content.size(), reply);
    }

    /** A reply to the end of data for the whole message: in LMTP, once per recipient. */
    private void replyAfterData(Reply reply) {
        int count = settings.protocol() == io.github.smtpd.Protocol.LMTP ? envelope.rcptTos().size() : 1;
        for (int i = 0; i < count; i++) {
            session.reply(reply);
        }
    }

    /** Why the content could not be kept whole (too large, or the spool failed), or {@code null}. */
    private static Reply unstored(ContentBuffer content) {
        if (content.isOverflowed()) {
            return Reply.of(552, "5.3.4", "Error: Too much mail data");
        }
        return content.isStorageFailed() ? Replies.noStorage() : null;
    }

    /** Checks the content chunk by chunk: a spilled message is never read into memory whole. */
    private static boolean isUtf8(ContentBuffer content) {
        java.nio.charset.CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer bytes = ByteBuffer.allocate(8192);
        java.nio.CharBuffer chars = java.nio.CharBuffer.allocate(8192);
        try (var in = content.open()) {
            int read;
            while ((read = in.read(bytes.array(), bytes.position(), bytes.remaining())) >= 0) {
                bytes.position(bytes.position() + read).flip();
                if (isMalformed(decoder, bytes, chars, false)) {
                    return false;
                }
                // Keeps the bytes of a character cut by the chunk's end for the next round.
                bytes.compact();
            }
            bytes.flip();
            return !isMalformed(decoder, bytes, chars, true) && !decoder.flush(chars).isError();
        }
        catch (IOException ex) {
            return false;
        }
    }

    private static boolean isMalformed(java.nio.charset.CharsetDecoder decoder, ByteBuffer bytes,
            java.nio.CharBuffer chars, boolean endOfInput) {
        while (true) {
            java.nio.charset.CoderResult result = decoder.decode(bytes, chars, endOfInput);
            if (result.isError()) {
                return true;
            }
            if (!result.isOverflow()) {
                return false;
            }
            chars.clear();
        }
    }

    /**
     * The buffer to keep for the next message: a small one saves allocations for a busy connection, a large one
     * would hold up to the spool threshold per idle session.
     */
    private static byte[] keepable(byte[] memory) {
        return memory.length <= KEPT_BUFFER_LIMIT ? memory : new byte[0];
    }

    /** The memory block kept between messages, for the loop's pool once the session ended; dropped here. */
    byte[] takeMemory() {
        byte[] memory = dataMemory;
        dataMemory = new byte[0];
        return memory;
    }

    private ContentBuffer newContentBuffer() {
        if (dataMemory.length == 0 && session.loop().inLoop()) {
            dataMemory = session.loop().takeMessageBuffer();
        }
        return new ContentBuffer(settings.dataSizeLimit(), settings.spoolThreshold(), settings.spoolDirectory(),
                dataMemory);
    }
}
