package io.github.smtpd.relay;

import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntSupplier;

import io.github.smtpd.Reply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static io.github.smtpd.relay.Exchanges.failed;

/**
 * A transaction's message on its way upstream: one {@code BDAT LAST} when it is small and the SMTP upstream offers
 * CHUNKING, otherwise DATA with the content dot-stuffed as it is read, its line ends repaired either way
 * ({@link DataEncoder}); a binary message in BDAT chunks, byte for byte. Our own content that can not be read
 * drops the connection, so that the upstream discards what it got.
 */
final class MessageTransfer {

    /** The client's logger, so that the relay's log lines keep the name they always had. */
    private static final Logger logger = LoggerFactory.getLogger(UpstreamClient.class);

    /**
     * Messages up to this size go to an upstream that offers CHUNKING as one {@code BDAT LAST} (RFC 3030): one
     * round trip where DATA takes two. Larger ones stream through DATA, so that none is held in memory whole.
     */
    static final int ONE_CHUNK = 64 * 1024;

    /** The size of each BDAT chunk of a binary message but the last. */
    static final int BINARY_CHUNK = 256 * 1024;

    private final UpstreamConnection connection;

    private final Exchanges exchanges;

    private final UpstreamOptions options;

    /** Whether a small message goes as one BDAT: an SMTP upstream that offers CHUNKING. */
    private final boolean oneChunk;

    MessageTransfer(UpstreamConnection connection, Exchanges exchanges, UpstreamOptions options, boolean oneChunk) {
        this.connection = connection;
        this.exchanges = exchanges;
        this.options = options;
        this.oneChunk = oneChunk;
    }

    /**
     * See {@link UpstreamClient#data}.
     *
     * @param expectedReplies how many replies the data gets, asked once the connection is known to be usable
     */
    CompletableFuture<List<Reply>> data(InputStream content, IntSupplier expectedReplies) {
        try {
            connection.usable();
            int expected = expectedReplies.getAsInt();
            byte[] head = new byte[0];
            if (oneChunk) {
                head = readHead(content);
                if (head.length < ONE_CHUNK) {
                    return oneChunk(head).thenApply(List::of);
                }
            }
            byte[] first = head;
            return exchanges.send(Outgoing.lines("DATA"), 1, options.timeout(),
                    (exchanged) -> exchanges.all(exchanged, 1).get(0))
                .thenCompose((go) -> {
                    if (go.code() == 354) {
                        return content(first, content, expected);
                    }
                    if (go.isPositive()) {
                        return failed(connection.broken(new ProtocolException("answered DATA with " + go)));
                    }
                    return CompletableFuture.completedFuture(List.of(go));
                });
        }
        catch (UpstreamException ex) {
            return failed(ex);
        }
    }

    private CompletableFuture<List<Reply>> content(byte[] head, InputStream content, int expected) {
        EncodedContent encoded = new EncodedContent(head, content);
        return exchanges.send(encoded, expected, options.dataTimeout(), (exchanged) -> {
            List<Reply> replies = exchanges.completions(exchanges.all(exchanged, expected));
            logRepairs(encoded.encoder());
            return replies;
        });
    }

    /**
     * See {@link UpstreamClient#binary}.
     *
     * @param expectedReplies how many replies the last chunk gets, asked once the connection is known to be usable
     */
    CompletableFuture<List<Reply>> binary(InputStream content, IntSupplier expectedReplies) {
        try {
            connection.usable();
        }
        catch (UpstreamException ex) {
            return failed(ex);
        }
        return binaryChunk(content, new byte[BINARY_CHUNK], expectedReplies.getAsInt());
    }

    private CompletableFuture<List<Reply>> binaryChunk(InputStream content, byte[] chunk, int expected) {
        int length;
        try {
            length = readChunk(content, chunk);
        }
        catch (UpstreamException ex) {
            return failed(ex);
        }
        boolean last = length < chunk.length;
        byte[] command = ("BDAT " + length + (last ? " LAST" : "") + "\r\n").getBytes(StandardCharsets.US_ASCII);
        int replies = last ? expected : 1;
        // Each chunk's reply may take as long as the data's: the upstream may store or scan it first.
        return exchanges.send(Outgoing.pieces(ByteBuffer.wrap(command), ByteBuffer.wrap(chunk, 0, length)), replies,
                options.dataTimeout(), (exchanged) -> exchanges.completions(exchanges.all(exchanged, replies)))
            .thenCompose((got) -> last || !got.get(0).isPositive() ? CompletableFuture.completedFuture(got)
                    : binaryChunk(content, chunk, expected));
    }

    /** Fills {@code chunk} from the content, short only at its end. */
    private int readChunk(InputStream content, byte[] chunk) throws UpstreamException {
        try {
            return content.readNBytes(chunk, 0, chunk.length);
        }
        catch (IOException ex) {
            throw connection.unreadable(ex);
        }
    }

    private CompletableFuture<Reply> oneChunk(byte[] content) throws UpstreamException {
        ExposedBytes chunk = new ExposedBytes(content.length + 256);
        DataEncoder encoder = DataEncoder.forChunk(chunk);
        try {
            encoder.write(content, 0, content.length);
            encoder.finish();
        }
        catch (IOException ex) {
            // Memory only: it does not fail.
            throw connection.unreadable(ex);
        }
        logRepairs(encoder);
        byte[] command = ("BDAT " + chunk.size() + " LAST\r\n").getBytes(StandardCharsets.US_ASCII);
        // One piece, so that the command and its chunk go in one write; the chunk is copied once, into it.
        byte[] request = Arrays.copyOf(command, command.length + chunk.size());
        chunk.view().get(request, command.length, chunk.size());
        return exchanges.send(Outgoing.of(request), 1, options.dataTimeout(),
                (exchanged) -> exchanges.completion(exchanges.all(exchanged, 1).get(0)));
    }

    private void logRepairs(DataEncoder encoder) {
        if (encoder.repairedLineEnds() > 0) {
            logger.info("Turned {} bare LF or lone CR into CRLF while relaying to {}", encoder.repairedLineEnds(),
                    connection.address());
        }
    }

    /** Up to {@link #ONE_CHUNK} bytes of the content, in memory grown as they come: most messages are small. */
    private byte[] readHead(InputStream content) throws UpstreamException {
        try {
            return content.readNBytes(ONE_CHUNK);
        }
        catch (IOException ex) {
            throw connection.unreadable(ex);
        }
    }
}
