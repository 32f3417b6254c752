package gg.minis.studio.worker.natives;

import static org.assertj.core.api.Assertions.assertThat;

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
            // through a few times, so its pages are already resident when the baseline is taken.
            long gcsBefore = youngCollections();
            for (int i = 0; i < 200_000 && (i < 2_000 || youngCollections() < gcsBefore + 3); i++) {
                cycle(ctx, params, failing, i, progressCalls);
            }
            long liveBefore = TestBackend.liveAllocations(backend);
            long rssBefore = rssKb();
            progressCalls.set(0);

            for (int i = 0; i < CYCLES; i++) {
                cycle(ctx, params, failing, i, progressCalls);
            }
            long liveAfter = TestBackend.liveAllocations(backend);
            long rssAfter = rssKb();
            ctx.close();
            long liveClosed = TestBackend.liveAllocations(backend);
            System.out.printf("leak test: %d cycles (%d progress calls), live native allocations %d -> %d with the"
                    + " context open, %d after closing it; VmRSS %d kB -> %d kB (%+d kB); young GCs %d%n", CYCLES,
                    progressCalls.get(), liveBefore, liveAfter, liveClosed, rssBefore, rssAfter, rssAfter - rssBefore,
                    youngCollections() - gcsBefore);

            assertThat(liveBefore).as("only the open context is live").isEqualTo(1);
            assertThat(liveAfter).as("only the open context is live").isEqualTo(1);
            assertThat(liveClosed).isZero();
            assertThat(progressCalls.get()).as("one per step: 1 step per success, 1 before each failure")
                    .isEqualTo(CYCLES);
            assertThat(rssAfter - rssBefore).as("VmRSS growth over %d cycles in kB", CYCLES)
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
