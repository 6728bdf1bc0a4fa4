package io.github.smtpd.autoconfigure;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;

import io.github.smtpd.autoconfigure.diagnostics.InvalidSmtpdPropertyException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

/**
 * The TLS context from a Spring Boot SSL bundle, swapped when the bundle reloads (e.g. a renewed certificate
 * with {@code reload-on-update}), so the next handshake uses the new certificate without a restart: the server's
 * ({@code smtpd.ssl.bundle}) and the relay's trust in its upstream ({@code smtpd.relay.ssl-bundle}).
 */
public final class SslBundleContext implements Supplier<SSLContext> {

    private static final Logger logger = LoggerFactory.getLogger(SslBundleContext.class);

    private final AtomicReference<SSLContext> context;

    private final SslBundle initial;

    private SslBundleContext(SslBundle bundle) {
        this.context = new AtomicReference<>(bundle.createSslContext());
        this.initial = bundle;
    }

    /** The bundle's enabled protocols, or {@code null} for the JDK's. */
    public java.util.List<String> protocols() {
        String[] protocols = initial.getOptions().getEnabledProtocols();
        return protocols != null ? java.util.List.of(protocols) : null;
    }

    /** The bundle's cipher suites, or {@code null} for the JDK's. */
    public java.util.List<String> ciphers() {
        String[] ciphers = initial.getOptions().getCiphers();
        return ciphers != null ? java.util.List.of(ciphers) : null;
    }

    /**
     * @param property the property that named the bundle, for the error when there is no such bundle
     * @param store where the bundle is defined, e.g. {@code keystore} or {@code truststore}, for that error's advice
     */
    public static SslBundleContext of(SslBundles bundles, String name, String property, String store) {
        if (bundles == null) {
            throw new InvalidSmtpdPropertyException(property, "there are no SSL bundles in this application",
                    "Define the bundle under spring.ssl.bundle (e.g. spring.ssl.bundle.pem." + name + "." + store
                            + ".*).",
                    null);
        }
        SslBundle bundle;
        try {
            bundle = bundles.getBundle(name);
        }
        catch (NoSuchSslBundleException ex) {
            java.util.List<String> names = bundles.getBundleNames();
            String define = "define the bundle under spring.ssl.bundle (e.g. spring.ssl.bundle.pem." + name + "."
                    + store + ".*)";
            String action = names.isEmpty() ? "This application defines no SSL bundle: " + define + "."
                    : "Set " + property + " to one of " + String.join(", ", names) + ", or " + define + ".";
            throw new InvalidSmtpdPropertyException(property, "there is no SSL bundle named '" + name + "'", action,
                    ex);
        }
        SslBundleContext supplier = new SslBundleContext(bundle);
        bundles.addBundleUpdateHandler(name, (updated) -> {
            supplier.context.set(updated.createSslContext());
            logger.info("TLS material for {} reloaded from SSL bundle '{}'", property, name);
        });
        return supplier;
    }

    @Override
    public SSLContext get() {
        return context.get();
    }
}
