package gg.minis.studio.worker.runner.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.AclEntry;
import java.nio.file.attribute.AclEntryPermission;
import java.nio.file.attribute.AclEntryType;
import java.nio.file.attribute.AclFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and writes one {@code config.toml}. Writes are atomic (temp file in the same directory, fsync, rename) and
 * owner-only from the first byte, because the file holds {@code auth_token} and {@code registration_secret}.
 * Read-modify-write operations are serialised within the JVM and, where the file system supports it, across
 * processes with a lock on a sibling {@code .lock} file. Logs name the file and keys, never values.
 */
public final class ConfigStore {
    private static final Logger log = LoggerFactory.getLogger(ConfigStore.class);
    private static final TomlMapper TOML = new TomlMapper();

    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");

    /** File locks belong to the process, so stores of the same file within this JVM also share a monitor. */
    private static final Map<Path, Object> MONITORS = new ConcurrentHashMap<>();

    /** Test seam: runs after the temp file is written and synced, before it replaces the config. */
    interface WriteHook {
        void beforeMove(Path temp) throws IOException;
    }

    private interface Action<T> {
        T run() throws ConfigException;
    }

    private final Path file;
    private final WriteHook hook;
    private volatile List<String> warnings = List.of();

    public ConfigStore(Path file) {
        this(file, temp -> {});
    }

    ConfigStore(Path file, WriteHook hook) {
        this.file = file.toAbsolutePath().normalize();
        this.hook = Objects.requireNonNull(hook);
    }

    public Path file() {
        return file;
    }

    /**
     * Problems the last {@link #load} noticed but let pass, one line each (unknown keys kept for forward
     * compatibility, a file readable by others). Also logged as warnings; never contains values.
     */
    public List<String> warnings() {
        return warnings;
    }

    /** Loads the file, or writes and returns the defaults when there is none yet. */
    public WorkerConfig loadOrCreate() throws ConfigException {
        return locked(() -> {
            if (Files.notExists(file)) {
                WorkerConfig defaults = WorkerConfig.defaults();
                write(defaults);
                warnings = List.of();
                log.info("Created {} with default settings", file);
                return defaults;
            }
            return read();
        });
    }

    /** Loads the file; a missing file is an error here. Keys the file leaves out take their defaults. */
    public WorkerConfig load() throws ConfigException {
        return read(); // no lock needed: the rename in save() means a reader sees the old or the new file, whole
    }

    /** Replaces the file atomically; on failure the old file is left as it was. */
    public void save(WorkerConfig config) throws ConfigException {
        Objects.requireNonNull(config, "config");
        locked(() -> {
            write(config);
            return null;
        });
    }

    /**
     * Load (defaults when there is no file), apply {@code change}, save; under the lock, so that concurrent updates
     * (e.g. registration and {@code config set}) do not lose each other's changes. Returns the saved config.
     */
    public WorkerConfig update(UnaryOperator<WorkerConfig> change) throws ConfigException {
        return locked(() -> {
            boolean exists = Files.exists(file);
            WorkerConfig before = exists ? read() : WorkerConfig.defaults();
            WorkerConfig after = Objects.requireNonNull(change.apply(before), "update returned null");
            if (!exists || !after.equals(before)) {
                write(after);
            }
            return after;
        });
    }

    /** {@code config set KEY VALUE}: {@link #update} with {@link WorkerConfig#withValue}. */
    public WorkerConfig set(String key, String text) throws ConfigException {
        return locked(() -> {
            WorkerConfig before = Files.exists(file) ? read() : WorkerConfig.defaults();
            WorkerConfig after;
            try {
                after = before.withValue(key, text);
            } catch (ConfigException e) {
                throw e.inFile(file); // "config set" names the file the value was meant for
            }
            write(after);
            return after;
        });
    }

    // ---- reading ----

    private WorkerConfig read() throws ConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (CharacterCodingException e) {
            throw new ConfigException(file, null, "not valid TOML (not UTF-8 text)");
        } catch (IOException e) {
            throw new ConfigException(file, null, "cannot read: " + reason(e), e);
        }
        List<String> found = new ArrayList<>();
        WorkerConfig config = parse(text, file, found);
        if (isPosix(file) && tooOpen(file)) {
            found.add(file + ": accessible to other users although it holds credentials; it will be made owner-only"
                    + " on the next save (or run chmod 600)");
        }
        found.forEach(w -> log.warn("{}", w));
        warnings = List.copyOf(found);
        return config;
    }

    /** Parses config TOML; unknown keys are added to {@code warnings} and otherwise ignored. */
    static WorkerConfig parse(String text, Path file, List<String> warnings) throws ConfigException {
        JsonNode root;
        try {
            root = TOML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(file, null, "not valid TOML (" + syntaxProblem(e) + ")");
        }
        Object[] values = WorkerConfig.defaults().componentValues();
        if (root != null) {
            for (Map.Entry<String, JsonNode> e : root.properties()) {
                ConfigKey key = ConfigKey.find(e.getKey());
                if (key == null) {
                    // Forward compatibility: a newer worker may have written keys this one does not know.
                    warnings.add((file == null ? "" : file + ": ") + "unknown key " + ConfigKey.quote(e.getKey())
                            + " ignored");
                    continue;
                }
                values[key.ordinal()] = key.parse(e.getValue(), file);
            }
        }
        try {
            return WorkerConfig.fromValues(values);
        } catch (IllegalArgumentException e) { // unreachable while parse() and the constructor agree
            throw new ConfigException(file, null, e.getMessage());
        }
    }

    /**
     * {@code line N: problem}. Only Jackson's short description is used, cut before any quoted input, and its
     * location: the full message could carry a fragment of the file, which may be a secret.
     */
    private static String syntaxProblem(JsonProcessingException e) {
        String what = Objects.requireNonNullElse(e.getOriginalMessage(), "syntax error");
        int cut = what.indexOf(" (");
        what = (cut > 0 ? what.substring(0, cut) : what).lines().findFirst().orElse("syntax error").strip();
        JsonLocation at = e.getLocation();
        return at != null && at.getLineNr() > 0 ? "line " + at.getLineNr() + ": " + what : what;
    }

    // ---- writing ----

    /** The file's text: user settings, then the internal keys under a comment. */
    static String render(WorkerConfig config) throws ConfigException {
        try {
            StringBuilder sb = new StringBuilder()
                    .append("# minis studio worker settings.\n")
                    .append("# Holds credentials: keep this file private to your user.\n\n")
                    .append(TOML.writeValueAsString(config.toTomlMap(false)));
            Map<String, Object> internal = config.toTomlMap(true);
            if (!internal.isEmpty()) {
                sb.append("\n# Written by the worker (registration state); do not edit or share.\n")
                        .append(TOML.writeValueAsString(internal));
            }
            return sb.toString();
        } catch (JsonProcessingException e) {
            throw new ConfigException(null, null, "cannot render config as TOML: " + e.getOriginalMessage());
        }
    }

    private void write(WorkerConfig config) throws ConfigException {
        byte[] bytes;
        try {
            bytes = render(config).getBytes(StandardCharsets.UTF_8);
        } catch (ConfigException e) {
            throw e.inFile(file);
        }
        Path dir = file.getParent();
        Path temp = null;
        try {
            createOwnerOnlyDirs(dir);
            // Owner-only from creation, so the secrets are never readable by others, not even for an instant.
            temp = isPosix(dir)
                    ? Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp",
                            PosixFilePermissions.asFileAttribute(OWNER_FILE))
                    : restrictToOwner(Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp"));
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(bytes);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(true); // the data must be on disk before the rename makes it the config
            }
            hook.beforeMove(temp);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
            syncDir(dir);
            log.debug("Saved config to {}", file);
        } catch (IOException e) {
            throw new ConfigException(file, null, "cannot write: " + reason(e), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException e) {
                    log.warn("Could not delete temporary file {}: {}", temp, reason(e));
                }
            }
        }
    }

    /** Runs {@code action} holding this file's JVM monitor and, best effort, an OS lock on {@code FILE.lock}. */
    private <T> T locked(Action<T> action) throws ConfigException {
        synchronized (MONITORS.computeIfAbsent(file, f -> new Object())) {
            Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
            FileChannel channel;
            FileLock lock;
            try {
                createOwnerOnlyDirs(file.getParent());
                channel = isPosix(lockFile.getParent())
                        ? FileChannel.open(lockFile, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                                PosixFilePermissions.asFileAttribute(OWNER_FILE))
                        : FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            } catch (IOException e) {
                // Let the action run and report the real problem (e.g. a read-only directory) in its own words.
                log.debug("Cannot open lock file {}: {}", lockFile, reason(e));
                return action.run();
            }
            try (channel) {
                try {
                    lock = channel.lock();
                } catch (IOException e) { // some network file systems have no locks; the JVM monitor still holds
                    log.debug("Cannot lock {}: {}", lockFile, reason(e));
                    lock = null;
                }
                try {
                    return action.run();
                } finally {
                    if (lock != null) {
                        lock.release();
                    }
                }
            } catch (IOException e) {
                throw new ConfigException(file, null, "cannot release lock " + lockFile + ": " + reason(e), e);
            }
        }
    }

    /** Creates the missing directories of {@code dir}, each owner-only; existing ones are left alone. */
    private static void createOwnerOnlyDirs(Path dir) throws IOException {
        if (dir == null || Files.isDirectory(dir)) {
            return;
        }
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = dir; p != null && Files.notExists(p); p = p.getParent()) {
            missing.push(p);
        }
        for (Path p : missing) {
            boolean posix = p.getParent() != null && isPosix(p.getParent());
            try {
                if (posix) {
                    Files.createDirectory(p, PosixFilePermissions.asFileAttribute(OWNER_DIR));
                    Files.setPosixFilePermissions(p, OWNER_DIR); // exact, whatever the umask
                } else {
                    restrictToOwner(Files.createDirectory(p));
                }
            } catch (FileAlreadyExistsException e) { // created meanwhile by someone else: fine if it is a directory
                if (!Files.isDirectory(p)) {
                    throw e;
                }
            }
        }
    }

    /** Windows: replace the ACL with one entry granting the owner full access. Best effort; POSIX uses modes. */
    private static Path restrictToOwner(Path p) {
        AclFileAttributeView view = Files.getFileAttributeView(p, AclFileAttributeView.class);
        if (view != null) {
            try {
                view.setAcl(List.of(AclEntry.newBuilder()
                        .setType(AclEntryType.ALLOW)
                        .setPrincipal(view.getOwner())
                        .setPermissions(EnumSet.allOf(AclEntryPermission.class))
                        .build()));
            } catch (IOException | UnsupportedOperationException e) {
                log.debug("Cannot restrict {} to its owner: {}", p, e.toString());
            }
        }
        return p;
    }

    /** Makes the rename itself durable. Not possible on every OS (Windows cannot open a directory), hence best effort. */
    private static void syncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            log.debug("Cannot sync directory {}: {}", dir, e.toString());
        }
    }

    private static boolean isPosix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static boolean tooOpen(Path p) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
            perms.retainAll(EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE));
            return !perms.isEmpty();
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** A short cause for the user; I/O messages name paths, never file content. */
    private static String reason(IOException e) {
        return switch (e) {
            case NoSuchFileException n -> "no such file or directory: " + n.getFile();
            case AccessDeniedException a -> "permission denied: " + a.getFile();
            case FileSystemException f when f.getReason() != null -> f.getReason() + ": " + f.getFile();
            default -> Objects.requireNonNullElse(e.getMessage(), e.getClass().getSimpleName());
        };
    }
}
