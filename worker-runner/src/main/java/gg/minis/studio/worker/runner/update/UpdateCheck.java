package gg.minis.studio.worker.runner.update;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import gg.minis.studio.worker.api.update.Release;
import gg.minis.studio.worker.api.update.ReleaseAsset;
import gg.minis.studio.worker.runner.Version;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One look at the release feed: is there a newer release (drafts never, pre-releases only when enabled) with a runner
 * jar for this platform? Never throws: a broken feed is a {@link UpdateCheckResult.Outcome#FAILED} result.
 */
public final class UpdateCheck {
    private static final Logger log = LoggerFactory.getLogger(UpdateCheck.class);
    static final ObjectMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // GitHub sends dozens of other fields
            .build();
    private static final long MAX_FEED_BYTES = 8L << 20;

    private final HttpClient http;
    private final URI feed;
    private final boolean prereleases;
    private final String currentVersion;
    private final Platform platform;
    private final Clock clock;

    public UpdateCheck(HttpClient http, URI feed, boolean prereleases, String currentVersion, Platform platform,
            Clock clock) {
        this.http = http;
        this.feed = feed;
        this.prereleases = prereleases;
        this.currentVersion = currentVersion;
        this.platform = platform;
        this.clock = clock;
    }

    /** The check the config asks for, against this build's version and platform. */
    public static UpdateCheck of(WorkerConfig config) {
        return new UpdateCheck(UpdateHttp.client(), config.autoUpdateFeed(), config.autoUpdatePrerelease(),
                Version.current(), Platform.current(), Clock.systemUTC());
    }

    HttpClient http() {
        return http;
    }

    public UpdateCheckResult run() {
        byte[] body;
        try {
            body = UpdateHttp.get(http, UpdateHttp.requireHttp(feed.toString(), "auto_update_feed"), MAX_FEED_BYTES);
        } catch (UpdateException e) {
            return failed(e.getMessage());
        } catch (RuntimeException e) { // e.g. a URI the client refuses; the caller gets a result, not a crash
            log.debug("update check failed", e);
            return failed("cannot read " + feed + ": " + e);
        }
        return evaluate(body);
    }

    UpdateCheckResult evaluate(byte[] body) {
        Optional<SemVer> current = SemVer.parse(currentVersion);
        if (current.isEmpty()) {
            return failed("the running version '" + currentVersion + "' is not a semantic version");
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            return failed("the release feed " + feed + " is not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (java.io.IOException e) {
            return failed("cannot read the release feed " + feed + ": " + e);
        }
        if (root == null || !root.isArray()) {
            return failed("the release feed " + feed + " is not a JSON list of releases");
        }
        Release best = null;
        SemVer bestVersion = null;
        for (JsonNode node : root) {
            Release release;
            try {
                release = JSON.treeToValue(node, Release.class);
            } catch (JacksonException | IllegalArgumentException e) {
                log.debug("update feed: skipping an entry that is not a release: {}", e.getMessage());
                continue;
            }
            if (release == null || release.draft()) {
                continue;
            }
            Optional<SemVer> version = SemVer.parse(release.tagName());
            if (version.isEmpty()) {
                log.debug("update feed: skipping tag '{}': not a semantic version", release.tagName());
                continue;
            }
            if ((release.prerelease() || version.get().isPreRelease()) && !prereleases) {
                continue;
            }
            if (bestVersion == null || version.get().isNewerThan(bestVersion)) {
                best = release;
                bestVersion = version.get();
            }
        }
        if (best == null) {
            return result(UpdateCheckResult.Outcome.UP_TO_DATE, null, null, null);
        }
        if (!bestVersion.isNewerThan(current.get())) {
            return result(UpdateCheckResult.Outcome.UP_TO_DATE, bestVersion.toString(), null, null);
        }
        Optional<ReleaseAsset> jar = Assets.runnerJar(best.assets(), platform);
        if (jar.isEmpty()) {
            return failed("release " + best.tagName() + " has no runner jar for " + platform.classifier());
        }
        UpdateInfo info = new UpdateInfo(bestVersion.toString(), best.tagName(), jar.get(),
                Assets.checksumFor(best.assets(), jar.get()).orElse(null));
        return result(UpdateCheckResult.Outcome.AVAILABLE, bestVersion.toString(), info, null);
    }

    private UpdateCheckResult failed(String problem) {
        return result(UpdateCheckResult.Outcome.FAILED, null, null, problem);
    }

    private UpdateCheckResult result(UpdateCheckResult.Outcome outcome, String latest, UpdateInfo info,
            String problem) {
        return new UpdateCheckResult(clock.instant().toString(), currentVersion, outcome, latest, info, problem);
    }
}
