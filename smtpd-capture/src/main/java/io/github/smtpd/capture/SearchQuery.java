package io.github.smtpd.capture;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * A search in Mailpit's syntax, the part tests and people use: words match the subject, addresses and text;
 * {@code from:}, {@code to:} (To, Cc, Bcc and envelope recipients), {@code subject:}, {@code message-id:},
 * {@code is:read}, {@code is:unread}, {@code has:attachment}, {@code before:YYYY-MM-DD}, {@code after:YYYY-MM-DD};
 * {@code "quoted phrases"}; a leading {@code -} or {@code !} negates a term. Matching ignores case.
 */
public final class SearchQuery {

    private static final SearchQuery ALL = new SearchQuery("", List.of());

    private final String text;

    private final List<Term> terms;

    private SearchQuery(String text, List<Term> terms) {
        this.text = text;
        this.terms = terms;
    }

    /** Every message. */
    public static SearchQuery all() {
        return ALL;
    }

    /**
     * Parses a query; dates are read in {@code zone}.
     *
     * @throws IllegalArgumentException for a date that is not {@code YYYY-MM-DD}
     */
    public static SearchQuery parse(String query, ZoneId zone) {
        if (query == null || query.isBlank()) {
            return ALL;
        }
        List<Term> terms = new ArrayList<>();
        for (String token : tokens(query.trim())) {
            boolean negated = token.length() > 1 && (token.charAt(0) == '-' || token.charAt(0) == '!');
            String body = negated ? token.substring(1) : token;
            terms.add(term(body, negated, zone));
        }
        return new SearchQuery(query.trim(), List.copyOf(terms));
    }

    /** Whether nothing is filtered. */
    public boolean isAll() {
        return terms.isEmpty();
    }

    /**
     * Whether the message matches every term.
     *
     * @param searchText the lower-case text the store keeps for the message, read only when a word needs it
     */
    public boolean matches(StoredMessage message, Supplier<String> searchText) {
        for (Term term : terms) {
            if (term.matches(message, searchText) == term.negated) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return text;
    }

    private static List<String> tokens(String query) {
        List<String> tokens = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < query.length(); i++) {
            char c = query.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            }
            else if (Character.isWhitespace(c) && !quoted) {
                if (current.length() > 0) {
                    tokens.add(current.toString());
                    current.setLength(0);
                }
            }
            else {
                current.append(c);
            }
        }
        if (current.length() > 0) {
            tokens.add(current.toString());
        }
        return tokens;
    }

    private static Term term(String token, boolean negated, ZoneId zone) {
        int colon = token.indexOf(':');
        String key = colon > 0 ? token.substring(0, colon).toLowerCase(Locale.ROOT) : "";
        String value = colon > 0 ? token.substring(colon + 1).toLowerCase(Locale.ROOT) : "";
        switch (key) {
            case "from":
                return new Term(negated, (m, t) -> contains(m.from(), value) || m.mailFrom().toLowerCase(Locale.ROOT)
                    .contains(value));
            case "to":
                return new Term(negated, (m, t) -> m.to().stream().anyMatch((a) -> contains(a, value))
                        || m.cc().stream().anyMatch((a) -> contains(a, value))
                        || m.bcc().stream().anyMatch((a) -> contains(a, value))
                        || m.rcptTos().stream().anyMatch((r) -> r.toLowerCase(Locale.ROOT).contains(value)));
            case "subject":
                return new Term(negated, (m, t) -> m.subject().toLowerCase(Locale.ROOT).contains(value));
            case "message-id":
                return new Term(negated, (m, t) -> m.messageId().toLowerCase(Locale.ROOT).contains(value));
            case "is":
                if (value.equals("read") || value.equals("unread")) {
                    boolean read = value.equals("read");
                    return new Term(negated, (m, t) -> m.read() == read);
                }
                break;
            case "has":
                if (value.startsWith("attachment")) {
                    return new Term(negated, (m, t) -> m.attachments() > 0);
                }
                break;
            case "before":
            case "after":
                Instant day = day(value, zone);
                return key.equals("before") ? new Term(negated, (m, t) -> m.created().isBefore(day))
                        : new Term(negated, (m, t) -> !m.created().isBefore(day));
            default:
                break;
        }
        String word = token.toLowerCase(Locale.ROOT);
        return new Term(negated, (m, t) -> t.get().contains(word) || m.mailFrom().toLowerCase(Locale.ROOT)
            .contains(word) || m.rcptTos().stream().anyMatch((r) -> r.toLowerCase(Locale.ROOT).contains(word)));
    }

    private static Instant day(String value, ZoneId zone) {
        try {
            return LocalDate.parse(value).atStartOfDay(zone).toInstant();
        }
        catch (DateTimeParseException ex) {
            throw new IllegalArgumentException("a date in a search must be YYYY-MM-DD, was '" + value + "'");
        }
    }

    private static boolean contains(EmailAddress address, String value) {
        return address.address().toLowerCase(Locale.ROOT).contains(value)
                || address.name().toLowerCase(Locale.ROOT).contains(value);
    }

    private interface Match {

        boolean test(StoredMessage message, Supplier<String> searchText);
    }

    private record Term(boolean negated, Match match) {

        boolean matches(StoredMessage message, Supplier<String> searchText) {
            return match.test(message, searchText);
        }
    }
}
