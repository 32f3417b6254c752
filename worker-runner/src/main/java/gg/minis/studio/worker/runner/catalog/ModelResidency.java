package gg.minis.studio.worker.runner.catalog;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.ResidentModels;
import gg.minis.studio.worker.runner.session.JobGate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loading and unloading catalog models on purpose, and keeping them resident: {@code on_disk -> loading -> resident
 * -> unloading}, or {@code failed} with the reason. A model loaded here is pinned (its id is kept in
 * {@code models.json}) and reloaded at start and after a job or an engine replacement displaced it; models a job
 * loads for itself are released after the job (see {@link ResidentModels#releaseAfter}).
 *
 * <p>Admission: loading needs free memory for the model's {@code vramGbEstimate} plus a margin (10%, at least
 * 0.5 GiB): free VRAM where the backend reports it, else free RAM; otherwise 409 {@code insufficient_memory}.
 * Load and unload take the engine's {@link JobGate} like a job (waiting up to {@code gateWait} for a running job),
 * so they never run beside a job.
 *
 * <p>Capacity is the engine's: the native engines hold one model, so loading another replaces (and unpins) the
 * resident one.
 */
public final class ModelResidency {
    private static final Logger log = LoggerFactory.getLogger(ModelResidency.class);
    private static final double GIB = 1024.0 * 1024 * 1024;

    /** A catalog entry with its residency. */
    public record View(CatalogEntry entry, ResidentModels.State state, boolean pinned) {}

    private final ModelCatalog catalog;
    private final ResidentModels engine;
    private final JobGate gate;
    private final LongSupplier freeRamBytes;
    private final Duration gateWait;
    private final AtomicBoolean restoring = new AtomicBoolean();

    public ModelResidency(ModelCatalog catalog, ResidentModels engine, JobGate gate, LongSupplier freeRamBytes,
            Duration gateWait) {
        this.catalog = catalog;
        this.engine = engine;
        this.gate = gate;
        this.freeRamBytes = freeRamBytes;
        this.gateWait = gateWait;
    }

    /** Free physical memory, as the OS reports it. */
    public static long systemFreeRam() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory
                .getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getFreeMemorySize();
        }
        return Runtime.getRuntime().maxMemory() - Runtime.getRuntime().totalMemory()
                + Runtime.getRuntime().freeMemory();
    }

    public ModelCatalog catalog() {
        return catalog;
    }

    /** How many models the engine keeps resident at once. */
    public int capacity() {
        return engine.capacity();
    }

    public List<View> views() {
        List<View> out = new ArrayList<>();
        for (CatalogEntry e : catalog.entries()) {
            out.add(view(e));
        }
        return out;
    }

    public View view(String id) throws ModelException {
        return view(entry(id));
    }

    private View view(CatalogEntry e) {
        return new View(e, engine.state(e.id()), catalog.isPinned(e.id()));
    }

    public CatalogEntry entry(String id) throws ModelException {
        return catalog.get(id).orElseThrow(() -> new ModelException(404, ModelException.UNKNOWN_MODEL,
                "no model '" + id + "' in the catalog"));
    }

    /**
     * Loads {@code id} and keeps it resident (pinned). Already resident: just pinned. Waits for a running job up to
     * the gate wait, then 503 {@code busy}.
     *
     * @throws EngineException when the engine cannot load it (the state is then {@code failed} with the reason)
     */
    public View load(String id) throws ModelException, EngineException {
        CatalogEntry e = entry(id);
        if (!e.enabled()) {
            throw new ModelException(409, ModelException.MODEL_DISABLED, "model '" + id + "' is disabled");
        }
        if (!engine.canLoad(e.kind(), e.source())) {
            throw new ModelException(409, ModelException.NOT_LOADABLE, "this worker's engine cannot load "
                    + e.kind() + " model '" + id + "' (source.engine '" + e.source().engine() + "')");
        }
        if (engine.state(id).resident()) {
            catalog.pin(id, true);
            return view(e);
        }
        admit(e);
        try (JobGate.Lease lease = acquire(e, "load")) {
            if (lease == null) {
                JobGate.Holder other = gate.current();
                throw new ModelException(503, ModelException.BUSY, "cannot load '" + id + "' now: busy running "
                        + (other == null ? "another job" : other.describe()));
            }
            loadUnderGate(e);
        }
        return view(e);
    }

    private void loadUnderGate(CatalogEntry e) throws EngineException {
        List<String> residentBefore = catalog.pinned().stream().filter(p -> !p.equals(e.id()))
                .filter(p -> engine.state(p).resident()).toList();
        log.info("loading model {} ({}, ~{} GiB)", e.id(), e.kind(), e.vramGbEstimate());
        long start = System.nanoTime();
        engine.load(e.id(), e.kind(), e.source(), CancellationToken.none());
        catalog.pin(e.id(), true);
        for (String other : residentBefore) {
            if (!engine.state(other).resident()) {
                log.info("model {} replaced {} (the engine keeps {} model(s) resident); {} is no longer pinned",
                        e.id(), other, engine.capacity(), other);
                catalog.pin(other, false);
            }
        }
        log.info("model {} resident after {} ms", e.id(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    }

    /** 409 {@code insufficient_memory} unless free VRAM (or RAM) covers the estimate plus the margin. */
    void admit(CatalogEntry e) throws ModelException {
        double estimate = e.vramGbEstimate();
        double needed = estimate + Math.max(0.5, estimate * 0.10);
        var device = engine.deviceFreeBytes(e.kind(), e.source());
        String memory = device.isPresent() ? "vram" : "ram";
        double free = (device.isPresent() ? device.getAsLong() : freeRamBytes.getAsLong()) / GIB;
        if (needed > free) {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("neededGb", round(needed));
            details.put("freeGb", round(free));
            details.put("memory", memory);
            throw new ModelException(409, ModelException.INSUFFICIENT_MEMORY, String.format(Locale.ROOT,
                    "not enough free %s to load '%s': needs %.2f GiB (estimate %.2f GiB + margin), %.2f GiB free",
                    memory.toUpperCase(Locale.ROOT), e.id(), needed, estimate, free), details);
        }
    }

    /** Unloads {@code id} and unpins it; waits for a running job up to the gate wait, then 409 {@code model_in_use}. */
    public View unload(String id) throws ModelException {
        CatalogEntry e = entry(id);
        try (JobGate.Lease lease = acquire(e, "unload")) {
            if (lease == null) {
                JobGate.Holder other = gate.current();
                throw new ModelException(409, ModelException.MODEL_IN_USE, "cannot unload '" + id + "': the engine "
                        + "is running " + (other == null ? "another job" : other.describe()) + "; try again");
            }
            engine.unload(id);
            catalog.pin(id, false);
            log.info("model {} unloaded", id);
        }
        return view(e);
    }

    /** Removes a local entry; 409 while it is resident, pinned or in use, or when the studio owns it. */
    public void delete(String id) throws ModelException {
        CatalogEntry e = entry(id);
        if (e.origin() != CatalogEntry.Origin.LOCAL) {
            throw new ModelException(409, ModelException.NOT_LOCAL, "model '" + id + "' is mirrored from the studio;"
                    + " only local entries can be deleted");
        }
        JobGate.Holder holder = gate.current();
        if (holder != null && id.equals(holder.model())) {
            throw new ModelException(409, ModelException.MODEL_IN_USE, "model '" + id + "' is in use by "
                    + holder.describe());
        }
        ResidentModels.State s = engine.state(id);
        if (catalog.isPinned(id) || s.phase() == ResidentModels.Phase.RESIDENT
                || s.phase() == ResidentModels.Phase.LOADING || s.phase() == ResidentModels.Phase.UNLOADING) {
            throw new ModelException(409, ModelException.MODEL_RESIDENT, "model '" + id + "' is "
                    + s.phase().wireName() + (catalog.isPinned(id) ? " (pinned)" : "")
                    + "; unload it first (POST /models/" + id + "/unload)");
        }
        engine.unload(id); // clears a failed state
        catalog.remove(id);
    }

    /** Loads every pinned model (at start); failures are logged and the model stays pinned for the next start. */
    public void restore() {
        for (String id : catalog.pinned()) {
            try {
                if (!engine.state(id).resident()) {
                    load(id);
                }
            } catch (ModelException | EngineException | RuntimeException e) {
                log.warn("cannot reload pinned model {}: {}", id, e.getMessage());
            }
        }
    }

    /**
     * Reloads pinned models that a job or an engine replacement displaced, on a background thread that waits for
     * the engine to be free. One at a time; a job that takes the engine first postpones it to its own end.
     */
    public void restoreDisplacedAsync() {
        if (catalog.pinned().stream().allMatch(id -> engine.state(id).resident()) || !restoring.compareAndSet(false,
                true)) {
            return;
        }
        Thread.ofPlatform().daemon(true).name("model-restore").start(() -> {
            try {
                for (String id : catalog.pinned()) {
                    if (engine.state(id).resident()) {
                        continue;
                    }
                    CatalogEntry e = catalog.get(id).orElse(null);
                    if (e == null) {
                        continue;
                    }
                    try (JobGate.Lease lease = acquire(e, "reload")) {
                        if (lease == null) {
                            return; // a job took the engine: its end tries again
                        }
                        if (!engine.state(id).resident()) {
                            log.info("reloading pinned model {} (a job or an engine restart displaced it)", id);
                            engine.load(id, e.kind(), e.source(), CancellationToken.none());
                        }
                    } catch (EngineException | RuntimeException ex) {
                        log.warn("cannot reload pinned model {}: {}", id, ex.getMessage());
                    }
                }
            } finally {
                restoring.set(false);
            }
        });
    }

    /** Whether a background reload is under way (tests wait for it). */
    public boolean restoring() {
        return restoring.get();
    }

    private JobGate.Lease acquire(CatalogEntry e, String what) {
        JobGate.Holder holder = new JobGate.Holder(what + ":" + e.id(), JobGate.Source.LOCAL, e.kind(), e.id(),
                Instant.now());
        long deadline = System.nanoTime() + gateWait.toNanos();
        while (true) {
            JobGate.Lease lease = gate.tryAcquire(holder);
            if (lease != null || System.nanoTime() >= deadline) {
                return lease;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    private static double round(double gb) {
        return Math.round(gb * 100) / 100.0;
    }
}
