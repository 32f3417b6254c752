package gg.minis.studio.worker.runner.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.protocol.WireJson;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * {@code local-api.json} beside the config file: how local clients find and authenticate to the API,
 * {@code {url, token, pid, version}}. Owner-only and written atomically, because the token is a credential. The
 * token is made once per install (32 CSPRNG bytes, hex) and kept across restarts; the file is rewritten at every
 * start with the URL actually bound.
 */
public final class DiscoveryFile {
    public static final String FILE_NAME = "local-api.json";
    private static final Pattern TOKEN = Pattern.compile("[0-9a-f]{64}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** What the file says. */
    public record Contents(String url, String token, long pid, String version) {}

    private DiscoveryFile() {}

    /** {@code local-api.json} in the directory of {@code configFile}. */
    public static Path beside(Path configFile) {
        Path parent = configFile.toAbsolutePath().getParent();
        return (parent == null ? Path.of(".") : parent).resolve(FILE_NAME);
    }

    /** The token stored in {@code file}, or a fresh one when there is no file or no valid token in it. */
    static String tokenFor(Path file) {
        try {
            JsonNode node = WireJson.mapper().readTree(Files.readString(file));
            String token = node == null ? null : node.path("token").asText(null);
            if (token != null && TOKEN.matcher(token).matches()) {
                return token;
            }
        } catch (IOException | RuntimeException e) {
            // No usable file: a new token.
        }
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    public static Contents read(Path file) throws IOException {
        JsonNode node = WireJson.mapper().readTree(Files.readString(file));
        return new Contents(node.path("url").asText(null), node.path("token").asText(null),
                node.path("pid").asLong(), node.path("version").asText(null));
    }

    /** Writes {@code contents} atomically (temp file in the same directory, fsync, rename), owner-only from the start. */
    static void write(Path file, Contents contents) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("url", contents.url());
        json.put("token", contents.token());
        json.put("pid", contents.pid());
        json.put("version", contents.version());
        byte[] bytes = WireJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(json);
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        Path temp = posix
                ? Files.createTempFile(dir, "." + FILE_NAME + ".", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : restrictToOwner(Files.createTempFile(dir, "." + FILE_NAME + ".", ".tmp"));
        try {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true);
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
        } finally {
            if (temp != null) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private static Path restrictToOwner(Path p) throws IOException {
        AclFileAttributeView view = Files.getFileAttributeView(p, AclFileAttributeView.class);
        if (view != null) {
            view.setAcl(List.of(AclEntry.newBuilder()
                    .setType(AclEntryType.ALLOW)
                    .setPrincipal(view.getOwner())
                    .setPermissions(EnumSet.allOf(AclEntryPermission.class))
                    .build()));
        }
        return p;
    }
}
