package gg.minis.studio.worker.runner.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.runner.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model catalog, {@code models.json} beside the config: {@code {"models": [entry...], "resident": [id...]}}.
 * Entries an operator added ({@code origin: local}) and models the studio offered jobs for ({@code origin: studio},
 * mirrored in without ever overwriting a local entry). {@code resident} lists the ids loaded on purpose (pinned),
 * reloaded at start. Every change is written at once, atomically (temp file + rename) and owner-only (0600).
 * Thread-safe.
 */
public final class ModelCatalog {
    private static final Logger log = LoggerFactory.getLogger(ModelCatalog.class);
    public static final String FILE_NAME = "models.json";

    private final Path file;
    private final Map<String, CatalogEntry> entries = new LinkedHashMap<>();
    private final Set<String> pinned = new LinkedHashSet<>();

    private ModelCatalog(Path file) {
        this.file = file;
    }

    /** The catalog beside {@code configFile}. */
    public static Path beside(Path configFile) {
        Path parent = configFile.toAbsolutePath().getParent();
        return parent.resolve(FILE_NAME);
    }

    /**
     * Reads {@code file} (a missing file is an empty catalog, written on the first change). A broken entry is
     * skipped with a warning naming it; an unreadable file is an error.
     */
    public static ModelCatalog open(Path file) throws IOException {
        ModelCatalog c = new ModelCatalog(file);
        JsonNode root;
        try {
            root = WireJson.mapper().readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return c;
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IOException(file + ": expected a JSON object {\"models\": [...], \"resident\": [...]}");
        }
        int i = 0;
        for (JsonNode n : root.path("models")) {
            try {
                CatalogEntry e = CatalogEntry.fromJson(n, null);
                c.entries.put(e.id(), e);
            } catch (CatalogEntry.InvalidField e) {
                log.warn("{}: skipping models[{}]: {}", file, i, e.getMessage());
            }
            i++;
        }
        for (JsonNode n : root.path("resident")) {
            if (n.isTextual() && c.entries.containsKey(n.textValue())) {
                c.pinned.add(n.textValue());
            }
        }
        return c;
    }

    public Path file() {
        return file;
    }

    public synchronized List<CatalogEntry> entries() {
        return List.copyOf(entries.values());
    }

    public synchronized Optional<CatalogEntry> get(String id) {
        return Optional.ofNullable(entries.get(id));
    }

    /** Adds or replaces an operator's entry (a studio entry with the same id becomes local). */
    public synchronized void putLocal(CatalogEntry entry) {
        CatalogEntry local = entry.origin() == CatalogEntry.Origin.LOCAL ? entry
                : new CatalogEntry(entry.id(), entry.displayName(), entry.kind(), entry.vramGbEstimate(),
                        entry.source(), entry.enabled(), CatalogEntry.Origin.LOCAL);
        entries.put(local.id(), local);
        save();
    }

    /**
     * Mirrors the model of a studio offer: added (or refreshed) as {@code origin: studio}; a local entry with the
     * same id is left alone. Returns whether the catalog changed. Claims without a model id are ignored.
     */
    public synchronized boolean mirror(JobClaim claim) {
        if (claim.model() == null || !CatalogEntry.ID.matcher(claim.model()).matches()) {
            return false;
        }
        CatalogEntry existing = entries.get(claim.model());
        if (existing != null && existing.origin() == CatalogEntry.Origin.LOCAL) {
            return false;
        }
        CatalogEntry mirrored = CatalogEntry.fromClaim(claim);
        if (existing != null) {
            mirrored = new CatalogEntry(mirrored.id(), existing.displayName(), mirrored.kind(),
                    mirrored.vramGbEstimate(), mirrored.source(), existing.enabled(), CatalogEntry.Origin.STUDIO);
            if (mirrored.equals(existing)) {
                return false;
            }
        }
        entries.put(mirrored.id(), mirrored);
        save();
        return true;
    }

    /** Removes {@code id} (and its pin). */
    public synchronized boolean remove(String id) {
        boolean removed = entries.remove(id) != null;
        pinned.remove(id);
        if (removed) {
            save();
        }
        return removed;
    }

    /** The ids loaded on purpose, in the order they were pinned. */
    public synchronized List<String> pinned() {
        return new ArrayList<>(pinned);
    }

    public synchronized boolean isPinned(String id) {
        return pinned.contains(id);
    }

    public synchronized void pin(String id, boolean pin) {
        boolean changed = pin ? entries.containsKey(id) && pinned.add(id) : pinned.remove(id);
        if (changed) {
            save();
        }
    }

    private void save() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode models = root.putArray("models");
        entries.values().forEach(e -> models.add(e.toJson()));
        ArrayNode resident = root.putArray("resident");
        pinned.forEach(resident::add);
        try {
            AtomicFiles.write(file, WireJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // Not POSIX (Windows): the file sits in the user's own profile folder.
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
