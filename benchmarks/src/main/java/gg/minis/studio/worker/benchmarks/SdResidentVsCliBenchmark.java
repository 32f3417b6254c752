package gg.minis.studio.worker.benchmarks;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.ProgressListener;
import gg.minis.studio.worker.api.job.BinaryResult;
import gg.minis.studio.worker.api.job.EngineIds;
import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.job.ModelFile;
import gg.minis.studio.worker.api.job.ModelFileRole;
import gg.minis.studio.worker.api.job.ModelSource;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.engines.image.StableDiffusionEngine;
import gg.minis.studio.worker.natives.NativeLibraryLoader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * The point of running in-process: the same stable-diffusion.cpp job (model, size, steps, seed, threads) with the
 * model resident in our engine, versus the upstream {@code sd} command-line program spawned per job as the original
 * worker does (loading text encoder, UNet and VAE every time). {@code cliGenerateMs} is the generation time the CLI
 * reports for itself ("generate_image completed in"), the ideal a resident model can approach.
 *
 * <p>The CLI runs with {@code --eager-load} so that the time it reports excludes loading (its total wall time is
 * the same either way). With {@code -Dbench.sd.coldCache=true} the page cache is dropped before every job (needs
 * root), so each CLI process reads the checkpoint from disk, as on a machine that is not just repeating one job.
 *
 * <p>Runs only when configured (see {@link Config#fromSystem()}); {@link RunBenchmarks} skips it otherwise.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SdResidentVsCliBenchmark {
    private static final Pattern CLI_GENERATE = Pattern.compile("generate_image completed in ([0-9.]+)s");

    /** Where the model, the native backend and the upstream CLI are; all from system properties. */
    public record Config(Path model, Path nativeDir, Path cli, int size, int steps, long seed, int threads) {
        public static Config fromSystem() {
            String model = System.getProperty("bench.sd.model", System.getenv("STUDIO_WORKER_SD_MODEL"));
            String nativeDir = System.getProperty("bench.native.dir", System.getenv("STUDIO_WORKER_NATIVE_DIR"));
            String cli = System.getProperty("bench.sd.cli", System.getenv("STUDIO_WORKER_SD_CLI"));
            if (model == null || nativeDir == null || cli == null) {
                return null;
            }
            return new Config(Path.of(model), Path.of(nativeDir), Path.of(cli),
                    Integer.getInteger("bench.sd.size", 256), Integer.getInteger("bench.sd.steps", 4),
                    Long.getLong("bench.sd.seed", 42), Integer.getInteger("bench.sd.threads",
                            Runtime.getRuntime().availableProcessors()));
        }

        /** Why the benchmark cannot run, or null when it can. */
        public static String missing() {
            return fromSystem() != null ? null
                    : "set -Dbench.sd.model=<SD 1.x checkpoint> -Dbench.native.dir=<dir with sw_sdcpp and upstream "
                            + "libs> -Dbench.sd.cli=<upstream sd executable> (or STUDIO_WORKER_SD_MODEL, "
                            + "STUDIO_WORKER_NATIVE_DIR, STUDIO_WORKER_SD_CLI)";
        }
    }

    @AuxCounters(AuxCounters.Type.EVENTS)
    @State(Scope.Thread)
    public static class CliReport {
        public double cliGenerateMs;
    }

    private Config config;
    private StableDiffusionEngine engine;
    private Path out;
    private int job;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        config = Config.fromSystem();
        if (config == null) {
            throw new IllegalStateException("not configured: " + Config.missing());
        }
        out = Files.createTempDirectory("bench-sd");
        Path model = config.model();
        // The model file is already local: resolve it in place, no download.
        engine = StableDiffusionEngine.builder((kind, file, progress, cancel) -> model)
                .loader(NativeLibraryLoader.builder().directory(config.nativeDir()).build())
                .threads(config.threads())
                .build();
    }

    @Setup(Level.Invocation)
    public void maybeDropPageCache() throws Exception {
        if (Boolean.getBoolean("bench.sd.coldCache")) {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
    }

    /** One job in-process; after the first (warm-up) job the model is resident. */
    @Benchmark
    public byte[] inProcessResident() throws Exception {
        ImageTask task = new ImageTask("a lighthouse", null, null, null, null, null, 7.0, "euler", config.seed(),
                config.size(), config.size(), config.steps(), "png");
        ModelSource source = new ModelSource(EngineIds.SD_CPP,
                List.of(new ModelFile(ModelFileRole.MODEL, "file://" + config.model(),
                        config.model().getFileName().toString(), null, null)), null);
        var result = (BinaryResult) engine.run(JobClaim.local("bench-" + job++, "sd1x", task, source),
                ProgressListener.NONE, CancellationToken.none());
        return result.bytes();
    }

    /** One job as the original worker runs it: a new upstream CLI process that loads the model again. */
    @Benchmark
    public int cliProcessPerJob(CliReport report) throws Exception {
        Path image = out.resolve("cli-" + job++ + ".png");
        Process process = new ProcessBuilder(config.cli().toString(), "-m", config.model().toString(),
                "-p", "a lighthouse", "-W", String.valueOf(config.size()), "-H", String.valueOf(config.size()),
                "--steps", String.valueOf(config.steps()), "-s", String.valueOf(config.seed()),
                "--cfg-scale", "7", "--sampling-method", "euler", "-t", String.valueOf(config.threads()),
                "--eager-load",
                "-o", image.toString())
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        if (exit != 0 || !Files.exists(image)) {
            throw new IllegalStateException("sd CLI failed (exit " + exit + "): "
                    + output.substring(Math.max(0, output.length() - 2000)));
        }
        Matcher m = CLI_GENERATE.matcher(output);
        if (m.find()) {
            report.cliGenerateMs = Double.parseDouble(m.group(1)) * 1000;
        }
        return exit;
    }
}
