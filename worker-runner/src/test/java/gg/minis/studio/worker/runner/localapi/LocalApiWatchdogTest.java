package gg.minis.studio.worker.runner.localapi;

import static gg.minis.studio.worker.runner.localapi.ApiClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.job.TaskResult;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.TaskKind;
import gg.minis.studio.worker.engines.image.StableDiffusionEngine;
import gg.minis.studio.worker.engines.models.ModelFiles;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.localstudio.JobRecord;
import gg.minis.studio.worker.runner.localstudio.JobStatus;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import gg.minis.studio.worker.runner.localstudio.SampleJobs;
import gg.minis.studio.worker.natives.testing.NativeTestBackend;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job watchdog with a real studio session: a job past its budget (300 ms here) is cancelled and reported as a
 * retryable {@code fail} naming the budget; an engine that ignores the cancel is abandoned after the grace period and
 * replaced, and the next job runs on the new instance.
 */
class LocalApiWatchdogTest {
    private static final Duration BUDGET = Duration.ofMillis(300);
    /** For the jobs that are meant to finish: no busy machine takes this long, so none of them is cancelled. */
    private static final Duration AMPLE = Duration.ofMinutes(10);

    @TempDir
    Path dir;

    private LocalStudio studio;
    private ApiFixture fx;
    private NativeTestBackend backend;
    private Engine engine;
    private final CountDownLatch unblock = new CountDownLatch(1);
    /**
     * The budget of the next job (the watchdog reads it when a job starts): {@link #BUDGET} for the jobs meant to
     * overrun, {@link #AMPLE} for those meant to finish, which a 300 ms budget would cancel on a slow machine.
     */
    private final AtomicReference<Duration> budget = new AtomicReference<>(BUDGET);

    private void start(Engine engine, Supplier<Engine> factory, Duration grace) throws Exception {
        this.engine = engine;
        studio = LocalStudio.start();
        fx = new ApiFixture(dir, engine, c -> c.withValue("api_base_url", studio.baseUrl().toString()),
                b -> b.jobBudgets(kind -> budget.get()).wedgeGrace(grace).engineFactory(factory));
        fx.runDaemon();
        LocalApiNativeResidencyTest.await("the studio session to be welcomed", () -> LocalApiNativeResidencyTest
                .call(() -> json(fx.api.get("/daemon/status")).path("session").path("welcomed").asBoolean()));
    }

    @AfterEach
    void stop() throws Exception {
        unblock.countDown();
        if (fx != null) {
            fx.close();
            fx.daemon.engine().close();
            studio.close();
            engine.close();
        }
        if (backend != null) {
            assertThat(backend.liveAllocations()).as("native allocations left behind").isZero();
            backend.close();
        }
    }

    @Test
    void aNativeJobPastItsBudgetIsCancelledAndFailsRetryably_thenTheNextJobRuns() throws Exception {
        backend = NativeTestBackend.load();
        Path weights = dir.resolve("sd15.safetensors");
        Files.writeString(weights, "weights");
        ModelFiles files = ModelFiles.localFilesOr((kind, file, progress, cancel) -> {
            throw EngineException.permanent("no downloads here");
        });
        start(StableDiffusionEngine.builder(files).backend(backend.backend()).build(), null, Duration.ofSeconds(10));
        ModelSource source = new ModelSource("sd-cpp", List.of(new ModelFile(ModelFileRole.MODEL,
                weights.toUri().toString(), "sd15.safetensors", null, null)), null);

        // 150 steps of 200 ms each: half a minute, unless the cancel flag stops it.
        studio.submit(claim("slow-1", "a lighthouse #slow:200", 150, source));
        JobRecord failed = studio.awaitOutcome("slow-1").get(20, TimeUnit.SECONDS);
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.retryable()).isTrue();
        assertThat(failed.error()).contains("time budget of 300 ms", "job_timeout_secs_image", "cancelled");

        budget.set(AMPLE);
        studio.submit(claim("next-1", "a lighthouse", 2, source));
        JobRecord next = studio.awaitOutcome("next-1").get(20, TimeUnit.SECONDS);
        assertThat(next.status()).as(String.valueOf(next.error())).isEqualTo(JobStatus.COMPLETED);
        assertThat(fx.daemon.engine().rebuilds()).as("a cancelled native job is not a wedged engine").isZero();
        JsonNode history = json(fx.api.get("/jobs/slow-1"));
        assertThat(history.path("outcome").asText()).isEqualTo("failed");
    }

    private static JobClaim claim(String jobId, String prompt, int steps, ModelSource source) {
        ImageTask task = new ImageTask(prompt, null, null, null, null, null, null, null, 7L, 64, 64, steps, "png");
        return new JobClaim(jobId, null, null, "sd-test", 1.0, task, source, null, null);
    }

    @Test
    void anEngineThatIgnoresTheCancelIsReplaced_andTheNextJobRunsOnTheNewInstance() throws Exception {
        AtomicInteger made = new AtomicInteger();
        List<StubbornEngine> instances = new CopyOnWriteArrayList<>();
        Supplier<Engine> factory = () -> {
            StubbornEngine e = new StubbornEngine(made.incrementAndGet(), unblock);
            instances.add(e);
            return e;
        };
        start(factory.get(), factory, Duration.ofMillis(300));

        studio.submit(SampleJobs.claim("hang-1", ImageTask.of("hang forever"), "webp"));
        JobRecord failed = studio.awaitOutcome("hang-1").get(20, TimeUnit.SECONDS);
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.retryable()).isTrue();
        assertThat(failed.error()).contains("time budget of 300 ms", "did not stop", "replaced by a new instance");
        assertThat(made.get()).isEqualTo(2);
        assertThat(fx.daemon.engine().rebuilds()).isEqualTo(1);

        budget.set(AMPLE);
        studio.submit(SampleJobs.image("after-1", "a fox"));
        assertThat(studio.awaitOutcome("after-1").get(20, TimeUnit.SECONDS).status()).isEqualTo(JobStatus.COMPLETED);
        assertThat(instances.get(1).jobs).containsExactly("after-1");
        assertThat(instances.get(0).jobs).containsExactly("hang-1");

        // Local jobs have the same watchdog: this one wedges the second instance, a third takes over.
        budget.set(BUDGET);
        HttpResponse<byte[]> res = fx.api.post("/image", Map.of("prompt", "hang again"));
        assertThat(res.statusCode()).as(ApiClient.text(res)).isEqualTo(500);
        assertThat(json(res).path("retryable").asBoolean()).isTrue();
        assertThat(json(res).path("message").asText()).contains("time budget of 300 ms");
        budget.set(AMPLE);
        assertThat(fx.api.post("/image", Map.of("prompt", "fine")).statusCode()).isEqualTo(200);
        assertThat(made.get()).isEqualTo(3);
        assertThat(instances.get(2).jobs).hasSize(1);
        assertThat(json(fx.api.get("/daemon/status")).path("busy").asBoolean()).isFalse();
    }

    /** Synthetic output, except that a prompt with "hang" blocks until the test ends, ignoring any cancel. */
    static final class StubbornEngine implements Engine {
        private final SyntheticEngine synthetic = SyntheticEngine.create();
        private final int instance;
        private final CountDownLatch unblock;
        final List<String> jobs = new CopyOnWriteArrayList<>();

        StubbornEngine(int instance, CountDownLatch unblock) {
            this.instance = instance;
            this.unblock = unblock;
        }

        @Override
        public String id() {
            return synthetic.id();
        }

        @Override
        public Set<TaskKind> kinds() {
            return synthetic.kinds();
        }

        @Override
        public boolean supports(TaskKind kind, ModelSource source) {
            return synthetic.supports(kind, source);
        }

        @Override
        public TaskResult run(JobClaim claim, ProgressListener progress, CancellationToken cancel)
                throws EngineException {
            jobs.add(claim.jobId());
            if (claim.fullPrompt().contains("hang")) {
                while (true) {
                    try {
                        if (unblock.await(1, TimeUnit.HOURS)) {
                            throw new EngineException("instance " + instance + " released at the end of the test",
                                    true);
                        }
                    } catch (InterruptedException e) {
                        // ignored on purpose: this engine does not stop
                    }
                }
            }
            return synthetic.run(claim, progress, cancel);
        }
    }
}
