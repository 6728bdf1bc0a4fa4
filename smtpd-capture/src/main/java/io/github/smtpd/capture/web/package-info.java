/** The catcher's Mailpit-compatible HTTP API, live events and web UI (Spring MVC). */
package io.github.smtpd.capture.web;
