package io.github.smtpd.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ESMTP parameters of MAIL and RCPT (RFC 5321 4.1.2): {@code KEYWORD[=value]} separated by spaces. Kept both
 * as smtpd's upper-cased option list and as a map for the checks.
 */
record EsmtpParameters(List<String> options, Map<String, String> values) {

    private static final java.util.Set<String> CASE_SENSITIVE = java.util.Set.of("ENVID", "ORCPT", "AUTH");

    /** A keyword given without a value. */
    static final String NO_VALUE = "";

    /** Compiled once: {@code String.split} compiles a pattern that is not a single character on every call. */
    private static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile(" +");

    /** @return the parameters, or {@code null} when one is not {@code keyword[=value]} */
    static EsmtpParameters parse(String text) {
        List<String> options = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return new EsmtpParameters(List.of(), Map.of());
        }
        for (String token : SPACES.split(text.strip())) {
            int eq = token.indexOf('=');
            String keyword = Ascii.upper(eq < 0 ? token : token.substring(0, eq));
            String value = eq < 0 ? NO_VALUE : token.substring(eq + 1);
            // smtpd upper-cased whole options; xtext values (DSN's ENVID and ORCPT, AUTH=) are case-sensitive.
            if (!CASE_SENSITIVE.contains(keyword)) {
                value = Ascii.upper(value);
            }
            String option = eq < 0 ? keyword : keyword + "=" + value;
            if (!isKeyword(keyword) || (eq >= 0 && !isValue(value)) || values.containsKey(keyword)) {
                return null;
            }
            options.add(option);
            values.put(keyword, value);
        }
        return new EsmtpParameters(List.copyOf(options), values);
    }

    private static boolean isKeyword(String keyword) {
        if (keyword.isEmpty() || !Character.isLetterOrDigit(keyword.charAt(0))) {
            return false;
        }
        for (int i = 0; i < keyword.length(); i++) {
            char c = keyword.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
                return false;
            }
        }
        return true;
    }

    private static boolean isValue(String value) {
        if (value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7e || c == '=') {
                return false;
            }
        }
        return true;
    }

    boolean isEmpty() {
        return values.isEmpty();
    }
}
