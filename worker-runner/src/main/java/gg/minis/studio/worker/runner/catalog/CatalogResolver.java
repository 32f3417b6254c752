package gg.minis.studio.worker.runner.catalog;

import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.runner.daemon.ModelResolver;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Local jobs' models: the catalog's enabled entries that the engine supports (their {@code source}), then the
 * engine's own models. A {@code model} naming a catalog id runs from that entry's source.
 */
public final class CatalogResolver implements ModelResolver {
    private final ModelCatalog catalog;
    private final Engine engine;
    private final ModelResolver fallback;

    public CatalogResolver(ModelCatalog catalog, Engine engine) {
        this.catalog = catalog;
        this.engine = engine;
        this.fallback = ModelResolver.fromEngine(engine);
    }

    @Override
    public List<String> models(TaskKind kind) {
        Set<String> ids = new LinkedHashSet<>(fallback.models(kind));
        for (CatalogEntry e : catalog.entries()) {
            if (e.kind() == kind && e.enabled() && engine.supports(kind, e.source())) {
                ids.add(e.id());
            }
        }
        return List.copyOf(ids);
    }

    @Override
    public Optional<Resolved> resolve(TaskKind kind, String model) {
        if (model != null) {
            Optional<CatalogEntry> entry = catalog.get(model);
            if (entry.isPresent()) {
                CatalogEntry e = entry.get();
                return e.kind() == kind && e.enabled() && engine.supports(kind, e.source())
                        ? Optional.of(new Resolved(e.id(), e.source())) : Optional.empty();
            }
        }
        Optional<Resolved> own = fallback.resolve(kind, model);
        if (own.isPresent() || model != null) {
            return own;
        }
        List<String> ids = models(kind);
        return ids.isEmpty() ? Optional.empty() : resolve(kind, ids.getFirst());
    }

    /** Why {@code model} cannot run a {@code kind} job, when the catalog knows it; null otherwise. */
    public String refusal(TaskKind kind, String model) {
        if (model == null) {
            return null;
        }
        return catalog.get(model).map(e -> e.kind() != kind
                ? "model '" + model + "' is a " + e.kind() + " model, not " + kind
                : !e.enabled() ? "model '" + model + "' is disabled"
                : !engine.supports(kind, e.source()) ? "model '" + model + "' needs engine '" + e.source().engine()
                        + "', which this worker does not run (" + engine.id() + ")"
                : null).orElse(null);
    }
}
