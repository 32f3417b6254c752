package gg.minis.studio.worker.runner.update;

import gg.minis.studio.worker.runner.Sha256;
import gg.minis.studio.worker.runner.AtomicFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Downloads a release's runner jar into {@code updates/<version>/} and checks it against the release's SHA-256
 * ({@code <jar>.sha256} or {@code SHA256SUMS}). A jar that fails the check is deleted: nothing unverified stays in
 * the staging folder. It never replaces the running jar; that is left to the user.
 */
public final class UpdateDownloader {
    private static final long MAX_JAR_BYTES = 1L << 30;
    private static final long MAX_SUMS_BYTES = 1L << 20;
    private static final Pattern HEX64 = Pattern.compile("[0-9a-fA-F]{64}");

    private final HttpClient http;

    public UpdateDownloader(HttpClient http) {
        this.http = http;
    }

    public UpdateDownloader() {
        this(UpdateHttp.client());
    }

    /**
     * Returns the verified jar's path.
     *
     * @param skipVerify download even when the release has no checksum (a mismatch is still refused)
     */
    public Path download(UpdateInfo update, Path stagingRoot, boolean skipVerify) throws UpdateException {
        String name = update.asset().name();
        if (!Assets.SAFE_NAME.matcher(name).matches() || !Assets.SAFE_NAME.matcher(update.version()).matches()) {
            throw new UpdateException("refusing release file name '" + name + "' of " + update.tag());
        }
        String expected = null;
        if (update.checksum() != null) {
            expected = expectedSha256(update);
        } else if (!skipVerify) {
            throw new UpdateException("release " + update.tag() + " publishes no checksum (" + name
                    + ".sha256 or SHA256SUMS), so " + name + " cannot be verified; refusing to download it"
                    + " (--insecure-skip-verify downloads it anyway)");
        }
        URI url = UpdateHttp.requireHttp(update.asset().browserDownloadUrl(), "the download URL of " + name);
        Path dir = stagingRoot.resolve(update.version());
        Path target = dir.resolve(name);
        Path part = dir.resolve(name + ".part");
        boolean created = !Files.isDirectory(dir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UpdateException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        boolean ok = false;
        try {
            MessageDigest sha256 = Sha256.digest();
            UpdateHttp.download(http, url, part, sha256, MAX_JAR_BYTES);
            String actual = HexFormat.of().formatHex(sha256.digest());
            if (expected != null && !expected.equalsIgnoreCase(actual)) {
                throw new UpdateException(name + " does not match its published SHA-256 (expected " + expected
                        + ", got " + actual + "); deleted it");
            }
            AtomicFiles.replace(part, target);
            ok = true;
            return target;
        } catch (IOException e) {
            throw new UpdateException("cannot store " + target + ": " + e.getMessage(), e);
        } finally {
            if (!ok) {
                cleanUp(part, created ? dir : null);
            }
        }
    }

    /** The jar's hash from {@code <jar>.sha256} ({@code HASH [NAME]}) or {@code SHA256SUMS} ({@code HASH  NAME}). */
    private String expectedSha256(UpdateInfo update) throws UpdateException {
        String name = update.asset().name();
        String sumsName = update.checksum().name();
        URI url = UpdateHttp.requireHttp(update.checksum().browserDownloadUrl(), "the download URL of " + sumsName);
        String text = new String(UpdateHttp.get(http, url, MAX_SUMS_BYTES), StandardCharsets.UTF_8);
        boolean own = sumsName.toLowerCase(Locale.ROOT).endsWith(".sha256");
        for (String line : text.split("\\R")) {
            String[] parts = line.strip().split("\\s+", 2);
            if (parts.length == 0 || !HEX64.matcher(parts[0]).matches()) {
                continue;
            }
            // sha256sum writes " *name" for binary mode and may keep a "./" prefix.
            String file = parts.length > 1 ? parts[1].strip().replaceFirst("^\\*", "").replaceFirst("^\\./", "") : "";
            if (own || file.equals(name)) { // an own .sha256 file speaks only of its jar
                return parts[0].toLowerCase(Locale.ROOT);
            }
        }
        throw new UpdateException(sumsName + " of release " + update.tag() + " has no SHA-256 for " + name);
    }

    private static void cleanUp(Path part, Path createdDir) {
        try {
            Files.deleteIfExists(part);
            if (createdDir != null) {
                Files.deleteIfExists(createdDir);
            }
        } catch (DirectoryNotEmptyException e) {
            // someone else's files: leave them
        } catch (IOException e) {
            // best effort; the download error is what the user needs to see
        }
    }
}
