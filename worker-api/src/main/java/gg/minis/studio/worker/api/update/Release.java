package gg.minis.studio.worker.api.update;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** One entry of the update feed (GitHub Releases shape, snake_case on the wire). */
public record Release(
        @JsonProperty("tag_name") String tagName,
        @JsonProperty("prerelease") boolean prerelease,
        @JsonProperty("draft") boolean draft,
        @JsonProperty("assets") List<ReleaseAsset> assets) {
    public Release {
        assets = assets == null ? List.of() : List.copyOf(assets);
    }
}
