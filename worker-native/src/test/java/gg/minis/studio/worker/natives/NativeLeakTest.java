package gg.minis.studio.worker.natives;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * 10,000 generate/free cycles must leave no native allocation behind and must not grow the process.
 * Each cycle exercises the full path: params struct and strings in a confined arena, a progress upcall stub,
 * a cancel flag, the backend's pixel buffer copied out and freed with sw_image_free.
 *
 * <p>VmRSS also moves for reasons of the JVM's own: the surefire JVM of this module has a fixed, pre-touched heap
 * (pom.xml), so heap growth cannot show (G1 grows the heap when a busy CPU makes its pauses long); the growth of
 * the JVM's committed non-heap memory (code cache, metaspace) is subtracted; and the warm-up lasts until the JIT
 * compiler has gone quiet, which on a loaded machine takes longer than a fixed number of cycles.
 */
class NativeLeakTest {
    private static final int CYCLES = 10_000;
    private static final long MAX_RSS_GROWTH_KB = 6 * 1024;

    @Test
    @EnabledOnOs(OS.LINUX)
    void tenThousandGenerateFreeCyclesLeakNothing() throws Exception {
        try (NativeBackend backend = TestBackend.load()) {
            ImageContext ctx = backend.openImage(ImageModel.builder().modelPath(Path.of("/m/leak.gguf")).build());
            ImageParams params = ImageParams.builder("leak check").size(64, 64).steps(1).seed(1).build();
            ImageParams failing = ImageParams.builder("#fail:oom").size(64, 64).steps(2).seed(1).build();
            AtomicInteger progressCalls = new AtomicInteger();

            // Warm-up: JIT, upcall stub machinery, and enough garbage for the young generation to be cycled
            // through a few times, so its pages are already resident when the baseline is taken; in batches, until
            // a whole batch ran without the JIT compiling anything.
            long gcsBefore = youngCollections();
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            int i = 0;
            boolean quiet = false;
            while (i < 200_000 && (i < 2_000 || youngCollections() < gcsBefore + 3 || !quiet)) {
                long compiling = jitMillis(jit);
                for (int end = i + 1_000; i < end; i++) {
                    cycle(ctx, params, failing, i, progressCalls);
                }
                quiet = jitMillis(jit) == compiling;
            }
            long liveBefore = TestBackend.liveAllocations(backend);
            long rssBefore = rssKb();
            long nonHeapBefore = nonHeapCommittedKb();
            progressCalls.set(0);

            for (int c = 0; c < CYCLES; c++) {
                cycle(ctx, params, failing, c, progressCalls);
            }
            long liveAfter = TestBackend.liveAllocations(backend);
            long rssAfter = rssKb();
            long nonHeapGrowth = nonHeapCommittedKb() - nonHeapBefore;
            ctx.close();
            long liveClosed = TestBackend.liveAllocations(backend);
            System.out.printf("leak test: %d cycles (%d progress calls) after %d warm-up cycles, live native"
                    + " allocations %d -> %d with the context open, %d after closing it; VmRSS %d kB -> %d kB (%+d kB),"
                    + " of which JVM non-heap %+d kB; young GCs %d%n", CYCLES, progressCalls.get(), i, liveBefore,
                    liveAfter, liveClosed, rssBefore, rssAfter, rssAfter - rssBefore, nonHeapGrowth,
                    youngCollections() - gcsBefore);

            assertThat(liveBefore).as("only the open context is live").isEqualTo(1);
            assertThat(liveAfter).as("only the open context is live").isEqualTo(1);
            assertThat(liveClosed).isZero();
            assertThat(progressCalls.get()).as("one per step: 1 step per success, 1 before each failure")
                    .isEqualTo(CYCLES);
            assertThat(rssAfter - rssBefore - nonHeapGrowth)
                    .as("VmRSS growth over %d cycles in kB, less the JVM's non-heap growth", CYCLES)
                    .isLessThan(MAX_RSS_GROWTH_KB);
        }
    }

    private static void cycle(ImageContext ctx, ImageParams ok, ImageParams failing, int i, AtomicInteger calls) {
        if (i % 10 == 9) {
            try {
                ctx.generate(failing, (s, t) -> calls.incrementAndGet(), new CancelFlag());
                throw new AssertionError("expected a failure");
            } catch (NativeException expected) {
                // the error path frees its buffer too
            }
        } else {
            ImagePixels px = ctx.generate(ok, (s, t) -> calls.incrementAndGet(), new CancelFlag());
            if (px.data().length != 64 * 64 * 3) {
                throw new AssertionError("bad size");
            }
        }
    }

    /** Time the JIT compilers spent so far (-1 where the JVM does not say): a change means they compiled. */
    private static long jitMillis(CompilationMXBean jit) {
        return jit != null && jit.isCompilationTimeMonitoringSupported() ? jit.getTotalCompilationTime() : -1;
    }

    /** The JVM's committed non-heap memory (code cache, metaspace, compressed class space) in kB. */
    private static long nonHeapCommittedKb() {
        return ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage().getCommitted() / 1024;
    }

    private static long youngCollections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (!gc.getName().contains("Old") && !gc.getName().contains("Concurrent")) {
                n += Math.max(0, gc.getCollectionCount());
            }
        }
        return n;
    }

    static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
