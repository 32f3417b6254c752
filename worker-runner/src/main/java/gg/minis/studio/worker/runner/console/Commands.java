package gg.minis.studio.worker.runner.console;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The console's commands, each one or a few local API requests turned into plain aligned text. A failure is a
 * {@link ConsoleException}, which the console prints as one {@code error:} line.
 */
final class Commands {
    static final List<String> NAMES = List.of("status", "jobs", "logs", "pause", "resume", "engines", "models",
            "cache", "config", "help", "quit", "exit");
    static final List<String> CONFIG_SUBCOMMANDS = List.of("get", "set", "list");
    static final List<String> CACHE_SUBCOMMANDS = List.of("list", "verify", "prune");
    static final int DEFAULT_LOG_LINES = 20;
    static final int DEFAULT_JOBS = 20;
    private static final int LOG_PAGE = 1_000;
    private static final long FOLLOW_POLL_MILLIS = 250;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss")
            .withZone(ZoneId.systemDefault());

    /** Asked between polls of {@code logs -f}: waits up to {@code millis}, true once the user wants to stop. */
    @FunctionalInterface
    interface StopSignal {
        boolean await(long millis);
    }

    /** Asks the user a question on its own line; null when the input ended. */
    @FunctionalInterface
    interface Prompt {
        String ask(String question);
    }

    private final LocalApiClient api;
    private final boolean quitStopsWorker;

    Commands(LocalApiClient api, boolean quitStopsWorker) {
        this.api = api;
        this.quitStopsWorker = quitStopsWorker;
    }

    /**
     * Runs one command line (already split into words).
     *
     * @return false for {@code quit}/{@code exit}
     */
    boolean execute(List<String> words, PrintWriter out, StopSignal stop) throws ConsoleException {
        return execute(words, out, stop, q -> null);
    }

    /** As above; {@code prompt} asks for confirmations ({@code cache prune}). */
    boolean execute(List<String> words, PrintWriter out, StopSignal stop, Prompt prompt) throws ConsoleException {
        String command = words.getFirst();
        List<String> args = words.subList(1, words.size());
        switch (command) {
            case "status" -> {
                noArgs(command, args);
                status(out);
            }
            case "jobs" -> jobs(count(command, args, DEFAULT_JOBS), out);
            case "logs" -> {
                if (args.size() == 1 && (args.getFirst().equals("-f") || args.getFirst().equals("--follow"))) {
                    follow(out, stop);
                } else {
                    tail(count(command, args, DEFAULT_LOG_LINES), out);
                }
            }
            case "pause" -> {
                noArgs(command, args);
                api.post("/daemon/pause");
                out.println("paused: studio offers are rejected until 'resume' (local jobs still run)");
            }
            case "resume" -> {
                noArgs(command, args);
                api.post("/daemon/resume");
                out.println("resumed: taking studio offers");
            }
            case "engines" -> {
                noArgs(command, args);
                engines(out);
            }
            case "models" -> {
                noArgs(command, args);
                models(out);
            }
            case "cache" -> cache(args, out, prompt);
            case "config" -> config(args, out);
            case "help" -> help(out);
            case "quit", "exit" -> {
                return false;
            }
            default -> throw new ConsoleException("unknown command '" + command + "'"
                    + Suggestions.closest(command, NAMES).map(s -> "; did you mean '" + s + "'?")
                            .orElse("; 'help' lists the commands"));
        }
        return true;
    }

    private static void noArgs(String command, List<String> args) throws ConsoleException {
        if (!args.isEmpty()) {
            throw new ConsoleException(command + " takes no arguments, got '" + String.join(" ", args) + "'");
        }
    }

    private static int count(String command, List<String> args, int fallback) throws ConsoleException {
        if (args.isEmpty()) {
            return fallback;
        }
        String usage = command.equals("logs") ? "usage: logs [N] | logs -f" : "usage: " + command + " [N]";
        if (args.size() > 1) {
            throw new ConsoleException(usage);
        }
        try {
            int n = Integer.parseInt(args.getFirst());
            if (n >= 1 && n <= 5_000) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ConsoleException(usage + " (N a whole number 1..5000, got '" + args.getFirst() + "')");
    }

    // ---- status, jobs ----

    private void status(PrintWriter out) throws ConsoleException {
        JsonNode s = api.get("/daemon/status");
        int w = 14;
        TextTable.pair(out, w, "version", s.path("version").asText() + " (pid " + s.path("pid").asText() + ")");
        TextTable.pair(out, w, "studio", s.path("studio").asText());
        JsonNode reg = s.path("registration");
        String phase = reg.path("phase").asText("unknown");
        TextTable.pair(out, w, "registration", reg.hasNonNull("workerId") && phase.equals("approved")
                ? phase + ": worker " + reg.path("workerId").asText() : phase);
        JsonNode session = s.path("session");
        JsonNode ended = s.path("studioEnded");
        String sessionText;
        if (ended.isObject()) {
            sessionText = "stopped (" + ended.path("exit").asText().replace('_', ' ') + "): "
                    + ended.path("advice").asText();
        } else if (session.isMissingNode() || session.isNull()) {
            sessionText = "not started (registering)";
        } else {
            sessionText = (session.path("connected").asBoolean() ? "connected" : "disconnected")
                    + ", " + (session.path("welcomed").asBoolean() ? "welcomed" : "not welcomed")
                    + "; " + plural(session.path("pendingResults").asInt(), "undelivered result");
            int failures = session.path("consecutiveFailures").asInt();
            if (failures > 0) {
                sessionText += "; " + plural(failures, "failed connect") + " in a row";
            }
        }
        TextTable.pair(out, w, "session", sessionText);
        String state = s.path("shuttingDown").asBoolean() ? "shutting down"
                : s.path("paused").asBoolean() ? "yes (rejecting studio offers)" : "no";
        TextTable.pair(out, w, "paused", state);
        JsonNode job = s.path("currentJob");
        TextTable.pair(out, w, "current job", job.isObject()
                ? job.path("id").asText() + " (" + job.path("source").asText() + " " + job.path("kind").asText()
                        + ", model " + job.path("model").asText("-") + ", running for "
                        + since(job.path("startedAt").asText()) + ")"
                : "none");
        TextTable.pair(out, w, "engine", s.path("engine").asText());
        TextTable.pair(out, w, "uptime", since(s.path("startedAt").asText()));
        TextTable.pair(out, w, "config", s.path("configFile").asText());
    }

    private void jobs(int limit, PrintWriter out) throws ConsoleException {
        JsonNode jobs = api.get("/jobs?limit=" + limit).path("jobs");
        TextTable table = new TextTable("ID", "SOURCE", "KIND", "MODEL", "DURATION", "OUTCOME");
        for (JsonNode j : jobs) {
            String outcome = j.path("outcome").asText();
            if (j.hasNonNull("error")) {
                outcome += ": " + j.path("error").asText().replaceAll("[\\r\\n]+", " ");
            }
            table.row(j.path("id").asText(), j.path("source").asText(), j.path("kind").asText(null),
                    j.path("model").asText(null), j.hasNonNull("durationMs") ? millis(j.path("durationMs").asLong())
                            : "running", outcome);
        }
        if (table.isEmpty()) {
            out.println("no jobs yet");
        } else {
            table.print(out);
        }
    }

    // ---- logs ----

    /** Prints the last {@code n} lines; returns the sequence number it read up to. */
    private long tail(int n, PrintWriter out) throws ConsoleException {
        List<JsonNode> last = new ArrayList<>();
        long after = 0;
        while (true) {
            JsonNode page = api.get("/daemon/logs?after=" + after + "&limit=" + LOG_PAGE);
            JsonNode lines = page.path("lines");
            lines.forEach(l -> {
                last.add(l);
                if (last.size() > n) {
                    last.removeFirst();
                }
            });
            long next = page.path("lastSeq").asLong(after);
            if (lines.size() < LOG_PAGE || next <= after) {
                after = Math.max(after, next);
                break;
            }
            after = next;
        }
        if (last.isEmpty()) {
            out.println("no log lines yet");
        }
        last.forEach(l -> out.println(logLine(l)));
        return after;
    }

    /** The last few lines, then new ones as they come, until {@code stop} says so. */
    private void follow(PrintWriter out, StopSignal stop) throws ConsoleException {
        // Continue from where the tail ended, so a line logged while the marker is printed is not skipped.
        long after = tail(10, out);
        out.println("-- following the log; Enter or Ctrl-C stops --");
        out.flush();
        while (!stop.await(FOLLOW_POLL_MILLIS)) {
            JsonNode page = api.get("/daemon/logs?after=" + after + "&limit=" + LOG_PAGE);
            for (JsonNode l : page.path("lines")) {
                out.println(logLine(l));
            }
            after = page.path("lastSeq").asLong(after);
            out.flush();
        }
        out.println("-- stopped following --");
    }

    private static String logLine(JsonNode l) {
        String time;
        try {
            time = TIME.format(Instant.parse(l.path("ts").asText()));
        } catch (DateTimeParseException e) {
            time = "--:--:--";
        }
        String job = l.hasNonNull("jobId") ? "[" + l.path("jobId").asText() + "] " : "";
        return String.format("%s %-5s %s%s", time, l.path("level").asText().toUpperCase(Locale.ROOT), job,
                l.path("message").asText().replaceAll("[\\r\\n]+", " "));
    }

    // ---- engines, models ----

    private void engines(PrintWriter out) throws ConsoleException {
        JsonNode engines = api.get("/engines").path("engines");
        JsonNode status = api.get("/daemon/status");
        String threshold;
        try {
            threshold = api.get("/daemon/config").path("vram_threshold_gb").asText("?");
        } catch (ConsoleException e) {
            threshold = "?";
        }
        int w = 11;
        for (JsonNode e : engines) {
            out.println(e.path("id").asText());
            List<String> kinds = new ArrayList<>();
            e.path("kinds").forEach(k -> kinds.add(k.asText()));
            TextTable.pair(out, w, "  kinds", kinds.isEmpty() ? "none" : String.join(", ", kinds));
            TextTable.pair(out, w, "  models", modelsText(e.path("models")));
            JsonNode n = e.path("native");
            if (!n.isObject()) {
                TextTable.pair(out, w, "  backend", "built in (no native library)");
                continue;
            }
            JsonNode b = n.path("backend");
            if (!b.isObject()) {
                TextTable.pair(out, w, "  backend", n.path("library").asText() + " (not loaded yet: it loads with"
                        + " the first job)");
                continue;
            }
            TextTable.pair(out, w, "  backend", b.path("name").asText() + " " + b.path("version").asText() + " ("
                    + n.path("library").asText() + ")");
            int i = 0;
            for (JsonNode d : b.path("devices")) {
                TextTable.pair(out, w, "  device " + i++, d.path("name").asText() + ": " + gib(d.path("totalBytes")
                        .asLong()) + " total, " + gib(d.path("freeBytes").asLong()) + " free");
            }
        }
        double vram = status.path("vramTotalGb").asDouble();
        out.println("vram: " + (vram > 0 ? String.format(Locale.ROOT, "%.1f GB", vram) : "unknown (no GPU found)")
                + "; offers estimated above vram_threshold_gb " + threshold + " GB are rejected");
    }

    private static String modelsText(JsonNode perKind) {
        List<String> parts = new ArrayList<>();
        for (Map.Entry<String, JsonNode> kind : perKind.properties()) {
            List<String> ids = new ArrayList<>();
            kind.getValue().forEach(m -> ids.add(m.asText()));
            parts.add(kind.getKey() + ": " + (ids.isEmpty() ? "none loaded" : String.join(", ", ids)));
        }
        return parts.isEmpty() ? "none" : String.join("; ", parts);
    }

    private void models(PrintWriter out) throws ConsoleException {
        JsonNode body = api.get("/models");
        TextTable table = new TextTable("KIND", "MODELS");
        for (Map.Entry<String, JsonNode> kind : body.path("models").properties()) {
            List<String> ids = new ArrayList<>();
            kind.getValue().forEach(m -> ids.add(m.asText()));
            table.row(kind.getKey(), ids.isEmpty() ? "none" : String.join(", ", ids));
        }
        if (table.isEmpty()) {
            out.println("engine " + body.path("engine").asText() + " serves no models");
        } else {
            table.print(out);
        }
        out.println();
        cacheList(out);
    }

    // ---- cache ----

    private void cache(List<String> args, PrintWriter out, Prompt prompt) throws ConsoleException {
        String usage = "usage: cache list | cache verify [KIND/FILE] | cache prune [--yes]";
        if (args.isEmpty()) {
            cacheList(out);
            return;
        }
        List<String> rest = args.subList(1, args.size());
        switch (args.getFirst()) {
            case "list" -> {
                if (!rest.isEmpty()) {
                    throw new ConsoleException(usage);
                }
                cacheList(out);
            }
            case "verify" -> {
                if (rest.size() > 1) {
                    throw new ConsoleException(usage);
                }
                cacheVerify(rest.isEmpty() ? null : rest.getFirst(), out);
            }
            case "prune" -> {
                boolean yes = rest.equals(List.of("--yes")) || rest.equals(List.of("-y"));
                if (!rest.isEmpty() && !yes) {
                    throw new ConsoleException(usage);
                }
                cachePrune(yes, out, prompt);
            }
            default -> throw new ConsoleException("unknown cache command '" + args.getFirst() + "'; " + usage);
        }
    }

    private void cacheList(PrintWriter out) throws ConsoleException {
        JsonNode body = api.get("/cache");
        long used = 0;
        TextTable table = new TextTable("KIND", "FILE", "SIZE", "STATE");
        for (JsonNode f : body.path("files")) {
            long bytes = f.path("bytes").asLong();
            long partial = f.path("partialBytes").asLong();
            used += bytes + partial;
            String state;
            if (bytes == 0 && f.path("partial").asBoolean()) {
                state = "partial download (" + size(partial) + ")";
            } else {
                state = f.path("verified").asBoolean() ? "verified" : "not verified";
                if (partial > 0) {
                    state += ", leftover .part (" + size(partial) + ")";
                }
            }
            table.row(f.path("kind").asText(), f.path("filename").asText(), size(bytes), state);
        }
        String free = body.path("freeBytes").isNumber() ? size(body.path("freeBytes").asLong()) + " free" : "free"
                + " space unknown";
        String total = body.path("totalBytes").isNumber() ? " of " + size(body.path("totalBytes").asLong()) : "";
        out.println("cache " + body.path("root").asText() + ": " + plural(body.path("files").size(), "file") + ", "
                + size(used) + " used; " + free + total);
        if (!table.isEmpty()) {
            table.print(out);
        }
    }

    private void cacheVerify(String which, PrintWriter out) throws ConsoleException {
        JsonNode body;
        if (which == null) {
            out.println("re-hashing every cached file; this reads them all and may take a while");
            out.flush();
            body = api.post("/cache/verify", Map.of());
        } else {
            int slash = which.indexOf('/');
            if (slash <= 0 || slash == which.length() - 1) {
                throw new ConsoleException("usage: cache verify KIND/FILE (e.g. image/model.gguf), got '" + which
                        + "'");
            }
            body = api.post("/cache/verify", Map.of("kind", which.substring(0, slash),
                    "filename", which.substring(slash + 1)));
        }
        if (body.path("results").isEmpty()) {
            out.println("the cache holds no complete files");
            return;
        }
        TextTable table = new TextTable("KIND", "FILE", "SIZE", "RESULT");
        for (JsonNode r : body.path("results")) {
            String status = r.path("status").asText();
            String text = switch (status) {
                case "ok" -> "ok";
                case "mismatch" -> "MISMATCH: sha256 " + r.path("sha256").asText() + ", expected "
                        + r.path("expected").asText() + " (it will be downloaded again)";
                case "no_reference" -> "no hash to compare with; sha256 " + r.path("sha256").asText();
                default -> status + ": " + r.path("detail").asText();
            };
            table.row(r.path("kind").asText(), r.path("filename").asText(), size(r.path("bytes").asLong()), text);
        }
        table.print(out);
    }

    private void cachePrune(boolean yes, PrintWriter out, Prompt prompt) throws ConsoleException {
        if (!yes) {
            String answer = prompt.ask("delete every cached file no catalog model uses? [y/N] ");
            if (answer == null || !(answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"))) {
                out.println("prune cancelled; nothing deleted");
                return;
            }
        }
        JsonNode body = api.post("/cache/prune", Map.of());
        JsonNode removed = body.path("removed");
        if (removed.isEmpty()) {
            out.println("nothing to prune");
        } else {
            for (JsonNode r : removed) {
                out.println("removed " + r.path("kind").asText() + "/" + r.path("filename").asText() + " ("
                        + size(r.path("bytes").asLong()) + ")");
            }
            out.println("pruned " + plural(removed.size(), "file") + ", freed " + size(body.path("freedBytes")
                    .asLong()));
        }
        for (JsonNode s : body.path("skipped")) {
            out.println("skipped " + s.asText() + ": a download is using it");
        }
    }

    /** Bytes for people: B, KiB, MiB, GiB with one decimal. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    // ---- config ----

    private void config(List<String> args, PrintWriter out) throws ConsoleException {
        String usage = "usage: config get KEY | config set KEY VALUE | config list";
        if (args.isEmpty()) {
            throw new ConsoleException(usage);
        }
        switch (args.getFirst()) {
            case "list" -> {
                if (args.size() != 1) {
                    throw new ConsoleException(usage);
                }
                TextTable table = new TextTable("KEY", "VALUE");
                api.get("/daemon/config").properties().forEach(e -> table.row(e.getKey(), e.getValue().asText()));
                table.print(out);
            }
            case "get" -> {
                if (args.size() != 2) {
                    throw new ConsoleException("usage: config get KEY");
                }
                String key = args.get(1);
                JsonNode config = api.get("/daemon/config");
                if (!config.has(key)) {
                    List<String> known = new ArrayList<>();
                    config.fieldNames().forEachRemaining(known::add);
                    throw unknownKey(key, known);
                }
                out.println(config.path(key).asText());
            }
            case "set" -> {
                if (args.size() != 3) {
                    throw new ConsoleException("usage: config set KEY VALUE (quote a value with spaces; \"\" unsets"
                            + " an optional key)");
                }
                String key = args.get(1);
                JsonNode result = api.put("/daemon/config", Map.of(key, args.get(2)));
                String shown = result.path("config").path(key).asText();
                out.println(key + " = " + (shown.isEmpty() ? "(unset)" : shown) + " (saved to "
                        + api.configFile().getFileName() + "; the worker applies it at its next start)");
            }
            default -> throw new ConsoleException("unknown config command '" + args.getFirst() + "'"
                    + Suggestions.closest(args.getFirst(), CONFIG_SUBCOMMANDS).map(s -> "; did you mean '" + s + "'?")
                            .orElse("") + "; " + usage);
        }
    }

    private static ConsoleException unknownKey(String key, List<String> known) {
        return new ConsoleException("unknown config key '" + key + "'" + Suggestions.closest(key, known)
                .map(s -> "; did you mean '" + s + "'?").orElse("; 'config list' shows the keys"));
    }

    // ---- help ----

    private void help(PrintWriter out) {
        int w = 24;
        TextTable.pair(out, w, "status", "registration, studio session, paused, current job, uptime, version");
        TextTable.pair(out, w, "jobs [N]", "recent jobs (default " + DEFAULT_JOBS + "): source, kind, model,"
                + " duration, outcome");
        TextTable.pair(out, w, "logs [N]", "the last N log lines (default " + DEFAULT_LOG_LINES + ")");
        TextTable.pair(out, w, "logs -f", "follow the log until Enter or Ctrl-C");
        TextTable.pair(out, w, "pause / resume", "stop / start taking studio offers");
        TextTable.pair(out, w, "engines", "engines, their kinds, models, native backend and VRAM");
        TextTable.pair(out, w, "models", "the models each kind can run, and the model cache");
        TextTable.pair(out, w, "cache list", "cached model files: size, verified, partial downloads");
        TextTable.pair(out, w, "cache verify [KIND/FILE]", "re-hash one cached file (or all) against its sha256");
        TextTable.pair(out, w, "cache prune [--yes]", "delete cached files no catalog model uses (asks first)");
        TextTable.pair(out, w, "config get KEY", "one config value (secrets show as " + WorkerConfig.SET + ")");
        TextTable.pair(out, w, "config set KEY VALUE", "change the config file, validated like the file");
        TextTable.pair(out, w, "config list", "every key and value");
        TextTable.pair(out, w, "help", "this list");
        TextTable.pair(out, w, "quit / exit", quitStopsWorker ? "leave the console and stop the worker"
                : "leave the console (the worker keeps running)");
    }

    // ---- formatting ----

    private static String plural(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }

    private static String since(String isoInstant) {
        try {
            return duration(Duration.between(Instant.parse(isoInstant), Instant.now()));
        } catch (DateTimeParseException e) {
            return "?";
        }
    }

    static String duration(Duration d) {
        long s = Math.max(0, d.toSeconds());
        if (s < 60) {
            return s + "s";
        }
        if (s < 3_600) {
            return String.format("%dm %02ds", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format("%dh %02dm %02ds", s / 3_600, s / 60 % 60, s % 60);
        }
        return String.format("%dd %02dh %02dm", s / 86_400, s / 3_600 % 24, s / 60 % 60);
    }

    private static String millis(long ms) {
        return ms < 1_000 ? ms + " ms" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (1024.0 * 1024 * 1024));
    }
}
