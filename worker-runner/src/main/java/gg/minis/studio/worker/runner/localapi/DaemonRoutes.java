package gg.minis.studio.worker.runner.localapi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import gg.minis.studio.worker.runner.Version;
import gg.minis.studio.worker.runner.config.ConfigException;
import gg.minis.studio.worker.runner.config.ConfigPaths;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import gg.minis.studio.worker.runner.daemon.Daemon;
import gg.minis.studio.worker.runner.daemon.JobHistory;
import gg.minis.studio.worker.runner.logging.LogRing;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Health, job history and daemon management: {@code GET /healthz} (the one route without auth), {@code GET /jobs},
 * {@code /jobs/{id}}, {@code /jobs/{id}/log}, {@code /jobs/{id}/thumbnail}, and {@code /daemon/*} (status, logs,
 * pause, resume, config, registration reset, shutdown). Nothing here ever returns a credential.
 */
final class DaemonRoutes implements Router.Routes {
    static final String HEALTHZ = "/healthz";
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final int MAX_LOG_LINES = 1_000;

    private final Daemon daemon;

    DaemonRoutes(Daemon daemon) {
        this.daemon = daemon;
    }

    @Override
    public void register(Router router) {
        router.get(HEALTHZ, this::healthz)
                .get("/jobs", this::jobs)
                .get("/jobs/{id}", this::job)
                .get("/jobs/{id}/log", this::jobLog)
                .get("/jobs/{id}/thumbnail", this::thumbnail)
                .get("/daemon/status", this::status)
                .get("/daemon/logs", this::logs)
                .post("/daemon/pause", r -> {
                    daemon.pause();
                    return ApiResponse.ok(Map.of("paused", true));
                })
                .post("/daemon/resume", r -> {
                    daemon.resume();
                    return ApiResponse.ok(Map.of("paused", false));
                })
                .get("/daemon/config", r -> ApiResponse.ok(daemon.configView()))
                .put("/daemon/config", this::putConfig)
                .post("/daemon/registration/reset", this::resetRegistration)
                // Shut down once the answer is out: the server closes when the worker has stopped.
                .post("/daemon/shutdown", r -> new ApiResponse.Then(
                        ApiResponse.json(202, Map.of("shuttingDown", true)), daemon::shutdown));
    }

    private ApiResponse healthz(ApiRequest request) {
        ObjectNode body = JSON.objectNode();
        body.put("ok", true);
        body.put("version", Version.current());
        body.put("busy", daemon.busy());
        body.put("engine", daemon.engine().id());
        try {
            Path root = ConfigPaths.modelsRoot(daemon.config());
            body.put("modelsRoot", root.toString());
            Long free = freeBytes(root);
            if (free == null) {
                body.putNull("modelsRootFreeBytes");
            } else {
                body.put("modelsRootFreeBytes", free);
            }
        } catch (ConfigException | RuntimeException e) {
            body.putNull("modelsRoot");
            body.putNull("modelsRootFreeBytes");
        }
        return ApiResponse.ok(body);
    }

    /** Usable bytes on the file system that holds (or will hold) {@code dir}; null when unknown. */
    static Long freeBytes(Path dir) {
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                try {
                    return Files.getFileStore(p).getUsableSpace();
                } catch (IOException | RuntimeException e) {
                    return null;
                }
            }
        }
        return null;
    }

    // ---- jobs ----

    private ApiResponse jobs(ApiRequest request) throws ApiException {
        int limit = intQuery(request, "limit", 50, 1, 1_000);
        ArrayNode jobs = JSON.arrayNode();
        daemon.jobs().recent(limit).forEach(e -> jobs.add(job(e)));
        ObjectNode body = JSON.objectNode();
        body.set("jobs", jobs);
        return ApiResponse.ok(body);
    }

    private ApiResponse job(ApiRequest request) throws ApiException {
        return ApiResponse.ok(job(entry(request.param("id"))));
    }

    private ApiResponse jobLog(ApiRequest request) throws ApiException {
        String id = request.param("id");
        List<LogRing.Line> lines = daemon.logs().job(id);
        if (lines.isEmpty() && daemon.jobs().get(id).isEmpty()) {
            throw ApiException.notFound("no job '" + id + "' in the recent history");
        }
        ObjectNode body = JSON.objectNode();
        body.put("jobId", id);
        body.set("lines", lines(lines));
        return ApiResponse.ok(body);
    }

    private ApiResponse thumbnail(ApiRequest request) throws ApiException {
        String id = request.param("id");
        JobHistory.Entry e = entry(id);
        byte[] png = daemon.jobs().thumbnail(id).orElseThrow(() -> ApiException.notFound("job '" + id
                + "' has no thumbnail (" + e.kind() + " job, " + e.outcome().wireName() + ")"));
        return ApiResponse.bytes("image/png", png, Map.of());
    }

    private JobHistory.Entry entry(String id) throws ApiException {
        return daemon.jobs().get(id).orElseThrow(() -> ApiException.notFound("no job '" + id
                + "' in the recent history"));
    }

    static ObjectNode job(JobHistory.Entry e) {
        ObjectNode o = JSON.objectNode();
        o.put("id", e.id());
        o.put("source", e.source().wireName());
        o.put("kind", e.kind() == null ? null : e.kind().wireName());
        o.put("model", e.model());
        o.put("startedAt", e.startedAt().toString());
        if (e.durationMs() == null) {
            o.putNull("durationMs");
        } else {
            o.put("durationMs", e.durationMs());
        }
        o.put("outcome", e.outcome().wireName());
        o.put("error", e.error());
        o.put("thumbnail", e.hasThumbnail() ? "/jobs/" + e.id() + "/thumbnail" : null);
        return o;
    }

    // ---- daemon ----

    private ApiResponse status(ApiRequest request) {
        Daemon.Status s = daemon.status();
        ObjectNode body = JSON.objectNode();
        body.put("version", s.version());
        body.put("pid", s.pid());
        body.put("configFile", s.configFile().toString());
        body.put("engine", s.engine());
        body.put("studio", s.studio());
        body.put("startedAt", s.startedAt().toString());
        body.put("paused", s.paused());
        body.put("busy", s.busy());
        body.put("shuttingDown", s.shuttingDown());
        ObjectNode registration = body.putObject("registration");
        registration.put("phase", s.registrationPhase());
        registration.put("workerId", s.workerId());
        if (s.session() == null) {
            body.putNull("session");
        } else {
            ObjectNode session = body.putObject("session");
            session.put("connected", s.session().connected());
            session.put("welcomed", s.session().welcomed());
            session.put("pendingResults", s.session().pendingResults());
            session.put("consecutiveFailures", s.session().consecutiveFailures());
        }
        if (s.studioEnded() == null) {
            body.putNull("studioEnded");
        } else {
            ObjectNode ended = body.putObject("studioEnded");
            ended.put("exit", s.studioEnded().exit().name().toLowerCase(Locale.ROOT));
            ended.put("at", s.studioEnded().at().toString());
            ended.put("advice", s.studioEnded().advice());
        }
        body.set("currentJob", s.currentJob() == null ? JSON.nullNode() : job(s.currentJob()));
        ArrayNode recent = body.putArray("recentJobs");
        s.recentJobs().forEach(e -> recent.add(job(e)));
        body.put("vramTotalGb", s.vramTotalGb());
        return ApiResponse.ok(body);
    }

    private ApiResponse logs(ApiRequest request) throws ApiException {
        long after = longQuery(request, "after", 0);
        int limit = intQuery(request, "limit", 500, 1, MAX_LOG_LINES);
        List<LogRing.Line> lines = daemon.logs().after(after, limit);
        ObjectNode body = JSON.objectNode();
        body.set("lines", lines(lines));
        body.put("lastSeq", lines.isEmpty() ? Math.max(after, 0) : lines.getLast().seq());
        return ApiResponse.ok(body);
    }

    private static ArrayNode lines(List<LogRing.Line> lines) {
        ArrayNode out = JSON.arrayNode();
        for (LogRing.Line l : lines) {
            ObjectNode o = out.addObject();
            o.put("seq", l.seq());
            o.put("ts", l.ts().toString());
            o.put("level", l.level());
            o.put("category", l.category());
            o.put("message", l.message());
            o.put("jobId", l.jobId());
        }
        return out;
    }

    private ApiResponse putConfig(ApiRequest request) throws ApiException, ConfigException {
        ObjectNode body = request.jsonObject();
        if (body.isEmpty()) {
            throw ApiException.badRequest("no keys given; send {\"key\": value, ...}");
        }
        Map<String, String> changes = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : body.properties()) {
            JsonNode v = e.getValue();
            String text;
            if (v.isNull()) {
                text = "";
            } else if (v.isTextual()) {
                text = v.textValue();
            } else if (v.isNumber() || v.isBoolean()) {
                text = v.asText();
            } else {
                String shown = WorkerConfig.isSecret(e.getKey()) ? "<redacted>" : Fields.show(v);
                throw ApiException.badRequest(e.getKey() + ": expected a string, number or boolean, got " + shown);
            }
            changes.put(e.getKey(), text);
        }
        Daemon.ConfigUpdate update;
        try {
            update = daemon.updateConfig(changes);
        } catch (ConfigException e) {
            throw ApiException.badRequest(e.getMessage());
        }
        ObjectNode out = JSON.objectNode();
        ArrayNode changed = out.putArray("changed");
        update.changed().forEach(changed::add);
        out.put("restartRequired", true);
        ObjectNode config = out.putObject("config");
        Daemon.view(update.config()).forEach(config::put);
        return ApiResponse.ok(out);
    }

    private ApiResponse resetRegistration(ApiRequest request) throws ConfigException {
        List<String> cleared = daemon.resetRegistration();
        ObjectNode out = JSON.objectNode();
        ArrayNode list = out.putArray("cleared");
        cleared.forEach(list::add);
        out.put("registering", !daemon.shuttingDown());
        return ApiResponse.ok(out);
    }

    // ---- query parameters ----

    private static long longQuery(ApiRequest request, String name, long fallback) throws ApiException {
        String s = request.query(name);
        if (s == null || s.isEmpty()) {
            return fallback;
        }
        try {
            long v = Long.parseLong(s);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("query parameter '" + name + "' must be a whole number >= 0, got \""
                    + shorten(s) + "\"");
        }
    }

    private static int intQuery(ApiRequest request, String name, int fallback, int min, int max)
            throws ApiException {
        String s = request.query(name);
        if (s == null || s.isEmpty()) {
            return fallback;
        }
        try {
            int v = Integer.parseInt(s);
            if (v < min || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("query parameter '" + name + "' must be a whole number in " + min + ".."
                    + max + ", got \"" + shorten(s) + "\"");
        }
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
