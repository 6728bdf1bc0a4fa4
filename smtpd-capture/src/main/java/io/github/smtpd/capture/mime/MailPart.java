package io.github.smtpd.capture.mime;

/**
 * An attachment or inline part of a message, as Mailpit's API lists it.
 *
 * @param partId the part's position in the MIME tree, {@code 1}, {@code 2.1}, ...
 * @param fileName the decoded file name, or an empty string
 * @param contentType the content type without parameters, lower case
 * @param contentId the Content-ID without angle brackets, or an empty string
 * @param size the decoded size in bytes
 * @param md5 the MD5 of the decoded content, in hex (Mailpit lists it, and clients read it)
 * @param sha1 the SHA-1 of the decoded content, in hex
 * @param sha256 the SHA-256 of the decoded content, in hex
 */
public record MailPart(String partId, String fileName, String contentType, String contentId, long size, String md5,
        String sha1, String sha256) {
}
