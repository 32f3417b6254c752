package gg.minis.studio.worker.api.job;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.require;
import static gg.minis.studio.worker.api.protocol.MissingFieldException.requireText;

import com.fasterxml.jackson.annotation.JsonInclude;

/** One file of a model set. {@code approxBytes} and {@code sha256} are optional. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelFile(ModelFileRole role, String url, String filename, Long approxBytes, String sha256) {
    public ModelFile {
        require(role, "role");
        requireText(url, "url");
        requireText(filename, "filename");
    }
}
