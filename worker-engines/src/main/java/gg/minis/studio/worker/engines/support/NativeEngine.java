package gg.minis.studio.worker.engines.support;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.engine.ResidentModels;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.models.ModelFiles;
import gg.minis.studio.worker.natives.BackendInfo;
import gg.minis.studio.worker.natives.CancelFlag;
import gg.minis.studio.worker.natives.NativeBackend;
import gg.minis.studio.worker.natives.NativeException;
import gg.minis.studio.worker.natives.NativeLibraryLoader;
import gg.minis.studio.worker.natives.SwStatus;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * What the engines over studio_worker.h backends share: one task kind, routing by {@code modelSource.engine}, the
 * backend library (lazy by name, or shared), one job at a time, a {@link ResidentModel} kept across jobs, model
 * loading with {@code load} progress, and native calls with a per-job {@link CancelFlag} wired to the job's token.
 *
 * <p>Residency ({@link ResidentModels}): a model can be loaded ahead of any job by id; the engine keys it by its
 * resolved model set (paths and load options), so a job whose files resolve to the same set reuses it whatever its
 * {@code model} says. One model is resident at a time: loading another, or a job on another, replaces it.
 *
 * @param <K> the load key of the resident model (paths and load options)
 * @param <C> the native context
 */
public abstract class NativeEngine<K, C extends AutoCloseable> implements Engine, ResidentModels {
    private final String id;
    private final TaskKind kind;
    private final BackendRef backend;
    protected final ModelFiles modelFiles;
    protected final InputFetcher fetcher;
    protected final int threads;
    private final ReentrantLock jobLock = new ReentrantLock();
    private final ResidentModel<K, C> resident;
    /** Model id -> the key it resolved to when last loaded (by {@link #load(String, TaskKind, ModelSource,
     * CancellationToken)} or by a job). */
    private final Map<String, K> keys = new ConcurrentHashMap<>();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    /** Ids loaded by {@link #load(String, TaskKind, ModelSource, CancellationToken)}: kept after jobs. */
    private final Set<String> held = ConcurrentHashMap.newKeySet();
    private volatile String loadingId;
    private volatile String unloadingId;

    protected NativeEngine(String id, TaskKind kind, Builder<?, ?> b) {
        this.id = id;
        this.kind = kind;
        this.backend = b.backend != null ? BackendRef.shared(b.backend)
                : BackendRef.lazy(b.loader != null ? b.loader : NativeLibraryLoader.defaults(), b.library);
        this.modelFiles = Objects.requireNonNull(b.modelFiles, "modelFiles");
        this.fetcher = b.fetcher != null ? b.fetcher : InputFetcher.defaults();
        this.threads = b.threads;
        this.resident = new ResidentModel<>(id);
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final Set<TaskKind> kinds() {
        return Set.of(kind);
    }

    /** The resident model's id (the claim's {@code model}, else the model file name), if one is loaded. */
    @Override
    public final List<String> models(TaskKind k) {
        return k == kind ? resident.modelId().stream().toList() : List.of();
    }

    @Override
    public final boolean supports(TaskKind k, ModelSource source) {
        return k == kind && source != null && id.equals(source.engine());
    }

    /** The resident model as it was opened (paths and load options), if any. */
    public final Optional<K> residentModel() {
        return resident.key();
    }

    /** Whether {@code model} is the resident one. */
    public final boolean isResident(K model) {
        return resident.isLoaded(model);
    }

    /** The backend library this engine runs on. */
    public final String libraryName() {
        return backend.libraryName();
    }

    /** What the backend reports (name, version, devices), once it is loaded; never loads it. */
    public final Optional<BackendInfo> backendInfo() {
        return backend.loaded().map(NativeBackend::info);
    }

    /** Closes the resident model (waits for a running job). The next job loads it again. */
    public final void unload() {
        jobLock.lock();
        try {
            resident.unload();
        } finally {
            jobLock.unlock();
        }
    }

    // ---- ResidentModels ----

    /** One: loading another model replaces the resident one. */
    @Override
    public final int capacity() {
        return 1;
    }

    @Override
    public final boolean canLoad(TaskKind k, ModelSource source) {
        return supports(k, source);
    }

    @Override
    public final void load(String modelId, TaskKind k, ModelSource source, CancellationToken cancel)
            throws EngineException {
        if (!canLoad(k, source)) {
            throw EngineException.permanent(id + " cannot load " + k + " model '" + modelId
                    + "' with modelSource.engine '" + (source == null ? null : source.engine()) + "'");
        }
        jobLock.lock();
        try {
            loadingId = modelId;
            failures.remove(modelId);
            cancel.throwIfCancelled();
            openModel(modelId, source, ProgressListener.NONE, cancel);
            held.add(modelId);
        } catch (EngineException | RuntimeException e) {
            failures.put(modelId, e.getMessage() == null ? e.toString() : e.getMessage());
            throw e;
        } finally {
            loadingId = null;
            jobLock.unlock();
        }
    }

    @Override
    public final void unload(String modelId) {
        jobLock.lock();
        try {
            failures.remove(modelId);
            held.remove(modelId);
            K key = keys.remove(modelId);
            if (key != null && resident.isLoaded(key)) {
                unloadingId = modelId;
                resident.unload();
            }
        } finally {
            unloadingId = null;
            jobLock.unlock();
        }
    }

    /**
     * The most free memory on a non-CPU device the backend reports with a size (index 0 is the default device;
     * backends that report no sizes, like upstream stable-diffusion.cpp, give empty). Loads the library if needed.
     */
    @Override
    public final OptionalLong deviceFreeBytes(TaskKind k, ModelSource source) {
        try {
            return backend.get(id).info().devices().stream()
                    .filter(d -> d.totalBytes() > 0 && !d.name().toLowerCase(java.util.Locale.ROOT).contains("cpu"))
                    .mapToLong(BackendInfo.Device::freeBytes).max();
        } catch (EngineException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Unloads the resident model unless an id loaded with {@code load} maps to it. Waits for a running job. */
    @Override
    public final void releaseAfter(JobClaim claim) {
        jobLock.lock();
        try {
            Optional<K> current = resident.key();
            if (current.isPresent() && held.stream().noneMatch(h -> current.get().equals(keys.get(h)))) {
                resident.unload();
            }
        } finally {
            jobLock.unlock();
        }
    }

    @Override
    public final State state(String modelId) {
        if (modelId.equals(loadingId)) {
            return new State(Phase.LOADING, null);
        }
        if (modelId.equals(unloadingId)) {
            return new State(Phase.UNLOADING, null);
        }
        String failure = failures.get(modelId);
        if (failure != null) {
            return new State(Phase.FAILED, failure);
        }
        K key = keys.get(modelId);
        if (key == null) {
            return State.ON_DISK;
        }
        if (resident.isLoaded(key)) {
            return State.RESIDENT;
        }
        return new State(Phase.ON_DISK, resident.modelId().map(other -> "replaced by " + other + " (" + id
                + " keeps one model resident at a time)").orElse(null));
    }

    /**
     * Resolves {@code source} (downloads when needed) and makes it the resident model through
     * {@link #load(Object, String, ProgressListener, ContextOpener, Function)}; returns the context.
     */
    protected abstract C openModel(String modelId, ModelSource source, ProgressListener progress,
            CancellationToken cancel) throws EngineException;

    @Override
    public final TaskResult run(JobClaim claim, ProgressListener progress, CancellationToken cancel)
            throws EngineException {
        if (claim.kind() != kind) {
            throw EngineException.permanent(id + " runs " + kind + " tasks, not " + claim.kind());
        }
        jobLock.lock();
        try {
            cancel.throwIfCancelled();
            return runJob(claim, progress == null ? ProgressListener.NONE : progress, cancel);
        } finally {
            jobLock.unlock();
        }
    }

    /** One job of this engine's kind; called with the job lock held. */
    protected abstract TaskResult runJob(JobClaim claim, ProgressListener progress, CancellationToken cancel)
            throws EngineException;

    /** Opens a context on the backend; a {@link NativeException} it throws goes to the load-failure mapper. */
    @FunctionalInterface
    protected interface ContextOpener<K, C> {
        C open(NativeBackend backend, K key);
    }

    /**
     * The context for {@code key}: the resident one, or (after closing it) a new one, reporting {@code load}
     * progress. {@code modelLoadFailure} turns a backend's model-load error into the job's failure (naming the file);
     * other backend errors are mapped by {@link NativeFailures}.
     */
    protected final C load(K key, String modelId, ProgressListener progress, ContextOpener<K, C> opener,
                           Function<NativeException, EngineException> modelLoadFailure) throws EngineException {
        NativeBackend lib = backend.get(id);
        C opened = resident.ensure(key, modelId, k -> {
            progress.onProgress(new Progress("load", 0, 1));
            try {
                C ctx = opener.open(lib, k);
                progress.onProgress(new Progress("load", 1, 1));
                return ctx;
            } catch (NativeException e) {
                throw e.status() == SwStatus.MODEL_LOAD ? modelLoadFailure.apply(e)
                        : NativeFailures.map(id, e, CancellationToken.none());
            } catch (RuntimeException e) {
                throw EngineException.transientFailure(id + ": loading the model failed: " + e, e);
            }
        });
        keys.put(modelId, key);
        return opened;
    }

    /**
     * Runs a native call with a fresh cancel flag that the job's token sets (at once when the token is already
     * cancelled, so a cancel that arrives before the call starts is never lost), mapping failures.
     */
    protected final <T> T callNative(CancellationToken cancel, Function<CancelFlag, T> call) throws EngineException {
        CancelFlag flag = new CancelFlag();
        cancel.onCancel(flag::cancel);
        try {
            return call.apply(flag);
        } catch (NativeException e) {
            throw NativeFailures.map(id, e, cancel);
        } catch (RuntimeException e) {
            throw EngineException.transientFailure(id + " failed: " + e, e);
        }
    }

    /** The claim's {@code model}, else {@code fallback} (a file name). */
    protected static String modelId(JobClaim claim, String fallback) {
        return claim.model() != null && !claim.model().isBlank() ? claim.model() : fallback;
    }

    /** Closes the resident model and, when this engine loaded it, the backend library. */
    @Override
    public final void close() {
        jobLock.lock();
        try {
            resident.unload();
            keys.clear();
            held.clear();
            backend.close();
        } finally {
            jobLock.unlock();
        }
    }

    /**
     * Options every native engine takes.
     *
     * @param <B> the concrete builder
     * @param <E> the engine it builds
     */
    public abstract static class Builder<B extends Builder<B, E>, E extends NativeEngine<?, ?>> {
        private final ModelFiles modelFiles;
        private String library;
        private NativeLibraryLoader loader;
        private NativeBackend backend;
        private InputFetcher fetcher;
        private int threads;

        protected Builder(ModelFiles modelFiles, String defaultLibrary) {
            this.modelFiles = modelFiles;
            this.library = defaultLibrary;
        }

        protected abstract B self();

        public abstract E build();

        /** The backend library to load on the first job (default: the production one). */
        public B library(String name) { this.library = Objects.requireNonNull(name); return self(); }
        /** How to find the library (default: {@link NativeLibraryLoader#defaults()}). */
        public B loader(NativeLibraryLoader l) { this.loader = l; return self(); }
        /** Run on an already loaded backend the caller owns (it is not closed with the engine). */
        public B backend(NativeBackend b) { this.backend = b; return self(); }
        /** How inputs are fetched (default: {@link InputFetcher#defaults()}). */
        public B fetcher(InputFetcher f) { this.fetcher = f; return self(); }
        /** CPU threads for the backend; {@code <= 0}: its default. */
        public B threads(int n) { this.threads = n; return self(); }
    }
}
