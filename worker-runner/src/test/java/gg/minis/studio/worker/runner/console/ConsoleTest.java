package gg.minis.studio.worker.runner.console;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.runner.config.ConfigStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.jline.reader.Candidate;
import org.jline.reader.Parser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The console on a dumb terminal against a real worker (Daemon + local API + LocalStudio, synthetic engine). */
class ConsoleTest {
    @TempDir
    static Path dir;

    private static ConsoleFixture fx;

    @BeforeAll
    static void start() throws Exception {
        fx = new ConsoleFixture(dir);
    }

    @AfterAll
    static void stop() throws Exception {
        if (fx != null) {
            fx.close();
        }
    }

    private static String console(String... lines) throws Exception {
        return ConsoleSession.run(fx.api, Console.historyFile(fx.configFile), lines);
    }

    private static List<String> errorLines(String output) {
        return Arrays.stream(output.split("\\R")).filter(l -> l.startsWith("error:")).toList();
    }

    @Test
    void statusShowsRegistrationSessionAndUptime() throws Exception {
        String out = console("status");
        String workerId = fx.store.load().workerId();
        assertThat(out)
                .contains("connected to the worker at " + fx.server.url())
                .contains("registration  approved: worker " + workerId)
                .contains("session       connected, welcomed; 0 undelivered results")
                .contains("paused        no")
                .contains("current job   none")
                .contains("studio        " + fx.studio.baseUrl())
                .contains("engine        synthetic")
                .containsPattern("uptime +\\d+")
                .containsPattern("version +\\S+ \\(pid " + ProcessHandle.current().pid() + "\\)");
        assertThat(errorLines(out)).isEmpty();
    }

    @Test
    void jobsListsTheStudioJob() throws Exception {
        String out = console("jobs");
        assertThat(out).containsPattern("ID +SOURCE +KIND +MODEL +DURATION +OUTCOME");
        assertThat(out).containsPattern(ConsoleFixture.STUDIO_JOB + " +studio +image +\\S+ +\\d+(\\.\\d)? m?s +completed");
    }

    @Test
    void enginesAndModels() throws Exception {
        String out = console("engines", "models");
        assertThat(out).contains("synthetic\n").containsPattern("kinds +image")
                .containsPattern("backend +built in \\(no native library\\)")
                .contains("vram: 24.0 GB; offers estimated above vram_threshold_gb");
        assertThat(out).containsPattern("KIND +MODELS").containsPattern("image +\\S+")
                .contains("cache " + fx.configFile.resolveSibling("models").toAbsolutePath().normalize()
                        + ": 0 files, 0 B used; ").doesNotContain("not available yet");
        assertThat(errorLines(out)).isEmpty();
    }

    @Test
    void unknownCommandsGetASuggestion() throws Exception {
        String out = console("staus", "frobnicate", "config lst");
        assertThat(errorLines(out)).containsExactly(
                "error: unknown command 'staus'; did you mean 'status'?",
                "error: unknown command 'frobnicate'; 'help' lists the commands",
                "error: unknown config command 'lst'; did you mean 'list'?; usage: config get KEY | config set KEY "
                        + "VALUE | config list");
    }

    @Test
    void helpListsTheCommands() throws Exception {
        String out = console("help");
        for (String c : List.of("status", "jobs [N]", "logs [N]", "logs -f", "pause / resume", "engines", "models",
                "cache list", "cache verify [KIND/FILE]", "cache prune [--yes]", "config get KEY", "config set KEY VALUE", "quit / exit")) {
            assertThat(out).contains("\n" + c + " ");
        }
        assertThat(out).contains("leave the console (the worker keeps running)");
    }

    @Test
    void configSetIsValidatedByTheWorkerAndSaved() throws Exception {
        String out = console("config set vram_threshold_gb lots", "config set vram_threshold_gb 10",
                "config get vram_threshold_gb", "config get auth_token", "config get vram_treshold_gb");
        List<String> errors = errorLines(out);
        assertThat(errors).hasSize(2);
        assertThat(errors.getFirst()).startsWith("error: ").contains("vram_threshold_gb").contains("\"lots\"");
        assertThat(errors.get(1)).isEqualTo(
                "error: unknown config key 'vram_treshold_gb'; did you mean 'vram_threshold_gb'?");
        assertThat(out).contains("vram_threshold_gb = 10.0 (saved to config.toml; the worker applies it at its next "
                + "start)");
        assertThat(out).contains("\n10.0\n").contains("\n<set>\n");
        assertThat(new ConfigStore(fx.configFile).load().vramThresholdGb()).isEqualTo(10.0);
        assertThat(Files.readString(fx.configFile)).contains("vram_threshold_gb = 10.0");
        assertThat(out).doesNotContain(fx.store.load().authToken());
    }

    @Test
    void pauseAndResumeReachTheWorker() throws Exception {
        try (ConsoleSession session = new ConsoleSession(fx.api, Console.historyFile(fx.configFile))) {
            session.type("pause\n");
            session.awaitOutput("paused: studio offers are rejected");
            assertThat(fx.status().path("paused").asBoolean()).isTrue();
            session.type("status\n");
            session.awaitOutput("paused        yes");
            session.type("resume\n");
            session.awaitOutput("resumed: taking studio offers");
            assertThat(fx.status().path("paused").asBoolean()).isFalse();
            session.quit();
        }
    }

    @Test
    void logsShowRecentLinesAndFollowNewOnes() throws Exception {
        String before = "before-" + UUID.randomUUID();
        LoggerFactory.getLogger("console-test").info("a line {}", before);
        try (ConsoleSession session = new ConsoleSession(fx.api, Console.historyFile(fx.configFile))) {
            session.type("logs 500\n");
            session.awaitOutput("INFO  a line " + before);

            session.type("logs -f\n");
            session.awaitOutput("-- following the log; Enter or Ctrl-C stops --");
            String after = "after-" + UUID.randomUUID();
            LoggerFactory.getLogger("console-test").info("a line {}", after);
            session.awaitOutput("a line " + after);
            session.type("\n");
            session.awaitOutput("-- stopped following --");
            session.type("status\n");
            session.awaitOutput("registration");
            String out = session.quit();
            assertThat(errorLines(out)).isEmpty();
        }
    }

    @Test
    void ctrlCStopsFollowing() throws Exception {
        try (ConsoleSession session = new ConsoleSession(fx.api, Console.historyFile(fx.configFile))) {
            session.type("logs -f\n");
            session.awaitOutput("-- following the log");
            session.type("\u0003");
            session.awaitOutput("-- stopped following --");
            session.quit();
        }
    }

    @Test
    void completionOffersCommandsSubcommandsAndKeys() {
        assertThat(complete("")).containsExactlyElementsOf(Commands.NAMES);
        assertThat(complete("sta")).contains("status"); // JLine filters by prefix; all names are offered
        assertThat(complete("config ")).containsExactly("get", "set", "list");
        assertThat(complete("config set vr")).contains("vram_threshold_gb", "engine", "models_root")
                .doesNotContain("auth_token", "worker_id");
        assertThat(complete("config get ")).contains("vram_threshold_gb", "worker_id", "auth_token");
        assertThat(complete("logs ")).containsExactly("-f");
        assertThat(complete("cache ")).containsExactly("list", "verify", "prune");
        assertThat(complete("cache prune ")).containsExactly("--yes");
        assertThat(complete("cache list ")).isEmpty();
        assertThat(complete("help ")).contains("status", "config");
        assertThat(complete("status ")).isEmpty();
        assertThat(complete("config set engine ")).isEmpty();
    }

    private static List<String> complete(String line) {
        List<Candidate> candidates = new ArrayList<>();
        new ConsoleCompleter().complete(null, Console.parser().parse(line, line.length(),
                Parser.ParseContext.COMPLETE), candidates);
        return candidates.stream().map(Candidate::value).toList();
    }

    @Test
    void historyIsOwnerOnlyAndKeepsSecretsOut() throws Exception {
        Path history = dir.resolve("other").resolve(Console.HISTORY_FILE_NAME);
        Files.createDirectories(history.getParent());
        String out = ConsoleSession.run(fx.api, history, "status", "config set registration_secret not-hex-at-all",
                "jobs 3");
        assertThat(errorLines(out)).singleElement().asString().contains("registration_secret")
                .doesNotContain("not-hex-at-all");
        String text = Files.readString(history);
        assertThat(text).contains("status").contains("jobs 3").doesNotContain("registration_secret");
        if (history.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(history))).isEqualTo("rw-------");
        }
    }
}
