package gg.minis.studio.worker.runner.localapi;

import static gg.minis.studio.worker.runner.localapi.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.runner.Await;
import gg.minis.studio.worker.runner.Worker;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.localstudio.JobRecord;
import gg.minis.studio.worker.runner.localstudio.JobStatus;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import gg.minis.studio.worker.runner.localstudio.SampleJobs;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local API beside a real studio session: a real Worker (through the Daemon) against the in-process studio. */
class LocalApiStudioTest {
    @TempDir
    Path dir;

    private LocalStudio studio;
    private BlockingEngine engine;
    private ApiFixture fx;
    private CompletableFuture<Worker.Exit> exit;

    @BeforeEach
    void start() throws Exception {
        studio = LocalStudio.start();
        engine = new BlockingEngine();
        fx = new ApiFixture(dir, engine, c -> c.withValue("api_base_url", studio.baseUrl().toString()));
        exit = fx.runDaemon();
        fx.awaitWelcomed();
    }

    @AfterEach
    void stop() throws Exception {
        engine.release();
        fx.close();
        studio.close();
    }

    private String workerId() throws Exception {
        return new ConfigStore(fx.store.file()).load().workerId();
    }

    @Test
    void statusShowsTheSession() throws Exception {
        JsonNode s = fx.status();
        assertThat(s.path("registration").path("phase").asText()).isEqualTo("approved");
        assertThat(s.path("registration").path("workerId").asText()).isEqualTo(workerId());
        assertThat(s.path("session").path("connected").asBoolean()).isTrue();
        assertThat(s.path("studio").asText()).isEqualTo(studio.baseUrl().toString());
        String authToken = new ConfigStore(fx.store.file()).load().authToken();
        assertThat(s.toString()).doesNotContain(authToken).doesNotContain(fx.server.token());
    }

    @Test
    void aRunningStudioJobMakesLocalJobsBusy() throws Exception {
        studio.submit(SampleJobs.claim("studio-1", ImageTask.of("block the studio job"), "webp"));
        engine.awaitBlocked();
        HttpResponse<byte[]> res = fx.api.post("/image", Map.of("prompt", "local", "steps", 1));
        assertThat(res.statusCode()).as(ApiClient.text(res)).isEqualTo(503);
        assertThat(json(res).path("error").asText()).isEqualTo("busy");
        assertThat(json(res).path("message").asText()).contains("studio job studio-1");
        assertThat(res.headers().firstValue("Retry-After")).isPresent();
        JsonNode current = fx.status().path("currentJob");
        assertThat(current.path("id").asText()).isEqualTo("studio-1");
        assertThat(current.path("source").asText()).isEqualTo("studio");

        engine.release();
        JobRecord done = studio.awaitOutcome("studio-1").get(10, TimeUnit.SECONDS);
        assertThat(done.status()).isEqualTo(JobStatus.COMPLETED);
        Await.until("the engine to be free", () -> !fx.status().path("busy").asBoolean());
        assertThat(fx.api.post("/image", Map.of("prompt", "local", "steps", 1)).statusCode()).isEqualTo(200);

        // The studio job is in the history, with a thumbnail of its WebP result and its log lines.
        JsonNode job = json(fx.api.get("/jobs/studio-1"));
        assertThat(job.path("source").asText()).isEqualTo("studio");
        assertThat(job.path("outcome").asText()).isEqualTo("completed");
        HttpResponse<byte[]> thumb = fx.api.get("/jobs/studio-1/thumbnail");
        assertThat(thumb.statusCode()).isEqualTo(200);
        BufferedImage t = ImageIO.read(new ByteArrayInputStream(thumb.body()));
        assertThat(Math.max(t.getWidth(), t.getHeight())).isLessThanOrEqualTo(384);
        assertThat(json(fx.api.get("/jobs/studio-1/log")).toString()).contains("running job studio-1");
    }

    @Test
    void aRunningLocalJobMakesStudioOffersBusy() throws Exception {
        CompletableFuture<HttpResponse<byte[]>> local = CompletableFuture.supplyAsync(() -> {
            try {
                return fx.api.post("/image", Map.of("prompt", "block locally", "width", 32, "height", 32,
                        "steps", 1));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        engine.awaitBlocked();
        studio.submit(SampleJobs.llm("studio-2", "hello"));
        JobRecord rejected = studio.awaitOutcome("studio-2").get(10, TimeUnit.SECONDS);
        assertThat(rejected.status()).isEqualTo(JobStatus.REJECTED);
        assertThat(rejected.rejections()).singleElement().asString().startsWith("busy: running local job local-");
        engine.release();
        assertThat(local.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

        studio.submit(SampleJobs.llm("studio-3", "hello again"));
        assertThat(studio.awaitOutcome("studio-3").get(10, TimeUnit.SECONDS).status())
                .isEqualTo(JobStatus.COMPLETED);
    }

    @Test
    void pauseAndResumeReachTheStudioHeartbeats() throws Exception {
        String id = workerId();
        Await.until("autoEnabled heartbeats", () -> studio.workerCapabilities(id).map(c -> c.autoEnabled()).orElse(false));
        assertThat(fx.api.post("/daemon/pause", "").statusCode()).isEqualTo(200);
        Await.until("a paused heartbeat", () -> !studio.workerCapabilities(id).orElseThrow().autoEnabled());
        assertThat(fx.status().path("session").path("welcomed").asBoolean()).isTrue();
        studio.submit(SampleJobs.llm("while-paused", "hi"));
        assertThat(studio.awaitOutcome("while-paused").get(10, TimeUnit.SECONDS).rejections().getFirst())
                .startsWith("paused");
        assertThat(fx.api.post("/daemon/resume", "").statusCode()).isEqualTo(200);
        Await.until("a resumed heartbeat", () -> studio.workerCapabilities(id).orElseThrow().autoEnabled());
    }

    @Test
    void shutdownStopsTheWorkerGracefully() throws Exception {
        HttpResponse<byte[]> res = fx.api.post("/daemon/shutdown", "");
        assertThat(res.statusCode()).isEqualTo(202);
        assertThat(json(res).path("shuttingDown").asBoolean()).isTrue();
        assertThat(exit.get(10, TimeUnit.SECONDS)).isEqualTo(Worker.Exit.STOPPED);
        String id = workerId();
        Await.until("the session to end", () -> !studio.isConnected(id));
        // The close code itself is the session's business (and its frame can lose a race with the event loop's
        // shutdown on a loaded machine); when it arrived it is 1000.
        studio.lastCloseCodeReceived().ifPresent(code -> assertThat(code).isEqualTo(1000));
        // Local jobs are refused once shutting down.
        HttpResponse<byte[]> after = fx.api.post("/image", Map.of("prompt", "late"));
        assertThat(after.statusCode()).isEqualTo(503);
    }

    @Test
    void registrationResetRegistersAgain() throws Exception {
        String first = workerId();
        JsonNode res = json(fx.api.post("/daemon/registration/reset", ""));
        assertThat(res.path("cleared").toString()).contains("worker_id");
        assertThat(res.path("registering").asBoolean()).isTrue();
        Await.until("a new registration", () -> {
            try {
                String now = workerId();
                return now != null && !now.equals(first);
            } catch (Exception e) {
                return false;
            }
        });
        fx.awaitWelcomed();
        assertThat(exit).isNotDone();
    }
}
