package gg.minis.studio.worker.engines.support;

import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.natives.NativeBackend;
import gg.minis.studio.worker.natives.NativeLibraryException;
import gg.minis.studio.worker.natives.NativeLibraryLoader;
import java.util.Objects;
import java.util.Optional;

/**
 * The backend library an engine runs on: either loaded lazily by name on the first job (and closed with the
 * engine), or a {@link NativeBackend} the caller owns and shares (never closed here).
 */
public final class BackendRef implements AutoCloseable {
    private final String libraryName;
    private final NativeLibraryLoader loader;
    private final boolean owned;
    private NativeBackend backend; // guarded by this
    private boolean closed; // guarded by this

    private BackendRef(String libraryName, NativeLibraryLoader loader, NativeBackend backend) {
        this.libraryName = libraryName;
        this.loader = loader;
        this.backend = backend;
        this.owned = backend == null;
    }

    /** Loads {@code libraryName} through {@code loader} when first needed; {@link #close()} unloads it. */
    public static BackendRef lazy(NativeLibraryLoader loader, String libraryName) {
        return new BackendRef(Objects.requireNonNull(libraryName, "libraryName"), Objects.requireNonNull(loader,
                "loader"), null);
    }

    /** A backend the caller loaded and will close. */
    public static BackendRef shared(NativeBackend backend) {
        return new BackendRef(backend.name(), null, Objects.requireNonNull(backend, "backend"));
    }

    public String libraryName() {
        return libraryName;
    }

    /** The backend, once loaded. */
    public synchronized Optional<NativeBackend> loaded() {
        return Optional.ofNullable(backend);
    }

    /**
     * The backend, loading it now if needed.
     *
     * @throws EngineException (retryable: the job is fine, this worker cannot run it) when the library cannot be
     *                         found or loaded
     */
    public synchronized NativeBackend get(String engineId) throws EngineException {
        if (closed) {
            throw new EngineException(engineId + " is closed", true);
        }
        if (backend == null) {
            try {
                backend = NativeBackend.load(loader, libraryName);
            } catch (NativeLibraryException e) {
                throw new EngineException(engineId + ": cannot load the native library " + libraryName + ": "
                        + e.getMessage(), true, e);
            }
        }
        return backend;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (owned && backend != null) {
            backend.close();
            backend = null;
        }
    }
}
