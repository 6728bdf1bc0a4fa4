package io.github.smtpd.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * ESMTP parameters of MAIL and RCPT (RFC 5321 4.1.2): {@code KEYWORD[=value]} separated by spaces. Kept both
 * as smtpd's upper-cased option list and as a map for the checks.
 */
record EsmtpParameters(List<String> options, Map<String, String> values) {

    /** A keyword given without a value. */
    static final String NO_VALUE = "";

    /** @return the parameters, or {@code null} when one is not {@code keyword[=value]} */
    static EsmtpParameters parse(String text) {
        List<String> options = new ArrayList<>();
        Map<String, String> values = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return new EsmtpParameters(List.of(), Map.of());
        }
        for (String token : text.strip().split(" +")) {
            String option = token.toUpperCase(Locale.ROOT);
            int eq = option.indexOf('=');
            String keyword = eq < 0 ? option : option.substring(0, eq);
            String value = eq < 0 ? NO_VALUE : option.substring(eq + 1);
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
