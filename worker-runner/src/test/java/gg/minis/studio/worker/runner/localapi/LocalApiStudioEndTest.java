package gg.minis.studio.worker.runner.localapi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.Await;
import gg.minis.studio.worker.runner.Worker;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code runner run} does when the studio side ends for good: the local API serves on, a reset restarts it. */
class LocalApiStudioEndTest {
    @TempDir
    Path dir;

    private LocalStudio studio;
    private ApiFixture fx;

    @BeforeEach
    void start() throws Exception {
        studio = LocalStudio.start();
        fx = new ApiFixture(dir, SyntheticEngine.create(),
                c -> c.withValue("api_base_url", studio.baseUrl().toString()));
    }

    @AfterEach
    void stop() throws Exception {
        fx.close();
        studio.close();
    }

    private String workerId() throws Exception {
        return new ConfigStore(fx.store.file()).load().workerId();
    }

    private void assertLocalJobsRun() throws Exception {
        HttpResponse<byte[]> image = fx.api.post("/image", Map.of("prompt", "still here", "width", 16, "height", 16,
                "steps", 1, "ext", "png"));
        assertThat(image.statusCode()).isEqualTo(200);
        assertThat(image.headers().firstValue("content-type")).hasValue("image/png");
    }

    @Test
    void aRevokedTokenLeavesTheLocalApiServingUntilTheRegistrationIsReset() throws Exception {
        fx.daemon.keepServingLocally(Duration.ofMinutes(5));
        CompletableFuture<Worker.Exit> exit = fx.runDaemon();
        fx.awaitWelcomed();
        String firstId = workerId();

        assertThat(studio.faults().closeSession(firstId, 4001, "token revoked")).isTrue();
        Await.until("the studio end in the status", () -> fx.status().path("studioEnded").isObject());
        JsonNode ended = fx.status().path("studioEnded");
        assertThat(ended.path("exit").asText()).isEqualTo("auth_failed");
        assertThat(ended.path("advice").asText()).contains("/daemon/registration/reset");
        assertThat(exit).isNotDone();
        assertLocalJobsRun();

        HttpResponse<byte[]> reset = fx.api.post("/daemon/registration/reset", "{}");
        assertThat(reset.statusCode()).isEqualTo(200);
        Await.until("a new registration welcomed", () -> {
            JsonNode s = fx.status();
            return s.path("studioEnded").isNull() && s.path("session").path("welcomed").asBoolean();
        });
        assertThat(workerId()).isNotEqualTo(firstId);
        assertThat(exit).isNotDone();

        fx.daemon.shutdown();
        assertThat(exit.get(15, TimeUnit.SECONDS)).isEqualTo(Worker.Exit.STOPPED);
    }

    @Test
    void anUnreachableStudioIsTriedAgainAfterTheRetryDelay() throws Exception {
        fx.daemon.keepServingLocally(Duration.ofMillis(300));
        CompletableFuture<Worker.Exit> exit = fx.runDaemon();
        fx.awaitWelcomed();

        studio.faults().failNextUpgrades(Integer.MAX_VALUE, 503);
        assertThat(studio.faults().dropConnection(workerId())).isTrue();
        Await.until("the studio end in the status",
                () -> fx.status().path("studioEnded").path("exit").asText().equals("out_of_attempts"));
        assertThat(fx.status().path("studioEnded").path("advice").asText()).contains("trying again at");
        assertLocalJobsRun();

        studio.faults().reset();
        Await.until("the session back after the retry delay", () -> {
            JsonNode s = fx.status();
            return s.path("studioEnded").isNull() && s.path("session").path("welcomed").asBoolean();
        });
        assertThat(exit).isNotDone();
    }

    @Test
    void shuttingDownWhileTheStudioSideIsStoppedReturnsHowItEnded() throws Exception {
        fx.daemon.keepServingLocally(Duration.ofMinutes(5));
        CompletableFuture<Worker.Exit> exit = fx.runDaemon();
        fx.awaitWelcomed();
        studio.faults().closeSession(workerId(), 4001, "token revoked");
        Await.until("the studio end in the status", () -> fx.status().path("studioEnded").isObject());

        fx.daemon.shutdown();
        assertThat(exit.get(15, TimeUnit.SECONDS)).isEqualTo(Worker.Exit.AUTH_FAILED);
    }

    @Test
    void withoutKeepServingLocallyTheDaemonReturnsAtTheEnd() throws Exception {
        CompletableFuture<Worker.Exit> exit = fx.runDaemon();
        fx.awaitWelcomed();
        studio.faults().closeSession(workerId(), 4001, "token revoked");
        assertThat(exit.get(15, TimeUnit.SECONDS)).isEqualTo(Worker.Exit.AUTH_FAILED);
    }
}
