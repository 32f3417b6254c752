package gg.minis.studio.worker.api.engine;

import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.TaskKind;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An engine that can load a model ahead of any job and keep it resident until told otherwise. Models are named by
 * the caller's id (a catalog id); what an engine keys its memory by is its own business (the native engines: the
 * resolved model set, so a job naming the same files under another id still reuses the resident context).
 *
 * <p>Capacity is honest: {@link #capacity()} models per engine at once. The native engines hold one: loading another
 * model (or running a job on another model) replaces the resident one, whose state then goes back to
 * {@link Phase#ON_DISK} with a detail saying what replaced it.
 *
 * <p>{@link #load} and {@link #unload} wait for a running job of the same engine; callers that must not wait
 * (the local API) serialise them with jobs themselves.
 */
public interface ResidentModels {
    /** Where a model is: {@code on_disk -> loading -> resident -> unloading -> on_disk}, or {@code failed}. */
    enum Phase {
        ON_DISK,
        LOADING,
        RESIDENT,
        UNLOADING,
        FAILED;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** A model's phase; {@code detail} says why it failed, or what replaced it (null when there is nothing to say). */
    record State(Phase phase, String detail) {
        public State {
            Objects.requireNonNull(phase, "phase");
        }

        public static final State ON_DISK = new State(Phase.ON_DISK, null);
        public static final State RESIDENT = new State(Phase.RESIDENT, null);

        public boolean resident() {
            return phase == Phase.RESIDENT;
        }
    }

    /** How many models this engine keeps resident at once (native engines: 1; unbounded: Integer.MAX_VALUE). */
    int capacity();

    /** Whether {@link #load} can take a model of {@code kind} from {@code source}. */
    boolean canLoad(TaskKind kind, ModelSource source);

    /**
     * Loads {@code modelId} from {@code source} (downloading its files first when needed) and keeps it resident.
     * A no-op when it already is. On an engine with capacity 1 this replaces the resident model.
     *
     * @throws EngineException naming the file or the reason; the model's state is then {@link Phase#FAILED}
     */
    void load(String modelId, TaskKind kind, ModelSource source, CancellationToken cancel) throws EngineException;

    /** Releases {@code modelId} when it is resident; a no-op otherwise. Clears a failed state. */
    void unload(String modelId);

    /**
     * Called after a job on this engine: releases the model the job ran on unless it was loaded with {@link #load}
     * (under any id: a job on a loaded model set keeps it). So a model loaded for one job does not stay resident.
     */
    default void releaseAfter(JobClaim claim) {}

    /**
     * Free bytes on the accelerator a model of {@code kind} from {@code source} would load onto, when this engine
     * knows (the native backends report their devices); empty when it does not (then callers use free RAM).
     */
    default OptionalLong deviceFreeBytes(TaskKind kind, ModelSource source) {
        return OptionalLong.empty();
    }

    /** The phase of {@code modelId}; {@link State#ON_DISK} for models this engine never loaded. */
    State state(String modelId);

    /** {@code engine} itself when it manages residency, else empty. */
    static Optional<ResidentModels> of(Engine engine) {
        return engine instanceof ResidentModels r ? Optional.of(r) : Optional.empty();
    }
}
