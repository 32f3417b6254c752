package gg.minis.studio.worker.engines.models;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;

/**
 * The sidecar {@code <filename>.verified}: size, modification time and SHA-256 of a model file as it was when last
 * verified. While size and mtime still match, the hash is trusted, so a multi-gigabyte model is not re-read on every
 * start.
 */
record VerifiedMarker(long size, long mtimeMillis, String sha256) {

    static VerifiedMarker of(BasicFileAttributes attributes, String sha256) {
        return new VerifiedMarker(attributes.size(), attributes.lastModifiedTime().toMillis(), sha256);
    }

    boolean describes(BasicFileAttributes attributes) {
        return size == attributes.size() && mtimeMillis == attributes.lastModifiedTime().toMillis();
    }

    /** The marker, or null when it is absent or unreadable (then the file is simply hashed again). */
    static VerifiedMarker read(Path marker) {
        try {
            Map<String, String> values = new HashMap<>();
            for (String line : Files.readAllLines(marker, StandardCharsets.UTF_8)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    values.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
                }
            }
            String sha = values.get("sha256");
            if (sha == null || sha.length() != 64) {
                return null;
            }
            return new VerifiedMarker(
                    Long.parseLong(values.get("size")), Long.parseLong(values.get("mtime")), sha);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Written through a temp file and a rename, so a reader never sees half a marker. The temp name is the
     * {@code .part} of {@code <filename>.verified}, a name no model can have (reserved suffix), so it collides with
     * nothing.
     */
    void write(Path marker) throws IOException {
        Path tmp = marker.resolveSibling(marker.getFileName() + ModelCache.PART_SUFFIX);
        String text = "size=" + size + "\nmtime=" + mtimeMillis + "\nsha256=" + sha256 + "\n";
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        ModelCache.moveIntoPlace(tmp, marker);
    }
}
