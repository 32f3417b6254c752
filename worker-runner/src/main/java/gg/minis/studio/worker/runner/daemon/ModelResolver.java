package gg.minis.studio.worker.runner.daemon;

import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.TaskKind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which models local jobs may name, and the {@link ModelSource} each runs from. The default reads the engine's own
 * list ({@link Engine#models}); a model catalog (downloadable models, residency) replaces it without touching the
 * routes.
 */
public interface ModelResolver {
    /** A model id and where it runs from. */
    record Resolved(String id, ModelSource source) {}

    /** The model ids of {@code kind}, default first. */
    List<String> models(TaskKind kind);

    /** The named model of {@code kind}, or the default one when {@code model} is null; empty when unknown. */
    Optional<Resolved> resolve(TaskKind kind, String model);

    /** The engine's models; each runs from a source naming the first engine id the engine accepts for it. */
    static ModelResolver fromEngine(Engine engine) {
        return new ModelResolver() {
            @Override
            public List<String> models(TaskKind kind) {
                return engine.kinds().contains(kind) ? List.copyOf(engine.models(kind)) : List.of();
            }

            @Override
            public Optional<Resolved> resolve(TaskKind kind, String model) {
                List<String> known = models(kind);
                String id = model != null ? model : known.isEmpty() ? null : known.getFirst();
                if (id == null || !known.contains(id)) {
                    return Optional.empty();
                }
                // A routing engine's id is its engines' ids joined with '+': try each, then the whole.
                Set<String> candidates = new LinkedHashSet<>(List.of(engine.id().split("\\+")));
                candidates.add(engine.id());
                List<String> tried = new ArrayList<>(candidates);
                for (String candidate : tried) {
                    ModelSource source = ModelSource.of(candidate);
                    if (engine.supports(kind, source)) {
                        return Optional.of(new Resolved(id, source));
                    }
                }
                return Optional.empty();
            }
        };
    }
}
