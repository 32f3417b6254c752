package gg.minis.studio.worker.runner.console;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.runner.Await;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console of a worker whose studio side stopped for good: it still answers and says why. */
class ConsoleStudioEndTest {
    @TempDir
    Path dir;

    @Test
    void statusSaysWhyTheStudioSideStopped() throws Exception {
        try (ConsoleFixture fx = new ConsoleFixture(dir)) {
            fx.daemon.keepServingLocally(Duration.ofMinutes(5));
            assertThat(fx.studio.faults().closeSession(fx.store.load().workerId(), 4001, "token revoked")).isTrue();
            Await.until("the studio end in the status", () -> fx.status().path("studioEnded").isObject());

            String out = ConsoleSession.run(fx.api, Console.historyFile(fx.configFile), "status", "jobs");
            assertThat(out).contains("session       stopped (auth failed): the studio refused this worker's token; "
                    + "reset the registration (console or POST /daemon/registration/reset) to register again");
            assertThat(out).containsPattern(ConsoleFixture.STUDIO_JOB + " +studio +image");
        }
    }
}
