package gg.minis.studio.worker.engines.models;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers; every JDK has the algorithm, so its absence is a broken runtime, not a job failure. */
final class Sha256 {
    private static final int BUFFER = 1 << 20;

    private Sha256() {}

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no SHA-256", e);
        }
    }

    static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** Feeds the first {@code length} bytes of {@code file} into {@code digest} (a resumed download's prefix). */
    static void update(MessageDigest digest, Path file, long length) throws IOException {
        byte[] buffer = new byte[BUFFER];
        long left = length;
        try (InputStream in = Files.newInputStream(file)) {
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException(file + " is shorter than " + length + " bytes");
                }
                digest.update(buffer, 0, n);
                left -= n;
            }
        }
    }

    static String of(Path file) throws IOException {
        MessageDigest digest = newDigest();
        update(digest, file, Files.size(file));
        return hex(digest);
    }
}
