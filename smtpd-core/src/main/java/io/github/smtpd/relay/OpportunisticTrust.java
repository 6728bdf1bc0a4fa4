package io.github.smtpd.relay;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS context of opportunistic STARTTLS: it accepts any certificate. RFC 7435: without a way to know the
 * right certificate, an unauthenticated encrypted session still defeats passive listeners, where refusing it
 * would only mean clear text. {@link StartTls#REQUIRED} checks certificates.
 */
final class OpportunisticTrust {

    private static volatile SSLContext context;

    private OpportunisticTrust() {
    }

    static SSLContext context() throws GeneralSecurityException {
        SSLContext current = context;
        if (current == null) {
            current = SSLContext.getInstance("TLS");
            current.init(null, new TrustManager[] { new AcceptAll() }, null);
            context = current;
        }
        return current;
    }

    private static final class AcceptAll extends X509ExtendedTrustManager {

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
