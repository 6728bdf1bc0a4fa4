package io.github.smtpd.capture;

/**
 * A mailbox as a message's header names it: display name (empty when none) and address.
 *
 * @param name the decoded display name, or an empty string
 * @param address the address, as written
 */
public record EmailAddress(String name, String address) {

    public EmailAddress {
        name = name != null ? name : "";
        address = address != null ? address : "";
    }
}
