package gg.minis.studio.worker.runner.demo;

import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.protocol.WireJson;
import gg.minis.studio.worker.runner.Worker;
import gg.minis.studio.worker.runner.localstudio.JobRecord;
import gg.minis.studio.worker.runner.localstudio.JobStatus;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import gg.minis.studio.worker.runner.registration.RegistrationState;
import gg.minis.studio.worker.runner.registration.RegistrationStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The embedded demo: a {@link LocalStudio} on loopback and a real {@link Worker} against it, speaking the full
 * protocol (registration, WebSocket session, offers, completeJson, multipart uploads). Results land in a folder.
 */
public final class DemoRun {
    /** What happened, for the summary and for tests. */
    public record Summary(int jobs, int completed, int failed, int rejected, Duration elapsed, Path outputDir,
            List<Path> files) {
        public double jobsPerSecond() {
            return elapsed.isZero() ? 0 : jobs / (elapsed.toNanos() / 1e9);
        }
    }

    private final Engine engine;
    private final int jobCount;
    private final Path outputDir;
    private final Path stateDir;
    private final Duration timeout;
    private final PrintWriter out;

    public DemoRun(Engine engine, int jobCount, Path outputDir, Path stateDir, Duration timeout, PrintWriter out) {
        this.engine = engine;
        this.jobCount = jobCount;
        this.outputDir = outputDir;
        this.stateDir = stateDir;
        this.timeout = timeout;
        this.out = out;
    }

    public Summary run() throws IOException, InterruptedException {
        Files.createDirectories(outputDir);
        try (LocalStudio studio = LocalStudio.start()) {
            Worker worker = Worker.builder(studio.baseUrl().toString(), engine)
                    .registrationStore(RegistrationStore.inMemory(RegistrationState.EMPTY))
                    .spoolDirectory(stateDir.resolve("spool"))
                    .registrationPollInterval(Duration.ofMillis(50))
                    .build();
            out.printf("local studio on %s; worker engine: %s; %d jobs -> %s%n", studio.baseUrl(), engine.id(),
                    jobCount, outputDir);
            CompletableFuture<Worker.Exit> exit = new CompletableFuture<>();
            Thread workerThread = Thread.ofPlatform().name("demo-worker").start(() -> {
                try {
                    exit.complete(worker.run());
                } catch (Throwable t) {
                    exit.completeExceptionally(t);
                }
            });
            long start = System.nanoTime();
            List<JobClaim> jobs = DemoBatch.jobs(jobCount);
            AtomicInteger done = new AtomicInteger();
            List<Path> files = new ArrayList<>();
            List<CompletableFuture<JobRecord>> outcomes = new ArrayList<>();
            for (JobClaim job : jobs) {
                studio.submit(job);
                outcomes.add(studio.awaitOutcome(job.jobId()).thenApply(record -> {
                    Path file = save(record);
                    synchronized (files) {
                        if (file != null) {
                            files.add(file);
                        }
                        report(done.incrementAndGet(), record, file);
                    }
                    return record;
                }));
            }
            int completed = 0;
            int failed = 0;
            int rejected = 0;
            long deadline = System.nanoTime() + timeout.toNanos();
            for (CompletableFuture<JobRecord> outcome : outcomes) {
                try {
                    JobRecord record = outcome.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    switch (record.status()) {
                        case COMPLETED -> completed++;
                        case FAILED -> failed++;
                        case REJECTED -> rejected++;
                        default -> failed++;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    failed++;
                }
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            worker.stop();
            try {
                exit.get(10, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                out.println("worker did not stop cleanly: " + e);
            }
            workerThread.join(1_000);
            Summary summary = new Summary(jobs.size(), completed, failed, rejected, elapsed, outputDir,
                    List.copyOf(files));
            out.printf(Locale.ROOT, "%ndone: %d jobs, %d completed, %d failed, %d rejected in %.2f s (%.1f jobs/s)%n",
                    summary.jobs(), completed, failed, rejected, elapsed.toNanos() / 1e9, summary.jobsPerSecond());
            out.printf("results in %s%n", outputDir.toAbsolutePath());
            return summary;
        }
    }

    private Path save(JobRecord record) {
        try {
            if (record.status() == JobStatus.COMPLETED && record.bytes() != null) {
                Path file = outputDir.resolve(record.jobId() + "." + record.ext());
                Files.write(file, record.bytes());
                return file;
            }
            if (record.status() == JobStatus.COMPLETED && record.result() != null) {
                Path file = outputDir.resolve(record.jobId() + ".json");
                Files.writeString(file, WireJson.mapper().writerWithDefaultPrettyPrinter()
                        .writeValueAsString(record.result()));
                return file;
            }
        } catch (IOException e) {
            out.println("cannot write result of " + record.jobId() + ": " + e.getMessage());
        }
        return null;
    }

    private void report(int n, JobRecord record, Path file) {
        JobClaim claim = record.claim();
        String size = record.bytes() != null ? human(record.bytes().length)
                : file != null ? human(file.toFile().length()) : "";
        String latency = record.offerToOutcome().map(d -> d.toMillis() + " ms").orElse("");
        String outcome = switch (record.status()) {
            case COMPLETED -> "-> " + (file == null ? "(not written)" : outputDir.relativize(file));
            case FAILED -> "FAILED: " + record.error();
            case REJECTED -> "REJECTED: " + record.rejectionReason();
            default -> String.valueOf(record.status());
        };
        out.printf(Locale.ROOT, "[%3d/%d] %-9s %-9s %8s %7s  %s%n", n, jobCount, record.jobId(),
                claim.kind().wireName(), size, latency, outcome);
        out.flush();
    }

    private static String human(long bytes) {
        return bytes < 1024 ? bytes + " B" : String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
    }
}
