package gg.minis.studio.worker.benchmarks;

import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.Worker;
import gg.minis.studio.worker.runner.localstudio.JobRecord;
import gg.minis.studio.worker.runner.localstudio.JobStatus;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import gg.minis.studio.worker.runner.localstudio.SampleJobs;
import gg.minis.studio.worker.runner.registration.RegistrationState;
import gg.minis.studio.worker.runner.registration.RegistrationStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The real runner against the local studio on loopback, synthetic engine: offer-to-acknowledged time of one job,
 * for JSON results ({@code completeJson}) and 64x64 PNG results (multipart upload). Throughput is its inverse,
 * since the worker runs one job at a time.
 */
@State(Scope.Benchmark)
@BenchmarkMode({Mode.SampleTime})
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class LoopbackBenchmark {
    @Param({"json", "png64"})
    public String kind;

    private LocalStudio studio;
    private Worker worker;
    private Thread workerThread;
    private Path spool;
    private final AtomicLong ids = new AtomicLong();

    @Setup(Level.Trial)
    public void start() throws Exception {
        studio = LocalStudio.start();
        spool = Files.createTempDirectory("bench-spool");
        worker = Worker.builder(studio.baseUrl().toString(), SyntheticEngine.create())
                .registrationStore(RegistrationStore.inMemory(RegistrationState.EMPTY))
                .spoolDirectory(spool)
                .registrationPollInterval(Duration.ofMillis(20))
                .build();
        workerThread = Thread.ofPlatform().name("bench-worker").start(() -> {
            try {
                worker.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // Warm the path once so registration and the first welcome are not measured.
        job();
    }

    @Benchmark
    public JobRecord job() throws Exception {
        String id = "bench-" + ids.incrementAndGet();
        JobClaim claim = kind.equals("json")
                ? SampleJobs.llm(id, "ping")
                : SampleJobs.claim(id, new gg.minis.studio.worker.api.task.ImageTask("bench", null, null, null, null,
                        null, null, null, 1L, 64, 64, 1, "png"), "png");
        studio.submit(claim);
        JobRecord record = studio.awaitOutcome(id).get(30, TimeUnit.SECONDS);
        if (record.status() != JobStatus.COMPLETED) {
            throw new IllegalStateException("job did not complete: " + record);
        }
        return record;
    }

    @TearDown(Level.Iteration)
    public void forgetFinishedJobs() {
        studio.purgeFinishedJobs();
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
        worker.stop();
        workerThread.join(10_000);
        studio.close();
    }
}
