package gg.minis.studio.worker.runner.localapi;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Routes by method and path template ({@code /jobs/{id}/log}: a {@code {name}} segment matches one non-empty path
 * segment). A path that matches with another method is a 405 listing the allowed ones; otherwise 404.
 */
public final class Router {
    /** Handles one routed request; may block (it runs off the event loop). */
    @FunctionalInterface
    public interface Handler {
        ApiResponse handle(ApiRequest request) throws Exception;
    }

    /** A group of routes registered together (jobs, daemon, and later the model catalog). */
    @FunctionalInterface
    public interface Routes {
        void register(Router router);
    }

    private record Route(HttpMethod method, String[] segments, Handler handler) {}

    /** The outcome of {@link #match}. */
    sealed interface Match {
        record Found(Handler handler, Map<String, String> params) implements Match {}

        record MethodNotAllowed(Set<String> allowed) implements Match {}

        record NotFound() implements Match {}
    }

    private final List<Route> routes = new ArrayList<>();

    public Router add(HttpMethod method, String template, Handler handler) {
        if (!template.startsWith("/")) {
            throw new IllegalArgumentException("template must start with '/': " + template);
        }
        routes.add(new Route(method, split(template), handler));
        return this;
    }

    public Router get(String template, Handler handler) {
        return add(HttpMethod.GET, template, handler);
    }

    public Router post(String template, Handler handler) {
        return add(HttpMethod.POST, template, handler);
    }

    public Router put(String template, Handler handler) {
        return add(HttpMethod.PUT, template, handler);
    }

    public Router delete(String template, Handler handler) {
        return add(HttpMethod.DELETE, template, handler);
    }

    public Router include(Routes group) {
        group.register(this);
        return this;
    }

    /** {@code rawPath} is still percent-encoded; each segment is decoded on its own, so {@code %2F} stays inside. */
    Match match(HttpMethod method, String rawPath) {
        String[] segments = Arrays.stream(split(rawPath)).map(QueryStringDecoder::decodeComponent)
                .toArray(String[]::new);
        Set<String> allowed = new LinkedHashSet<>();
        for (Route route : routes) {
            Map<String, String> params = bind(route.segments(), segments);
            if (params == null) {
                continue;
            }
            if (route.method().equals(method)) {
                return new Match.Found(route.handler(), params);
            }
            allowed.add(route.method().name());
        }
        return allowed.isEmpty() ? new Match.NotFound() : new Match.MethodNotAllowed(allowed);
    }

    private static Map<String, String> bind(String[] template, String[] path) {
        if (template.length != path.length) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < template.length; i++) {
            String t = template[i];
            if (t.startsWith("{") && t.endsWith("}")) {
                if (path[i].isEmpty()) {
                    return null;
                }
                params.put(t.substring(1, t.length() - 1), path[i]);
            } else if (!t.equals(path[i])) {
                return null;
            }
        }
        return params;
    }

    /** "/a/b/" -> [a, b, ""]: a trailing slash is a different path. */
    private static String[] split(String path) {
        String p = path.startsWith("/") ? path.substring(1) : path;
        return p.isEmpty() ? new String[0] : p.split("/", -1);
    }
}
