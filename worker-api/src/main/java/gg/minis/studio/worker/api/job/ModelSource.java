package gg.minis.studio.worker.api.job;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.requireText;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Optional;

/** Where a model comes from and how to run it. {@code engine} is kebab-case, see {@link EngineIds}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelSource(String engine, List<ModelFile> files, CliDefaults cliDefaults) {
    public ModelSource {
        requireText(engine, "engine");
        files = files == null ? List.of() : List.copyOf(files);
    }

    public static ModelSource of(String engine) {
        return new ModelSource(engine, List.of(), null);
    }

    /** Never null: {@link CliDefaults#NONE} when the studio sent none. */
    public CliDefaults defaults() {
        return cliDefaults == null ? CliDefaults.NONE : cliDefaults;
    }

    public Optional<ModelFile> file(ModelFileRole role) {
        return files.stream().filter(f -> f.role() == role).findFirst();
    }

    public List<ModelFile> files(ModelFileRole role) {
        return files.stream().filter(f -> f.role() == role).toList();
    }
}
