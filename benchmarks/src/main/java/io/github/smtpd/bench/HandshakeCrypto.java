package io.github.smtpd.bench;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.util.Arrays;
import java.util.Collections;

import javax.crypto.KeyAgreement;

/**
 * The public-key work a server cannot avoid in one full TLS 1.3 handshake of the STARTTLS workloads, timed alone on
 * one thread: the CertificateVerify signature with the key store's key ({@code ecdsa_secp256r1_sha256}) and the
 * x25519 key share (a key pair and an agreement). Every server in the comparison runs the same JDK code for it, so
 * it is the floor under any server's CPU per W2-TLS handshake (the rest is hashing, record encryption, the JSSE
 * state machine and the server itself).
 *
 * <pre>
 * java -cp smtpd-benchmarks.jar io.github.smtpd.bench.HandshakeCrypto KEYSTORE.p12 PASSWORD [--handshakes 3000]
 * </pre>
 *
 * Prints {@code RESULT sign_us=… keygen_us=… agree_us=… total_us=…}: the medians of five rounds after two warm-up
 * rounds, in microseconds per handshake.
 */
public final class HandshakeCrypto {

    private static final int ROUNDS = 5;

    private static final int WARM_UP_ROUNDS = 2;

    private HandshakeCrypto() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 && !(args.length == 4 && args[2].equals("--handshakes"))) {
            System.err.println("usage: HandshakeCrypto KEYSTORE.p12 PASSWORD [--handshakes N]");
            System.exit(2);
        }
        int handshakes = args.length == 4 ? Integer.parseInt(args[3]) : 3000;
        PrivateKey key = firstKey(Path.of(args[0]), args[1].toCharArray());
        KeyPairGenerator x25519 = KeyPairGenerator.getInstance("XDH");
        x25519.initialize(NamedParameterSpec.X25519);
        KeyPair client = x25519.generateKeyPair();
        // A TLS 1.3 CertificateVerify signs 64 spaces, a context string and the transcript hash: about 130 bytes.
        byte[] signed = new byte[130];
        double[][] rounds = new double[ROUNDS][];
        for (int round = -WARM_UP_ROUNDS; round < ROUNDS; round++) {
            long sign = 0;
            long keygen = 0;
            long agree = 0;
            for (int i = 0; i < handshakes; i++) {
                long t0 = System.nanoTime();
                Signature signature = Signature.getInstance("SHA256withECDSA");
                signature.initSign(key);
                signature.update(signed);
                signature.sign();
                long t1 = System.nanoTime();
                KeyPair server = x25519.generateKeyPair();
                long t2 = System.nanoTime();
                KeyAgreement agreement = KeyAgreement.getInstance("XDH");
                agreement.init(server.getPrivate());
                agreement.doPhase(client.getPublic(), true);
                agreement.generateSecret();
                long t3 = System.nanoTime();
                sign += t1 - t0;
                keygen += t2 - t1;
                agree += t3 - t2;
            }
            if (round >= 0) {
                rounds[round] = new double[] { sign / 1e3 / handshakes, keygen / 1e3 / handshakes,
                    agree / 1e3 / handshakes, (sign + keygen + agree) / 1e3 / handshakes };
            }
        }
        System.out.printf("RESULT handshakes=%d sign_us=%.0f keygen_us=%.0f agree_us=%.0f total_us=%.0f%n", handshakes,
            median(rounds, 0), median(rounds, 1), median(rounds, 2), median(rounds, 3));
    }

    private static PrivateKey firstKey(Path keyStore, char[] password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, password);
        }
        for (String alias : Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                return (PrivateKey) store.getKey(alias, password);
            }
        }
        throw new IllegalArgumentException("no private key in " + keyStore);
    }

    private static double median(double[][] rounds, int column) {
        double[] values = new double[rounds.length];
        for (int i = 0; i < rounds.length; i++) {
            values[i] = rounds[i][column];
        }
        Arrays.sort(values);
        return values[values.length / 2];
    }
}
