package gg.minis.studio.worker.runner.studio;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * Every studio URL, derived from the configured base as the protocol says: query and fragment dropped, trailing
 * {@code /} dropped, {@code /graphics/api} added once, an outer mount path kept.
 */
public final class StudioEndpoints {
    public static final String PREFIX = "/graphics/api";
    private static final Set<String> SCHEMES = Set.of("http", "https", "ws", "wss");

    private final String scheme;
    private final String authority;
    private final String apiPath;

    private StudioEndpoints(String scheme, String authority, String apiPath) {
        this.scheme = scheme;
        this.authority = authority;
        this.apiPath = apiPath;
    }

    /** @throws IllegalArgumentException naming the value when it does not parse or has another scheme */
    public static StudioEndpoints parse(String baseUrl) {
        if (baseUrl == null || baseUrl.isBlank()) {
            throw new IllegalArgumentException("api_base_url is empty");
        }
        URI uri;
        try {
            uri = new URI(baseUrl.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("api_base_url '" + baseUrl + "' is not a URL (" + e.getReason() + ")");
        }
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme == null || !SCHEMES.contains(scheme)) {
            throw new IllegalArgumentException(
                    "api_base_url '" + baseUrl + "' must use http, https, ws or wss");
        }
        if (uri.getRawAuthority() == null || uri.getHost() == null) {
            throw new IllegalArgumentException("api_base_url '" + baseUrl + "' has no host");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if (!path.endsWith(PREFIX)) {
            path = path + PREFIX;
        }
        return new StudioEndpoints(scheme, uri.getRawAuthority(), path);
    }

    private boolean secure() {
        return scheme.equals("https") || scheme.equals("wss");
    }

    private URI http(String path) {
        return URI.create((secure() ? "https" : "http") + "://" + authority + apiPath + path);
    }

    /** The normalised HTTP base, ending in {@code /graphics/api}. */
    public URI apiBase() {
        return http("");
    }

    public URI registerRequest() {
        return http("/workers/register-request");
    }

    public URI registerPoll(String requestId) {
        return http("/workers/register-requests/" + segment(requestId));
    }

    public URI complete(String workerId, String jobId) {
        return http("/workers/" + segment(workerId) + "/jobs/" + segment(jobId) + "/complete");
    }

    /** The WebSocket URL: http becomes ws, https becomes wss; ws/wss are kept. */
    public URI connect(String workerId) {
        return URI.create((secure() ? "wss" : "ws") + "://" + authority + apiPath + "/workers/" + segment(workerId)
                + "/connect");
    }

    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return apiBase().toString();
    }
}
