package gg.minis.studio.worker.engines.models;

import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.task.TaskKind;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the {@link ModelCache} holds on disk, and its upkeep: list the files of every kind folder
 * ({@code <root>/<kind wire name>/<filename>} with their {@code .verified}, {@code .part} and {@code .lock}
 * siblings), re-hash files against their sidecars, and prune files nobody references.
 *
 * <p>Only the kind folders of {@link TaskKind} directly under the root are looked at; symbolic links (folders or
 * files) are never followed, listed or removed, so nothing outside the root is touched. Thread-safe (stateless).
 */
public final class CacheInventory {
    private static final Logger log = LoggerFactory.getLogger(CacheInventory.class);
    private static final String MARKER_PART_SUFFIX = ModelCache.MARKER_SUFFIX + ModelCache.PART_SUFFIX;

    /**
     * One model file (or a download that never finished: {@code bytes} 0, {@code partialBytes} > 0).
     *
     * @param verified     a {@code .verified} sidecar matches the file's size and mtime (nothing is hashed)
     * @param partialBytes the size of a {@code <filename>.part} left beside it, 0 when there is none
     */
    public record CachedFile(String kind, String filename, Path path, long bytes, boolean complete, boolean verified,
            long partialBytes) {
        public boolean partial() {
            return partialBytes > 0 || !complete;
        }
    }

    /** The outcome of re-hashing one file. */
    public enum Status {
        /** The hash is the expected one (or the sidecar's); the sidecar was refreshed. */
        OK,
        /** The hash differs: the sidecar was removed, so the next use downloads the file again. */
        MISMATCH,
        /** Neither an expected hash nor a sidecar to compare with: the hash is reported and a sidecar written. */
        NO_REFERENCE,
        /** The file could not be read. */
        ERROR;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@code expected}: the sha256 compared with (null with {@link Status#NO_REFERENCE}). */
    public record Verification(String kind, String filename, long bytes, Status status, String sha256,
            String expected, String detail) {}

    /** One file deleted by {@link #prune}. */
    public record Removed(String kind, String filename, long bytes) {}

    /** @param skipped model files that were not pruned because a download holds their lock */
    public record PruneResult(List<Removed> removed, long freedBytes, List<String> skipped) {}

    private final Path root;

    public CacheInventory(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    }

    public Path root() {
        return root;
    }

    /**
     * Where {@code kind}/{@code filename} lives in this cache, or null when the kind is unknown or the name is not a
     * plain model file name (so it cannot be in the cache).
     */
    public Path pathOf(String kind, String filename) {
        TaskKind k;
        try {
            k = TaskKind.fromWire(kind);
        } catch (IllegalArgumentException | NullPointerException e) {
            return null;
        }
        try {
            ModelFileNames.plainFileName(filename);
        } catch (EngineException e) {
            return null;
        }
        Path folder = root.resolve(k.wireName());
        Path path;
        try {
            path = folder.resolve(filename).normalize();
        } catch (java.nio.file.InvalidPathException e) {
            return null;
        }
        return folder.equals(path.getParent()) ? path : null;
    }

    /** Every model file and unfinished download, by kind then name. Reads attributes and sidecars only. */
    public List<CachedFile> list() throws IOException {
        List<CachedFile> out = new ArrayList<>();
        for (TaskKind kind : TaskKind.values()) {
            for (Group g : groups(kind).values()) {
                if (g.model == null && g.part == null) {
                    continue; // only cache bookkeeping (a lock, a marker) is left: pruned, not listed
                }
                long bytes = g.model == null ? 0 : g.modelAttributes.size();
                boolean verified = false;
                if (g.model != null && g.marker != null) {
                    VerifiedMarker marker = VerifiedMarker.read(g.marker);
                    verified = marker != null && marker.describes(g.modelAttributes);
                }
                out.add(new CachedFile(kind.wireName(), g.name, g.folder.resolve(g.name), bytes, g.model != null,
                        verified, g.part == null ? 0 : size(g.part)));
            }
        }
        return List.copyOf(out);
    }

    /**
     * Re-hashes one complete file and compares it with {@code expectedSha} when given, else with its sidecar. A
     * match refreshes the sidecar; a mismatch deletes it (the cache then re-downloads the file on next use).
     *
     * @return empty when the kind or name is not a complete file in the cache
     */
    public java.util.Optional<Verification> verify(String kind, String filename, String expectedSha) {
        Path path = pathOf(kind, filename);
        if (path == null) {
            return java.util.Optional.empty();
        }
        BasicFileAttributes attributes = attributes(path);
        if (attributes == null || !attributes.isRegularFile() || !realFolder(path.getParent())) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(verify(kind, filename, path, attributes, expectedSha));
    }

    /** {@link #verify(String, String, String)} for every complete file; {@code expected} may answer null. */
    public List<Verification> verifyAll(BiFunction<String, String, String> expected) throws IOException {
        List<Verification> out = new ArrayList<>();
        for (CachedFile f : list()) {
            if (f.complete()) {
                verify(f.kind(), f.filename(), expected.apply(f.kind(), f.filename())).ifPresent(out::add);
            }
        }
        return List.copyOf(out);
    }

    private Verification verify(String kind, String filename, Path path, BasicFileAttributes attributes,
            String expectedSha) {
        Path markerPath = ModelCache.sibling(path, ModelCache.MARKER_SUFFIX);
        VerifiedMarker marker = VerifiedMarker.read(markerPath);
        String expected = expectedSha == null || expectedSha.isBlank() ? null
                : expectedSha.toLowerCase(java.util.Locale.ROOT);
        String reference = expected != null ? expected : marker == null ? null : marker.sha256();
        String actual;
        try {
            log.info("re-hashing {} ({} bytes)", path, attributes.size());
            actual = Sha256.of(path);
        } catch (IOException e) {
            return new Verification(kind, filename, attributes.size(), Status.ERROR, null, reference,
                    "cannot read " + filename + ": " + e.getMessage());
        }
        try {
            if (reference != null && !reference.equals(actual)) {
                log.warn("{} has sha256 {}, expected {}: its sidecar is removed, the next use downloads it again",
                        path, actual, reference);
                Files.deleteIfExists(markerPath);
                return new Verification(kind, filename, attributes.size(), Status.MISMATCH, actual, reference,
                        "sha256 " + actual + " differs from the expected " + reference);
            }
            VerifiedMarker.of(attributes, actual).write(markerPath);
        } catch (IOException e) {
            return new Verification(kind, filename, attributes.size(), Status.ERROR, actual, reference,
                    "cannot update the sidecar of " + filename + ": " + e.getMessage());
        }
        return new Verification(kind, filename, attributes.size(), reference == null ? Status.NO_REFERENCE
                : Status.OK, actual, reference, null);
    }

    /**
     * Deletes every model file not in {@code keep} with its sidecar, partial download and lock, plus the leftover
     * {@code .part} files of kept models that are complete. A file whose lock another download holds (in this
     * process or another) is skipped. Files inside the kind folders only; links are left alone.
     *
     * @param keep paths of model files to keep, as {@link #pathOf} gives them
     */
    public PruneResult prune(Set<Path> keep) throws IOException {
        Set<Path> kept = new java.util.HashSet<>();
        for (Path p : keep) {
            kept.add(p.toAbsolutePath().normalize());
        }
        List<Removed> removed = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (TaskKind kind : TaskKind.values()) {
            for (Group g : groups(kind).values()) {
                Path target = g.folder.resolve(g.name);
                boolean keepIt = kept.contains(target);
                List<Path> doomed = new ArrayList<>();
                if (keepIt) {
                    if (g.model != null && g.part != null) {
                        doomed.add(g.part); // a finished download's leftover
                    }
                    if (g.markerPart != null) {
                        doomed.add(g.markerPart);
                    }
                } else {
                    for (Path p : new Path[] {g.model, g.marker, g.part, g.markerPart}) {
                        if (p != null) {
                            doomed.add(p);
                        }
                    }
                }
                if (doomed.isEmpty() && (keepIt || g.lock == null)) {
                    continue;
                }
                if (!deleteUnderLock(kind, g, doomed, !keepIt, removed)) {
                    skipped.add(kind.wireName() + "/" + g.name);
                }
            }
        }
        long freed = removed.stream().mapToLong(Removed::bytes).sum();
        return new PruneResult(List.copyOf(removed), freed, List.copyOf(skipped));
    }

    /** False when a download holds the lock. The lock file goes too when {@code dropLock} (the model is gone). */
    private boolean deleteUnderLock(TaskKind kind, Group g, List<Path> doomed, boolean dropLock,
            List<Removed> removed) throws IOException {
        Path lockPath = ModelCache.sibling(g.folder.resolve(g.name), ModelCache.LOCK_SUFFIX);
        if (Files.isSymbolicLink(lockPath)) {
            return false;
        }
        boolean lockExisted = g.lock != null;
        try (FileChannel channel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock held;
            try {
                held = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                held = null; // a download in this JVM
            }
            if (held == null) {
                log.info("not pruning {}/{}: a download holds its lock", kind.wireName(), g.name);
                return false;
            }
            for (Path p : doomed) {
                long bytes = size(p);
                try {
                    if (Files.deleteIfExists(p)) {
                        removed.add(new Removed(kind.wireName(), p.getFileName().toString(), bytes));
                        log.info("pruned {} ({} bytes)", p, bytes);
                    }
                } catch (IOException e) {
                    log.warn("cannot prune {}: {}", p, e.toString());
                }
            }
            if (dropLock || !lockExisted) {
                try {
                    Files.deleteIfExists(lockPath); // while held: a download that opens it after this makes its own
                    if (lockExisted) {
                        removed.add(new Removed(kind.wireName(), lockPath.getFileName().toString(), 0));
                    }
                } catch (IOException e) {
                    log.debug("cannot remove {} while locked: {}", lockPath, e.toString());
                }
            }
        }
        return true;
    }

    /** The files of one name in a kind folder. */
    private static final class Group {
        final Path folder;
        final String name;
        Path model;
        BasicFileAttributes modelAttributes;
        Path marker;
        Path markerPart;
        Path part;
        Path lock;

        Group(Path folder, String name) {
            this.folder = folder;
            this.name = name;
        }
    }

    /** The regular files (never links) of {@code kind}'s folder grouped by model name. */
    private Map<String, Group> groups(TaskKind kind) throws IOException {
        Path folder = root.resolve(kind.wireName());
        Map<String, Group> groups = new TreeMap<>(Comparator.naturalOrder());
        if (!realFolder(folder)) {
            return groups;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path p : entries) {
                if (!folder.equals(p.getParent())) {
                    continue;
                }
                BasicFileAttributes a = attributes(p);
                if (a == null || !a.isRegularFile()) {
                    continue;
                }
                String file = p.getFileName().toString();
                if (file.endsWith(MARKER_PART_SUFFIX)) {
                    group(groups, folder, file, MARKER_PART_SUFFIX).markerPart = p;
                } else if (file.endsWith(ModelCache.MARKER_SUFFIX)) {
                    group(groups, folder, file, ModelCache.MARKER_SUFFIX).marker = p;
                } else if (file.endsWith(ModelCache.PART_SUFFIX)) {
                    group(groups, folder, file, ModelCache.PART_SUFFIX).part = p;
                } else if (file.endsWith(ModelCache.LOCK_SUFFIX)) {
                    group(groups, folder, file, ModelCache.LOCK_SUFFIX).lock = p;
                } else {
                    Group g = group(groups, folder, file, "");
                    g.model = p;
                    g.modelAttributes = a;
                }
            }
        } catch (NoSuchFileException e) {
            // removed meanwhile: empty
        }
        return groups;
    }

    private static Group group(Map<String, Group> groups, Path folder, String file, String suffix) {
        String name = file.substring(0, file.length() - suffix.length());
        return groups.computeIfAbsent(name, n -> new Group(folder, n));
    }

    /** A directory that is no link, directly under the root. */
    private boolean realFolder(Path folder) {
        BasicFileAttributes a = attributes(folder);
        return a != null && a.isDirectory() && root.equals(folder.getParent());
    }

    private static BasicFileAttributes attributes(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return null;
        }
    }

    private static long size(Path p) {
        BasicFileAttributes a = attributes(p);
        return a == null ? 0 : a.size();
    }
}
