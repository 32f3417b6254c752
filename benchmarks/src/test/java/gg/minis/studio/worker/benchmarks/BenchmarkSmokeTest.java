package gg.minis.studio.worker.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import org.junit.jupiter.api.Test;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Keeps the benchmarks compiling and working: one short in-process iteration each. This measures nothing;
 * numbers come from the JMH runs described in benchmarks/README.md.
 */
class BenchmarkSmokeTest {
    @Test
    void everyBenchmarkRunsOneShortIteration() throws Exception {
        FootprintBenchmark.growthJobs = 20;
        Collection<RunResult> results = new Runner(new OptionsBuilder()
                .include(LoopbackBenchmark.class.getSimpleName())
                .include(FfmOverheadBenchmark.class.getSimpleName())
                .include(FootprintBenchmark.class.getSimpleName())
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200))
                .shouldFailOnError(true)
                .build()).run();
        assertThat(results).hasSize(2 + 4 + 1);
        for (RunResult result : results) {
            assertThat(result.getPrimaryResult().getSampleCount()).isPositive();
        }
    }
}
