package gg.minis.studio.worker.runner.update;

import gg.minis.studio.worker.api.update.ReleaseAsset;

/**
 * A newer release this worker can update to.
 *
 * @param version  the release's semantic version, without {@code v}
 * @param tag      the release's tag as the feed spells it
 * @param asset    the runner jar for this platform
 * @param checksum its {@code <asset>.sha256} or the release's {@code SHA256SUMS}; null when the release has none
 */
public record UpdateInfo(String version, String tag, ReleaseAsset asset, ReleaseAsset checksum) {}
