package gg.minis.studio.worker.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.util.Statistics;

/**
 * Runs the benchmarks and prints a Markdown table of what was measured (score, error, percentiles where JMH sampled
 * them), with the machine, date and command; the same table is written to {@code benchmarks/results/<date>.md}.
 *
 * <p>Usage: {@code ./dev bench [REGEX...]} (default: all). Set {@code -Dbench.quick=true} for a short run, or
 * {@code -Dbench.warmups=N -Dbench.iterations=N} for other counts (slow single-shot benchmarks).
 */
public final class RunBenchmarks {
    private RunBenchmarks() {}

    public static void main(String[] args) throws RunnerException, IOException {
        boolean quick = Boolean.getBoolean("bench.quick");
        ChainedOptionsBuilder options = new OptionsBuilder()
                .forks(1)
                .warmupIterations(Integer.getInteger("bench.warmups", quick ? 1 : 3))
                .warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(quick ? 1 : 3))
                .measurementIterations(Integer.getInteger("bench.iterations", quick ? 2 : 5))
                .measurementTime(org.openjdk.jmh.runner.options.TimeValue.seconds(quick ? 1 : 5))
                .jvmArgsAppend("--enable-native-access=ALL-UNNAMED", "-Xmx2g");
        if (args.length == 0) {
            options.include(".*");
        }
        String sdMissing = SdResidentVsCliBenchmark.Config.missing();
        if (sdMissing != null) {
            options.exclude(SdResidentVsCliBenchmark.class.getSimpleName());
            System.out.println("skipping SdResidentVsCliBenchmark: " + sdMissing);
        }
        // The forked benchmark JVM needs the same bench.* settings.
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("bench.")) {
                options.jvmArgsAppend("-D" + key + "=" + System.getProperty(key));
            }
        }
        for (String include : args) {
            options.include(include);
        }
        Collection<RunResult> results = new Runner(options.build()).run();
        String settings = System.getProperties().stringPropertyNames().stream()
                .filter(k -> k.startsWith("bench.") && !k.equals("bench.results"))
                .sorted()
                .map(k -> "-D" + k + "=" + System.getProperty(k) + " ")
                .collect(Collectors.joining());
        String report = report(results, "./dev bench " + settings + String.join(" ", args))
                + (sdMissing == null ? "" : "\nSdResidentVsCliBenchmark did not run: " + sdMissing + "\n");
        System.out.println(report);
        Path dir = Path.of(System.getProperty("bench.results", "benchmarks/results"));
        Files.createDirectories(dir);
        Path file = dir.resolve(LocalDate.now() + ".md");
        Files.writeString(file, report);
        System.out.println("written to " + file);
    }

    static String report(Collection<RunResult> results, String command) {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results ").append(LocalDate.now()).append("\n\n");
        md.append("- machine: ").append(machine()).append('\n');
        md.append("- command: `").append(command.strip()).append("`\n\n");
        md.append("| benchmark | params | mode | score | error (99.9%) | unit | p50 | p99 |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        List<RunResult> sorted = new ArrayList<>(results);
        sorted.sort((a, b) -> a.getParams().getBenchmark().compareTo(b.getParams().getBenchmark()));
        for (RunResult run : sorted) {
            Result<?> primary = run.getPrimaryResult();
            Statistics stats = primary.getStatistics();
            String params = run.getParams().getParamsKeys().stream()
                    .map(k -> k + "=" + run.getParams().getParam(k))
                    .collect(Collectors.joining(", "));
            boolean sampled = run.getParams().getMode() == org.openjdk.jmh.annotations.Mode.SampleTime;
            md.append("| ").append(shortName(run.getParams().getBenchmark()))
                    .append(" | ").append(params)
                    .append(" | ").append(run.getParams().getMode().shortLabel())
                    .append(" | ").append(fmt(primary.getScore()))
                    .append(" | ").append(Double.isNaN(primary.getScoreError()) ? "n/a" : "± " + fmt(primary.getScoreError()))
                    .append(" | ").append(primary.getScoreUnit())
                    .append(" | ").append(sampled ? fmt(stats.getPercentile(50)) : "")
                    .append(" | ").append(sampled ? fmt(stats.getPercentile(99)) : "")
                    .append(" |\n");
            for (Map.Entry<String, Result> secondary : run.getSecondaryResults().entrySet()) {
                Result<?> r = secondary.getValue();
                // Auxiliary event counters (unit "#") are summed over iterations by JMH: show their mean.
                boolean events = "#".equals(r.getScoreUnit());
                long n = Math.max(1, r.getStatistics().getN());
                double score = events ? r.getScore() / n : r.getScore();
                md.append("| ").append(shortName(run.getParams().getBenchmark())).append(':').append(secondary.getKey())
                        .append(" | ").append(params).append(" | | ").append(fmt(score))
                        .append(" | ").append(events || Double.isNaN(r.getScoreError()) ? "n/a" : "± " + fmt(r.getScoreError()))
                        .append(" | ").append(events ? "mean of " + n : r.getScoreUnit()).append(" | | |\n");
            }
        }
        return md.toString();
    }

    private static String shortName(String benchmark) {
        String[] parts = benchmark.split("\\.");
        return parts.length >= 2 ? parts[parts.length - 2] + "." + parts[parts.length - 1] : benchmark;
    }

    private static String fmt(double value) {
        return Double.isNaN(value) ? "n/a" : String.format(Locale.ROOT, value >= 100 ? "%.0f" : "%.3f", value);
    }

    private static String machine() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        long memory = os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getTotalMemorySize() : 0;
        return String.format(Locale.ROOT, "%d cores, %.0f GiB RAM, %s %s, Java %s (%s)",
                Runtime.getRuntime().availableProcessors(), memory / (1024.0 * 1024 * 1024),
                System.getProperty("os.name"), System.getProperty("os.arch"), Runtime.version(),
                System.getProperty("java.vm.vendor"));
    }
}
