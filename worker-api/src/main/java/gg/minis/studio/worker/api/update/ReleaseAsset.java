package gg.minis.studio.worker.api.update;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One downloadable file of a release (GitHub Releases shape, snake_case on the wire). */
public record ReleaseAsset(
        @JsonProperty("name") String name, @JsonProperty("browser_download_url") String browserDownloadUrl) {}
