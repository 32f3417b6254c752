package gg.minis.studio.worker.natives.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import gg.minis.studio.worker.natives.BackendInfo;
import gg.minis.studio.worker.natives.CancelFlag;
import gg.minis.studio.worker.natives.ImageContext;
import gg.minis.studio.worker.natives.ImageModel;
import gg.minis.studio.worker.natives.ImageParams;
import gg.minis.studio.worker.natives.ImagePixels;
import gg.minis.studio.worker.natives.NativeBackend;
import gg.minis.studio.worker.natives.NativeException;
import gg.minis.studio.worker.natives.SwStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * sw_sdcpp against a real stable-diffusion.cpp. Runs only when {@value #MODEL_KEY} (system property or environment
 * variable) names an SD 1.x checkpoint, e.g. a random-weight one written by {@code RandomSdCheckpoint} (images are
 * noise then, timings are those of a real model), and sw_sdcpp was built.
 */
class StableDiffusionRealTest {
    static final String MODEL_KEY = "STUDIO_WORKER_SD_MODEL";
    private static final int THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    /** Lines sd.cpp logs only while it reads weights (model_loader.cpp / stable-diffusion.cpp). */
    private static final List<String> LOAD_MARKERS = List.of("loading tensors", "loading model from");

    @TempDir
    static Path dir;
    private static NativeBackend backend;
    private static ImageContext ctx;
    private static double openMs;
    private static final List<String> openLog = new ArrayList<>();
    private static final List<String> log = new CopyOnWriteArrayList<>();

    private static String skipReason;

    @BeforeAll
    static void setUp() {
        try {
            setUpOrAbort();
        } catch (TestAbortedException e) {
            // reported on every test: an abort in @BeforeAll shows up as "0 tests run", without the reason
            skipReason = e.getMessage().replaceFirst("^Assumption failed: ", "");
        }
    }

    @BeforeEach
    void assumeBackend() {
        if (skipReason != null) {
            Assumptions.abort(skipReason);
        }
    }

    private static void setUpOrAbort() {
        Path model = RealBackends.pathSetting(MODEL_KEY);
        Assumptions.assumeTrue(model != null, MODEL_KEY + " not set: point it (system property or environment"
                + " variable) at a Stable Diffusion 1.x checkpoint to run the sw_sdcpp tests");
        Assumptions.assumeTrue(Files.isRegularFile(model), MODEL_KEY + "=" + model + " is not a file");
        backend = RealBackends.load("sw_sdcpp", "stable-diffusion.cpp");
        backend.logListener((name, level, line) -> log.add(line));
        long t = System.nanoTime();
        ctx = backend.openImage(ImageModel.builder().modelPath(model).threads(THREADS).build());
        openMs = RealBackends.ms(System.nanoTime() - t);
        openLog.addAll(log);
        System.out.printf("sd: open %s (model load) %.0f ms, %d threads%n", model, openMs, THREADS);
    }

    @AfterAll
    static void tearDown() {
        if (backend != null) {
            backend.close(); // closes ctx too
        }
    }

    private static ImageParams.Builder params(int size, int steps) {
        return ImageParams.builder("a lighthouse on a cliff, oil painting").size(size, size).steps(steps)
                .cfgScale(7f).sampleMethod("euler_a").seed(42);
    }

    private static boolean mentionsLoading(List<String> lines) {
        return lines.stream().anyMatch(l -> LOAD_MARKERS.stream().anyMatch(l::contains));
    }

    @Test
    void reportsTheRealLibrary() {
        BackendInfo info = backend.info();
        assertThat(info.name()).isEqualTo("sw_sdcpp");
        assertThat(info.image()).isTrue();
        assertThat(info.stt()).isFalse();
        assertThat(info.version()).isNotBlank();
        System.out.println("sd: backend " + info.name() + " " + info.version() + ", devices " + info.devices());
    }

    @Test
    void generatesAndKeepsTheModelLoadedAcrossGenerations() {
        assertThat(mentionsLoading(openLog)).as("sw_image_open loads the weights (eager_load)").isTrue();

        List<String> progress = new CopyOnWriteArrayList<>();
        log.clear();
        long t1 = System.nanoTime();
        ImagePixels first = ctx.generate(params(64, 2).build(), (s, n) -> progress.add(s + "/" + n), null);
        double firstMs = RealBackends.ms(System.nanoTime() - t1);
        List<String> firstLog = List.copyOf(log);

        log.clear();
        long t2 = System.nanoTime();
        ImagePixels second = ctx.generate(params(64, 2).build());
        double secondMs = RealBackends.ms(System.nanoTime() - t2);
        List<String> secondLog = List.copyOf(log);
        System.out.printf("sd: 64x64, 2 steps: first generation %.0f ms, second %.0f ms (open + first = %.0f ms)%n",
                firstMs, secondMs, openMs + firstMs);

        assertThat(progress).as("one report per sampling step").containsExactly("1/2", "2/2");
        for (ImagePixels px : List.of(first, second)) {
            assertThat(px.width()).isEqualTo(64);
            assertThat(px.height()).isEqualTo(64);
            assertThat(px.channels()).isEqualTo(3);
            assertThat(IntStream.range(0, px.data().length).map(i -> px.data()[i] & 0xff).distinct().count())
                    .as("distinct pixel values (not a blank image)").isGreaterThan(16);
        }
        assertThat(second).as("same seed, same params, same context: same image").isEqualTo(first);
        assertThat(mentionsLoading(firstLog)).as("first generation reloads nothing:\n%s", RealBackends.join(firstLog))
                .isFalse();
        assertThat(mentionsLoading(secondLog)).as("second generation reloads nothing:\n%s",
                RealBackends.join(secondLog)).isFalse();
        assertThat(secondLog).as("sd.cpp's log lines reach our log callback")
                .anyMatch(l -> l.contains("generate_image"));
    }

    @Test
    void perStepTimeAt128() {
        List<Long> at = new CopyOnWriteArrayList<>();
        long t = System.nanoTime();
        ImagePixels px = ctx.generate(params(128, 2).build(), (s, n) -> at.add(System.nanoTime()), null);
        long end = System.nanoTime();
        assertThat(px.width()).isEqualTo(128);
        assertThat(at).hasSize(2);
        System.out.printf("sd: 128x128, 2 steps: %.0f ms in all; until step 1 %.0f ms (text encoder + step 1),"
                        + " step 2 %.0f ms, after the last step (VAE decode) %.0f ms%n", RealBackends.ms(end - t),
                RealBackends.ms(at.get(0) - t), RealBackends.ms(at.get(1) - at.get(0)),
                RealBackends.ms(end - at.get(1)));
    }

    @Test
    void aCancelBeforeTheCallIsHonoured() {
        CancelFlag flag = new CancelFlag();
        flag.cancel();
        NativeException e = catchThrowableOfType(NativeException.class,
                () -> ctx.generate(params(64, 2).build(), null, flag));
        assertThat(e.status()).isEqualTo(SwStatus.CANCELLED);
    }

    @Test
    void cancellingMidRunStopsAfterTheCurrentStepAndTheContextStaysUsable() {
        CancelFlag flag = new CancelFlag();
        List<String> progress = new CopyOnWriteArrayList<>();
        long t = System.nanoTime();
        NativeException e = catchThrowableOfType(NativeException.class,
                () -> ctx.generate(params(64, 6).build(), (s, n) -> {
                    progress.add(s + "/" + n);
                    if (s == 2) {
                        flag.cancel();
                    }
                }, flag));
        double cancelledMs = RealBackends.ms(System.nanoTime() - t);
        assertThat(e).as("cancelled at step 2 of 6").isNotNull();
        assertThat(e.status()).isEqualTo(SwStatus.CANCELLED);
        assertThat(progress).containsExactly("1/6", "2/6");
        System.out.printf("sd: cancelled at step 2 of 6 after %.0f ms: %s%n", cancelledMs, e.getMessage());

        ImagePixels after = ctx.generate(params(64, 1).build());
        assertThat(after.width()).isEqualTo(64);
    }

    @Test
    void aCorruptCheckpointIsAModelLoadErrorNamingTheFile() throws Exception {
        Path bad = dir.resolve("corrupt.safetensors");
        byte[] bytes = new byte[8192];
        new SplittableRandom(3).nextBytes(bytes);
        Files.write(bad, bytes);
        NativeException e = catchThrowableOfType(NativeException.class,
                () -> backend.openImage(ImageModel.builder().modelPath(bad).build()));
        assertThat(e).isNotNull();
        assertThat(e.status()).as(e.getMessage()).isEqualTo(SwStatus.MODEL_LOAD);
        assertThat(e.nativeMessage()).contains(bad.toString());
        System.out.println("sd: corrupt.safetensors -> " + e.getMessage());
    }
}
