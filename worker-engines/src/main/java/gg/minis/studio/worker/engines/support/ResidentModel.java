package gg.minis.studio.worker.engines.support;

import gg.minis.studio.worker.api.engine.EngineException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one model context an engine keeps loaded between jobs, keyed by everything that went into loading it
 * (resolved paths and load options). A job with the same key reuses the context; a different key closes the old
 * context first, then opens the new one (two large models never sit in memory together). A failed open leaves
 * nothing loaded. Callers serialise access (the engine's job lock); the getters may be read from any thread.
 *
 * @param <K> the load key (a record: value equality)
 * @param <C> the native context
 */
public final class ResidentModel<K, C extends AutoCloseable> {
    private static final Logger LOG = LoggerFactory.getLogger(ResidentModel.class);

    /** Opens a context for a key. */
    @FunctionalInterface
    public interface Opener<K, C> {
        C open(K key) throws EngineException;
    }

    private final String engineId;
    private volatile K key;
    private volatile C context;
    private volatile String modelId;

    public ResidentModel(String engineId) {
        this.engineId = engineId;
    }

    /** The context for {@code key}: the resident one when the key is unchanged, else a freshly opened one. */
    public C ensure(K wanted, String wantedId, Opener<K, C> opener) throws EngineException {
        C current = context;
        if (current != null && wanted.equals(key)) {
            modelId = wantedId;
            return current;
        }
        unload();
        LOG.info("{}: loading model {}", engineId, wantedId);
        C opened = opener.open(wanted);
        key = wanted;
        modelId = wantedId;
        context = opened;
        return opened;
    }

    public boolean isLoaded(K candidate) {
        return context != null && candidate.equals(key);
    }

    public Optional<K> key() {
        return context == null ? Optional.empty() : Optional.ofNullable(key);
    }

    public Optional<String> modelId() {
        return context == null ? Optional.empty() : Optional.ofNullable(modelId);
    }

    /** Closes the resident context, if any. */
    public void unload() {
        C current = context;
        context = null;
        key = null;
        modelId = null;
        if (current != null) {
            LOG.info("{}: unloading the resident model", engineId);
            try {
                current.close();
            } catch (Exception e) {
                LOG.warn("{}: closing the model context failed: {}", engineId, e.toString());
            }
        }
    }
}
