package gg.minis.studio.worker.benchmarks;

import gg.minis.studio.worker.runner.Launch;
import gg.minis.studio.worker.runner.localstudio.JobStatus;
import gg.minis.studio.worker.runner.localstudio.LocalStudio;
import gg.minis.studio.worker.runner.localstudio.SampleJobs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The runner as a user starts it: a new JVM running {@code runner run} against the local studio. Reports, as
 * auxiliary counters: {@code welcomedMs}, the wall time from process start to the studio's {@code welcome} (JVM start
 * included); {@code idleRssMb}, the resident set once welcomed and idle; {@code rssGrowthMb}, its growth over 1,000
 * synthetic JSON jobs run after a first 1,000 (so JIT compilation and the heap's first expansion are not counted
 * as growth: what remains is what the worker keeps per job). The primary score is the whole run and is not a goal
 * by itself.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class FootprintBenchmark {
    /** How many jobs the growth measurement runs; the smoke test lowers it. */
    public static int growthJobs = Integer.getInteger("bench.footprint.jobs", 1_000);

    private LocalStudio studio;
    private Path home;
    private Process process;

    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class Memory {
        public double welcomedMs;
        public double idleRssMb;
        public double rssGrowthMb;
    }

    @Setup(Level.Invocation)
    public void prepare() throws IOException {
        studio = LocalStudio.start();
        var credentials = studio.newWorker();
        home = Files.createTempDirectory("bench-footprint");
        Files.writeString(home.resolve("config.toml"), """
                api_base_url = "%s"
                auto_update_enabled = false
                worker_id = "%s"
                auth_token = "%s"
                """.formatted(studio.baseUrl(), credentials.workerId(), credentials.authToken()));
    }

    @Benchmark
    public void runnerFootprint(Memory memory) throws Exception {
        long seq = studio.lastEventSeq();
        long start = System.nanoTime();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-Xshare:auto"));
        // The options the worker ships with (Launch.JVM_OPTIONS), or others: -Dbench.footprint.jvmArgs="..." (e.g.
        // --enable-native-access=ALL-UNNAMED alone, for the JVM's default heap)
        String jvmArgs = System.getProperty("bench.footprint.jvmArgs", String.join(" ", Launch.JVM_OPTIONS)).strip();
        if (!jvmArgs.isEmpty()) {
            command.addAll(List.of(jvmArgs.split("\\s+")));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "gg.minis.studio.worker.runner.cli.RunnerMain", "--config", home.resolve("config.toml").toString(),
                "run"));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(home.resolve("runner.out").toFile())
                .start();
        studio.awaitEventAfter(seq, e -> "welcome".equals(e.type())).get(60, TimeUnit.SECONDS);
        memory.welcomedMs = (System.nanoTime() - start) / 1e6;
        Thread.sleep(1_000);
        double idle = rssMb(process.pid());
        runJobs("warm", growthJobs);
        double warm = rssMb(process.pid());
        runJobs("fp", growthJobs);
        memory.idleRssMb = idle;
        memory.rssGrowthMb = rssMb(process.pid()) - warm;
    }

    private void runJobs(String prefix, int count) throws Exception {
        List<CompletableFuture<?>> outcomes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = prefix + "-" + i;
            studio.submit(SampleJobs.llm(id, "ping " + i));
            outcomes.add(studio.awaitOutcome(id).thenAccept(r -> {
                if (r.status() != JobStatus.COMPLETED) {
                    throw new IllegalStateException("job failed: " + r);
                }
            }));
        }
        CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).get(300, TimeUnit.SECONDS);
        studio.purgeFinishedJobs();
    }

    @TearDown(Level.Invocation)
    public void stop() throws Exception {
        if (process != null) {
            process.destroy(); // SIGTERM: the runner closes its session cleanly
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        studio.close();
    }

    /** Resident set size from /proc (Linux); 0 elsewhere. */
    static double rssMb(long pid) throws IOException {
        Path status = Path.of("/proc/" + pid + "/status");
        if (!Files.exists(status)) {
            return 0;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0;
            }
        }
        return 0;
    }
}
