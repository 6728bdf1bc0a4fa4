package io.github.smtpd.internal;

import java.util.Map;
import java.util.Set;

/**
 * Checks the DSN parameters of RFC 3461: RET and ENVID on MAIL, NOTIFY and ORCPT on RCPT. They are only
 * validated here and handed on; delivery status notifications are the business of whoever delivers.
 */
final class Dsn {

    private static final Set<String> NOTIFY_VALUES = Set.of("SUCCESS", "FAILURE", "DELAY");

    private Dsn() {
    }

    /** @return an error text for a 501 reply, or {@code null} when the MAIL DSN parameters are valid */
    static String checkMail(Map<String, String> values) {
        String ret = values.remove("RET");
        if (ret != null && !ret.equals("FULL") && !ret.equals("HDRS")) {
            return "Error: RET must be FULL or HDRS";
        }
        String envid = values.remove("ENVID");
        if (envid != null && (envid.length() > 100 || !isXtext(envid))) {
            return "Error: ENVID must be xtext of at most 100 characters";
        }
        return null;
    }

    /** @return an error text for a 501 reply, or {@code null} when the RCPT DSN parameters are valid */
    static String checkRcpt(Map<String, String> values) {
        String notify = values.remove("NOTIFY");
        if (notify != null && !isNotify(notify)) {
            return "Error: NOTIFY must be NEVER, or one or more of SUCCESS,FAILURE,DELAY";
        }
        String orcpt = values.remove("ORCPT");
        if (orcpt != null) {
            int semicolon = orcpt.indexOf(';');
            if (semicolon <= 0 || !orcpt.substring(0, semicolon).matches("[A-Za-z0-9-]+")
                    || !isXtext(orcpt.substring(semicolon + 1)) || orcpt.length() > 500) {
                return "Error: ORCPT must be addr-type;xtext, e.g. rfc822;user@example.org";
            }
        }
        return null;
    }

    private static boolean isNotify(String value) {
        if (value.equals("NEVER")) {
            return true;
        }
        String[] parts = value.split(",", -1);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String part : parts) {
            if (!NOTIFY_VALUES.contains(part) || !seen.add(part)) {
                return false;
            }
        }
        return true;
    }

    /** RFC 3461 4: printable ASCII except "+" and "=", which appear only as "+XX" hex escapes. */
    static boolean isXtext(String value) {
        if (value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '+') {
                if (i + 2 >= value.length() || !isHex(value.charAt(i + 1)) || !isHex(value.charAt(i + 2))) {
                    return false;
                }
                i += 2;
            }
            else if (c < 0x21 || c > 0x7e || c == '=') {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
    }
}
