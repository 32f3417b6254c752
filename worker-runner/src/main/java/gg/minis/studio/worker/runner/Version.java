package gg.minis.studio.worker.runner;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The worker's own version, from the build (Maven filters it into a resource). */
public final class Version {
    private static final String VERSION = load();

    private Version() {}

    public static String current() {
        return VERSION;
    }

    /** {@code studio-worker-java/<version>}, the User-Agent of every request. */
    public static String userAgent() {
        return "studio-worker-java/" + VERSION;
    }

    private static String load() {
        try (InputStream in = Version.class.getResourceAsStream("/studio-worker-version.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank() && !v.startsWith("${")) {
                    return v.strip();
                }
            }
        } catch (IOException ignored) {
            // Fall through to the development version.
        }
        return "0.0.0-dev";
    }
}
