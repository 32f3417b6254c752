package gg.minis.studio.worker.engines.routing;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.engine.ResidentModels;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.task.TaskKind;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes each job to the first engine that supports its task kind and {@code modelSource.engine}. Order matters:
 * put real engines before the synthetic one so a configured backend wins.
 *
 * <p>Residency is routed the same way: a model loads on the engine its source routes to; its state is the one
 * engine that knows it; capacity is the smallest of the engines' (per engine, not in total).
 */
public final class MultiEngine implements Engine, ResidentModels {
    private static final Logger log = LoggerFactory.getLogger(MultiEngine.class);
    private final List<Engine> engines;

    public MultiEngine(List<? extends Engine> engines) {
        if (engines.isEmpty()) {
            throw new IllegalArgumentException("MultiEngine needs at least one engine");
        }
        this.engines = List.copyOf(engines);
    }

    public static MultiEngine of(Engine... engines) {
        return new MultiEngine(List.of(engines));
    }

    public List<Engine> engines() {
        return engines;
    }

    /** The engine ids joined with {@code +}, e.g. {@code sd-cpp+synthetic}. */
    @Override
    public String id() {
        return engines.stream().map(Engine::id).collect(Collectors.joining("+"));
    }

    @Override
    public Set<TaskKind> kinds() {
        Set<TaskKind> kinds = EnumSet.noneOf(TaskKind.class);
        engines.forEach(e -> kinds.addAll(e.kinds()));
        return kinds;
    }

    @Override
    public List<String> models(TaskKind kind) {
        Set<String> models = new LinkedHashSet<>();
        engines.forEach(e -> models.addAll(e.models(kind)));
        return new ArrayList<>(models);
    }

    @Override
    public boolean supports(TaskKind kind, ModelSource source) {
        return route(kind, source).isPresent();
    }

    public Optional<Engine> route(TaskKind kind, ModelSource source) {
        return engines.stream().filter(e -> e.supports(kind, source)).findFirst();
    }

    @Override
    public TaskResult run(JobClaim claim, ProgressListener progress, CancellationToken cancel) throws EngineException {
        Engine engine = route(claim.kind(), claim.modelSource()).orElseThrow(() -> EngineException.permanent(
                "no engine for task kind '" + claim.kind() + "' and modelSource.engine '"
                        + claim.modelSource().engine() + "' (this worker runs " + id() + ")"));
        log.debug("job {} -> engine {}", claim.jobId(), engine.id());
        return engine.run(claim, progress, cancel);
    }

    @Override
    public int capacity() {
        return engines.stream().flatMap(e -> ResidentModels.of(e).stream()).mapToInt(ResidentModels::capacity).min()
                .orElse(0);
    }

    @Override
    public boolean canLoad(TaskKind kind, ModelSource source) {
        return route(kind, source).flatMap(ResidentModels::of).map(r -> r.canLoad(kind, source)).orElse(false);
    }

    @Override
    public void load(String modelId, TaskKind kind, ModelSource source, CancellationToken cancel)
            throws EngineException {
        ResidentModels target = route(kind, source).flatMap(ResidentModels::of).orElseThrow(() ->
                EngineException.permanent("no engine here can load " + kind + " model '" + modelId
                        + "' with modelSource.engine '" + source.engine() + "' (this worker runs " + id() + ")"));
        target.load(modelId, kind, source, cancel);
    }

    @Override
    public void unload(String modelId) {
        engines.forEach(e -> ResidentModels.of(e).ifPresent(r -> r.unload(modelId)));
    }

    @Override
    public java.util.OptionalLong deviceFreeBytes(TaskKind kind, ModelSource source) {
        return route(kind, source).flatMap(ResidentModels::of).map(r -> r.deviceFreeBytes(kind, source))
                .orElse(java.util.OptionalLong.empty());
    }

    @Override
    public void releaseAfter(JobClaim claim) {
        route(claim.kind(), claim.modelSource()).flatMap(ResidentModels::of).ifPresent(r -> r.releaseAfter(claim));
    }

    @Override
    public State state(String modelId) {
        for (Engine e : engines) {
            State s = ResidentModels.of(e).map(r -> r.state(modelId)).orElse(State.ON_DISK);
            if (s.phase() != Phase.ON_DISK || s.detail() != null) {
                return s;
            }
        }
        return State.ON_DISK;
    }

    /** Closes every engine, even when one of them fails to close. */
    @Override
    public void close() {
        RuntimeException first = null;
        for (Engine engine : engines) {
            try {
                engine.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
