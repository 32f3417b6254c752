package gg.minis.studio.worker.runner.update;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.api.update.ReleaseAsset;
import gg.minis.studio.worker.runner.Await;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UpdateCheckerTest {
    @TempDir
    Path dir;

    private static UpdateCheckResult available(String version) {
        return new UpdateCheckResult("2025-01-02T03:04:05Z", "1.2.0", UpdateCheckResult.Outcome.AVAILABLE, version,
                new UpdateInfo(version, "v" + version, new ReleaseAsset("runner.jar", "https://x/runner.jar"), null),
                null);
    }

    @Test
    void checksInTheBackgroundAndPersistsTheResult() throws Exception {
        UpdateStateFile state = new UpdateStateFile(dir.resolve("update-check.json"));
        CountDownLatch checked = new CountDownLatch(1);
        try (UpdateChecker checker = UpdateChecker.start(() -> {
            checked.countDown();
            return available("1.3.0");
        }, state, Duration.ZERO, Duration.ofHours(1))) {
            assertThat(checked.await(10, TimeUnit.SECONDS)).isTrue();
            Await.until("the check's result", () -> checker.last() != null);
            assertThat(checker.last()).isEqualTo(available("1.3.0"));
        }
        assertThat(state.read()).contains(available("1.3.0"));
        assertThat(state.statusLine(true))
                .isEqualTo("update available: 1.3.0 (you run 1.2.0); run 'runner update',"
                        + " checked 2025-01-02T03:04:05Z");
        try (var files = Files.list(dir)) { // written by rename: no temp files left behind
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("update-check.json");
        }
    }

    @Test
    void aThrowingCheckDoesNotStopLaterChecks() {
        UpdateStateFile state = new UpdateStateFile(dir.resolve("update-check.json"));
        int[] calls = {0};
        try (UpdateChecker checker = UpdateChecker.start(() -> {
            if (calls[0]++ == 0) {
                throw new IllegalStateException("boom");
            }
            return available("1.4.0");
        }, state, Duration.ofHours(1), Duration.ofHours(1))) {
            checker.checkOnce();
            checker.checkOnce();
            assertThat(checker.last().update().version()).isEqualTo("1.4.0");
        }
    }

    @Test
    void theLastResultSurvivesARestartAndAGarbledFileIsIgnored() throws Exception {
        UpdateStateFile state = new UpdateStateFile(dir.resolve("update-check.json"));
        assertThat(state.statusLine(true)).contains("not checked yet");
        assertThat(state.statusLine(false)).contains("auto_update_enabled = false");
        state.write(available("1.3.0"));
        try (UpdateChecker checker = UpdateChecker.start(() -> available("1.3.0"), state, Duration.ofHours(1),
                Duration.ofHours(1))) {
            assertThat(checker.last()).isEqualTo(available("1.3.0"));
        }
        Files.writeString(state.file(), "{not json");
        assertThat(state.read()).isEmpty();
    }
}
