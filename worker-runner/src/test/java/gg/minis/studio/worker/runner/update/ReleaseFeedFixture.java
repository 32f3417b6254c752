package gg.minis.studio.worker.runner.update;

import java.util.ArrayList;
import java.util.List;

/** Builds GitHub-Releases-shaped feed JSON for the tests. */
final class ReleaseFeedFixture {
    private final String baseUrl;
    private final List<String> releases = new ArrayList<>();

    ReleaseFeedFixture(String baseUrl) {
        this.baseUrl = baseUrl;
    }

    ReleaseFeedFixture release(String tag, boolean prerelease, boolean draft, String... assetNames) {
        List<String> assets = new ArrayList<>();
        for (String name : assetNames) {
            assets.add("{\"name\":\"" + name + "\",\"browser_download_url\":\"" + baseUrl + "/dl/" + tag + "/" + name
                    + "\",\"size\":123,\"content_type\":\"application/java-archive\"}");
        }
        // Extra fields as GitHub sends them: the parser must ignore what it does not know.
        releases.add("{\"id\":1,\"tag_name\":\"" + tag + "\",\"name\":\"Release " + tag + "\",\"prerelease\":"
                + prerelease + ",\"draft\":" + draft + ",\"body\":\"notes\",\"assets\":[" + String.join(",", assets)
                + "]}");
        return this;
    }

    ReleaseFeedFixture release(String tag, String... assetNames) {
        return release(tag, false, false, assetNames);
    }

    ReleaseFeedFixture raw(String json) {
        releases.add(json);
        return this;
    }

    String json() {
        return "[" + String.join(",", releases) + "]";
    }
}
