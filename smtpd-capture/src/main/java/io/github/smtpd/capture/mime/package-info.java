/** Reading captured messages for display; internal to the catcher. */
package io.github.smtpd.capture.mime;
