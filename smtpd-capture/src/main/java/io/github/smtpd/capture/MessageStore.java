package io.github.smtpd.capture;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

import io.github.smtpd.Message;
import io.github.smtpd.capture.mime.MailParser;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;

/**
 * The captured messages: a bounded store, newest first, kept in an H2 MVStore file so that memory stays bounded
 * whatever the messages' sizes (the store's page cache is, the content is on disk). A {@linkplain #open persistent}
 * store survives restarts; a {@linkplain #temporary temporary} one is a file deleted when the store closes.
 *
 * <p>When a limit is passed the oldest messages are deleted. Thread-safe: writes are serialized, reads are not.
 */
public final class MessageStore implements AutoCloseable {

    private static final int FORMAT = 1;

    /** How much of a message's text a search looks in. */
    private static final int MAX_SEARCH_TEXT = 64 * 1024;

    private final MVStore store;

    private final MVMap<Long, byte[]> summaries;

    private final MVMap<Long, byte[]> contents;

    private final MVMap<Long, String> searchTexts;

    private final Path temporaryFile;

    private final Limits limits;

    private final ReentrantLock writes = new ReentrantLock();

    private final List<CaptureListener> listeners = new CopyOnWriteArrayList<>();

    private long nextId;

    private long unread;

    private long bytes;

    /**
     * How much a store keeps: the oldest messages are deleted past either limit.
     *
     * @param maxMessages the most messages kept
     * @param maxBytes the most bytes of message content kept
     * @param cacheMegabytes the MVStore page cache, the store's bound on memory
     */
    public record Limits(int maxMessages, long maxBytes, int cacheMegabytes) {

        public Limits {
            if (maxMessages < 1) {
                throw new IllegalArgumentException("the most messages kept must be at least 1, was " + maxMessages);
            }
            if (maxBytes < 1) {
                throw new IllegalArgumentException("the most bytes kept must be at least 1, was " + maxBytes);
            }
            if (cacheMegabytes < 1) {
                throw new IllegalArgumentException("the cache must be at least 1 MB, was " + cacheMegabytes);
            }
        }
    }

    private MessageStore(MVStore store, Path temporaryFile, Limits limits) {
        this.store = store;
        this.temporaryFile = temporaryFile;
        this.limits = limits;
        MVMap<String, Integer> meta = store.openMap("smtpd-capture-meta");
        Integer format = meta.putIfAbsent("format", FORMAT);
        if (format != null && format != FORMAT) {
            store.close();
            throw new IllegalStateException("The capture store " + store.getFileStore().getFileName()
                    + " was written in format " + format + ", this version reads format " + FORMAT
                    + ": delete the file or point smtpd.capture.path elsewhere");
        }
        this.summaries = store.openMap("summaries");
        this.contents = store.openMap("contents");
        this.searchTexts = store.openMap("search");
        Long last = summaries.lastKey();
        this.nextId = last != null ? last + 1 : 1;
        for (Iterator<Long> keys = summaries.keyIterator(null); keys.hasNext();) {
            StoredMessage message = decode(summaries.get(keys.next()));
            if (message != null) {
                unread += message.read() ? 0 : 1;
                bytes += message.size();
            }
        }
        prune();
    }

    /**
     * Opens (or creates) a store that survives restarts.
     *
     * @throws IllegalStateException when the file is in use by another process or is not a capture store
     */
    public static MessageStore open(Path file, Limits limits) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return new MessageStore(builder(limits).fileName(file.toString()).open(), null, limits);
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot create the folder of the capture store " + file + ": " + ex, ex);
        }
        catch (MVStoreException ex) {
            throw new IllegalStateException("Cannot open the capture store " + file + " (is another process using it?): "
                    + ex.getMessage(), ex);
        }
    }

    /** A store in a file of {@code directory} that is deleted when the store is closed. */
    public static MessageStore temporary(Path directory, Limits limits) {
        TemporaryStores.removeLeftovers(directory);
        Path file = TemporaryStores.newFile(directory);
        try {
            return new MessageStore(builder(limits).fileName(file.toString()).open(), file, limits);
        }
        catch (MVStoreException ex) {
            throw new IllegalStateException("Cannot create the capture store " + file + ": " + ex.getMessage(), ex);
        }
    }

    private static MVStore.Builder builder(Limits limits) {
        return new MVStore.Builder().cacheSize(limits.cacheMegabytes()).autoCommitBufferSize(1024);
    }

    /** Adds a listener told of every later change. */
    public void addListener(CaptureListener listener) {
        listeners.add(listener);
    }

    public void removeListener(CaptureListener listener) {
        listeners.remove(listener);
    }

    /** Captures a message the server accepted. */
    public StoredMessage add(Message message) throws IOException {
        byte[] content;
        try (InputStream in = message.openContent()) {
            content = in.readAllBytes();
        }
        String peer = message.peer() != null ? message.peer().getAddress().getHostAddress() : "";
        return add(message.id(), peer, message.mailFrom(), message.rcptTos(), content);
    }

    /** Captures a message from its envelope and raw bytes. */
    public StoredMessage add(String serverId, String peer, String mailFrom, List<String> rcptTos, byte[] content) {
        MailParser.Summary summary = MailParser.summarize(content, MAX_SEARCH_TEXT);
        List<EmailAddress> bcc = new ArrayList<>();
        for (String recipient : rcptTos) {
            if (!named(summary.to(), recipient) && !named(summary.cc(), recipient)) {
                bcc.add(new EmailAddress("", recipient));
            }
        }
        StoredMessage added;
        List<Long> pruned;
        writes.lock();
        try {
            long id = nextId++;
            added = new StoredMessage(id, serverId != null ? serverId : "", summary.messageId(), Instant.now(), false,
                    summary.from(), summary.to(), summary.cc(), bcc, summary.replyTo(), summary.subject(),
                    summary.snippet(), content.length, summary.attachments(), peer != null ? peer : "",
                    mailFrom != null ? mailFrom : "", rcptTos);
            contents.put(id, content);
            searchTexts.put(id, summary.searchText());
            summaries.put(id, encode(added));
            unread++;
            bytes += content.length;
            pruned = prune();
        }
        finally {
            writes.unlock();
        }
        for (CaptureListener listener : listeners) {
            listener.added(added);
            if (!pruned.isEmpty()) {
                listener.deleted(pruned);
            }
        }
        return added;
    }

    private static boolean named(List<EmailAddress> addresses, String recipient) {
        for (EmailAddress address : addresses) {
            if (address.address().equalsIgnoreCase(recipient)) {
                return true;
            }
        }
        return false;
    }

    /** Deletes the oldest messages past the limits; called with the write lock held. */
    private List<Long> prune() {
        List<Long> pruned = new ArrayList<>();
        while (summaries.sizeAsLong() > limits.maxMessages() || (bytes > limits.maxBytes() && summaries.size() > 1)) {
            Long oldest = summaries.firstKey();
            if (oldest == null) {
                break;
            }
            remove(oldest);
            pruned.add(oldest);
        }
        return pruned;
    }

    private boolean remove(long id) {
        byte[] encoded = summaries.remove(id);
        contents.remove(id);
        searchTexts.remove(id);
        StoredMessage removed = decode(encoded);
        if (removed == null) {
            return false;
        }
        bytes -= removed.size();
        unread -= removed.read() ? 0 : 1;
        return true;
    }

    /** One page of the messages matching {@code query}, newest first. */
    public Page search(SearchQuery query, int start, int limit) {
        if (start < 0 || limit < 0) {
            throw new IllegalArgumentException("start and limit must not be negative");
        }
        List<StoredMessage> page = new ArrayList<>();
        long matched = 0;
        long matchedUnread = 0;
        Iterator<Long> keys = summaries.keyIteratorReverse(null);
        if (query.isAll()) {
            long skipped = 0;
            while (keys.hasNext() && page.size() < limit) {
                Long id = keys.next();
                if (skipped++ < start) {
                    continue;
                }
                StoredMessage message = decode(summaries.get(id));
                if (message != null) {
                    page.add(message);
                }
            }
            return new Page(page, summaries.sizeAsLong(), unread, start, summaries.sizeAsLong(), unread);
        }
        while (keys.hasNext()) {
            Long id = keys.next();
            StoredMessage message = decode(summaries.get(id));
            if (message == null || !query.matches(message, () -> searchText(id))) {
                continue;
            }
            if (matched >= start && page.size() < limit) {
                page.add(message);
            }
            matched++;
            matchedUnread += message.read() ? 0 : 1;
        }
        return new Page(page, matched, matchedUnread, start, summaries.sizeAsLong(), unread);
    }

    private String searchText(long id) {
        String text = searchTexts.get(id);
        return text != null ? text : "";
    }

    /**
     * A page of a search.
     *
     * @param messages the messages on this page, newest first
     * @param matched how many messages matched in all
     * @param matchedUnread how many of those are unread
     * @param total messages in the store
     * @param unread unread messages in the store
     */
    public record Page(List<StoredMessage> messages, long matched, long matchedUnread, int start, long total,
            long unread) {
    }

    /** The message's summary. */
    public Optional<StoredMessage> get(long id) {
        return Optional.ofNullable(decode(summaries.get(id)));
    }

    /** The id of the newest message. */
    public Optional<Long> latestId() {
        return Optional.ofNullable(summaries.lastKey());
    }

    /** The message as received, CRLF line ends and all. */
    public Optional<byte[]> content(long id) {
        return Optional.ofNullable(contents.get(id));
    }

    /** Deletes messages; returns how many existed. */
    public int delete(Collection<Long> ids) {
        List<Long> deleted = new ArrayList<>();
        writes.lock();
        try {
            for (Long id : new HashSet<>(ids)) {
                if (remove(id)) {
                    deleted.add(id);
                }
            }
        }
        finally {
            writes.unlock();
        }
        if (!deleted.isEmpty()) {
            listeners.forEach((listener) -> listener.deleted(deleted));
        }
        return deleted.size();
    }

    /** Deletes the messages that match. */
    public int delete(SearchQuery query) {
        if (query.isAll()) {
            return clear();
        }
        return delete(ids(query));
    }

    /** Deletes every message; returns how many there were. */
    public int clear() {
        int count;
        writes.lock();
        try {
            count = summaries.size();
            summaries.clear();
            contents.clear();
            searchTexts.clear();
            unread = 0;
            bytes = 0;
        }
        finally {
            writes.unlock();
        }
        listeners.forEach(CaptureListener::cleared);
        return count;
    }

    /** Marks messages read or unread; returns how many changed. */
    public int markRead(Collection<Long> ids, boolean read) {
        List<Long> changed = new ArrayList<>();
        writes.lock();
        try {
            for (Long id : new HashSet<>(ids)) {
                StoredMessage message = decode(summaries.get(id));
                if (message != null && message.read() != read) {
                    summaries.put(id, encode(message.withRead(read)));
                    unread += read ? -1 : 1;
                    changed.add(id);
                }
            }
        }
        finally {
            writes.unlock();
        }
        if (!changed.isEmpty()) {
            listeners.forEach((listener) -> listener.markedRead(changed, read));
        }
        return changed.size();
    }

    /** Marks the messages that match read or unread. */
    public int markRead(SearchQuery query, boolean read) {
        return markRead(ids(query), read);
    }

    private List<Long> ids(SearchQuery query) {
        List<Long> ids = new ArrayList<>();
        for (Iterator<Long> keys = summaries.keyIterator(null); keys.hasNext();) {
            Long id = keys.next();
            StoredMessage message = decode(summaries.get(id));
            if (message != null && query.matches(message, () -> searchText(id))) {
                ids.add(id);
            }
        }
        return ids;
    }

    public long count() {
        return summaries.sizeAsLong();
    }

    public long unread() {
        writes.lock();
        try {
            return unread;
        }
        finally {
            writes.unlock();
        }
    }

    /** Bytes of message content kept. */
    public long bytes() {
        writes.lock();
        try {
            return bytes;
        }
        finally {
            writes.unlock();
        }
    }

    /** The size of the store's file. */
    public long fileSize() {
        Path file = Path.of(store.getFileStore().getFileName());
        try {
            return Files.size(file);
        }
        catch (IOException ex) {
            return 0;
        }
    }

    /** Where the store keeps its file. */
    public String fileName() {
        return store.getFileStore().getFileName();
    }

    public Limits limits() {
        return limits;
    }

    /** Whether the store survives a restart. */
    public boolean isPersistent() {
        return temporaryFile == null;
    }

    @Override
    public void close() {
        writes.lock();
        try {
            if (!store.isClosed()) {
                store.close();
            }
        }
        finally {
            writes.unlock();
        }
        if (temporaryFile != null) {
            try {
                Files.deleteIfExists(temporaryFile);
            }
            catch (IOException ex) {
                // Removed by the next start's clean-up (TemporaryStores.removeLeftovers).
            }
        }
    }

    @Override
    public String toString() {
        return "MessageStore[" + fileName() + (isPersistent() ? "" : ", temporary") + ", " + count() + " messages]";
    }

    static byte[] encode(StoredMessage message) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(message.id());
            writeString(out, message.serverId());
            writeString(out, message.messageId());
            out.writeLong(message.created().getEpochSecond());
            out.writeInt(message.created().getNano());
            out.writeBoolean(message.read());
            writeAddress(out, message.from());
            writeAddresses(out, message.to());
            writeAddresses(out, message.cc());
            writeAddresses(out, message.bcc());
            writeAddresses(out, message.replyTo());
            writeString(out, message.subject());
            writeString(out, message.snippet());
            out.writeLong(message.size());
            out.writeInt(message.attachments());
            writeString(out, message.peer());
            writeString(out, message.mailFrom());
            out.writeInt(message.rcptTos().size());
            for (String recipient : message.rcptTos()) {
                writeString(out, recipient);
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return bytes.toByteArray();
    }

    static StoredMessage decode(byte[] encoded) {
        if (encoded == null) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
            long id = in.readLong();
            String serverId = readString(in);
            String messageId = readString(in);
            Instant created = Instant.ofEpochSecond(in.readLong(), in.readInt());
            boolean read = in.readBoolean();
            EmailAddress from = readAddress(in);
            List<EmailAddress> to = readAddresses(in);
            List<EmailAddress> cc = readAddresses(in);
            List<EmailAddress> bcc = readAddresses(in);
            List<EmailAddress> replyTo = readAddresses(in);
            String subject = readString(in);
            String snippet = readString(in);
            long size = in.readLong();
            int attachments = in.readInt();
            String peer = readString(in);
            String mailFrom = readString(in);
            int count = in.readInt();
            List<String> rcptTos = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                rcptTos.add(readString(in));
            }
            return new StoredMessage(id, serverId, messageId, created, read, from, to, cc, bcc, replyTo, subject,
                    snippet, size, attachments, peer, mailFrom, rcptTos);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = (value != null ? value : "").getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static String readString(DataInputStream in) throws IOException {
        byte[] utf8 = new byte[in.readInt()];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private static void writeAddress(DataOutputStream out, EmailAddress address) throws IOException {
        writeString(out, address.name());
        writeString(out, address.address());
    }

    private static EmailAddress readAddress(DataInputStream in) throws IOException {
        return new EmailAddress(readString(in), readString(in));
    }

    private static void writeAddresses(DataOutputStream out, List<EmailAddress> addresses) throws IOException {
        out.writeInt(addresses.size());
        for (EmailAddress address : addresses) {
            writeAddress(out, address);
        }
    }

    private static List<EmailAddress> readAddresses(DataInputStream in) throws IOException {
        int count = in.readInt();
        List<EmailAddress> addresses = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            addresses.add(readAddress(in));
        }
        return addresses;
    }

}
