package io.github.smtpd.internal;

/** Lets tests outside the package build spill file names. */
public final class SpillFilesAccess {

    private SpillFilesAccess() {
    }

    public static String host() {
        return SpillFiles.host();
    }
}
