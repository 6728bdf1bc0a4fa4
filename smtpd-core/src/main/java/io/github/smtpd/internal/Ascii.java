package io.github.smtpd.internal;

/**
 * Case folding for the protocol's own words (verbs, ESMTP keywords and values, AUTH mechanisms): ASCII letters
 * only. {@code String.toUpperCase} and {@code equalsIgnoreCase} fold Unicode too, so {@code maıl} (dotless i)
 * became {@code MAIL} and {@code ſize} (long s) {@code SIZE}: a filter that compares bytes would see another
 * command than the one the server runs. Anything not ASCII stays as it is and matches nothing.
 */
public final class Ascii {

    private Ascii() {
    }

    /** {@code text} with {@code a}–{@code z} upper-cased and every other character unchanged. */
    public static String upper(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= 'a' && c <= 'z') {
                char[] chars = text.toCharArray();
                for (int j = i; j < chars.length; j++) {
                    char d = chars[j];
                    if (d >= 'a' && d <= 'z') {
                        chars[j] = (char) (d - ('a' - 'A'));
                    }
                }
                return new String(chars);
            }
        }
        return text;
    }

    /** Whether {@code text} starts with {@code prefix}, ignoring the case of ASCII letters only. */
    public static boolean startsWithIgnoreCase(String text, String prefix) {
        if (text.length() < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (fold(text.charAt(i)) != fold(prefix.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Whether the two are equal, ignoring the case of ASCII letters only. */
    public static boolean equalsIgnoreCase(String a, String b) {
        return a.length() == b.length() && startsWithIgnoreCase(a, b);
    }

    private static char fold(char c) {
        return (c >= 'a' && c <= 'z') ? (char) (c - ('a' - 'A')) : c;
    }
}
