package gg.minis.studio.worker.natives.real;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import gg.minis.studio.worker.natives.BackendInfo;
import gg.minis.studio.worker.natives.CancelFlag;
import gg.minis.studio.worker.natives.NativeBackend;
import gg.minis.studio.worker.natives.NativeException;
import gg.minis.studio.worker.natives.SttContext;
import gg.minis.studio.worker.natives.SttModel;
import gg.minis.studio.worker.natives.SttParams;
import gg.minis.studio.worker.natives.SwStatus;
import gg.minis.studio.worker.natives.Transcript;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.opentest4j.TestAbortedException;

/**
 * sw_whisper against a real whisper.cpp, with a tiny random-weight model this test writes itself
 * ({@link TinyWhisperModel}). Skipped when sw_whisper was not built (no whisper.cpp install found by CMake).
 */
class WhisperRealTest {
    private static final double AUDIO_SECONDS = 3.0;
    private static final int THREADS = 2;

    @TempDir
    static Path dir;
    private static NativeBackend backend;
    private static Path model;
    private static final List<String> log = new CopyOnWriteArrayList<>();

    private static String skipReason;

    @BeforeAll
    static void setUp() throws Exception {
        try {
            backend = RealBackends.load("sw_whisper", "whisper.cpp");
        } catch (TestAbortedException e) {
            // reported on every test: an abort in @BeforeAll shows up as "0 tests run", without the reason
            skipReason = e.getMessage().replaceFirst("^Assumption failed: ", "");
            return;
        }
        backend.logListener((name, level, line) -> log.add(line));
        long t = System.nanoTime();
        model = TinyWhisperModel.write(dir.resolve("ggml-tiny-random.bin"), 42);
        System.out.printf("whisper: wrote %s (%.1f MB) in %.0f ms%n", model, Files.size(model) / 1e6,
                RealBackends.ms(System.nanoTime() - t));
    }

    @BeforeEach
    void assumeBackend() {
        if (skipReason != null) {
            Assumptions.abort(skipReason);
        }
    }

    @AfterAll
    static void tearDown() {
        if (backend != null) {
            backend.close();
        }
    }

    /** Speech-like test audio: a 150 Hz voice with harmonics, syllables every 250 ms, a little noise. */
    static float[] audio(double seconds) {
        SplittableRandom random = new SplittableRandom(7);
        float[] pcm = new float[(int) Math.round(seconds * SttContext.SAMPLE_RATE)];
        for (int i = 0; i < pcm.length; i++) {
            double t = (double) i / SttContext.SAMPLE_RATE;
            double voice = 0;
            for (int h = 1; h <= 8; h++) {
                voice += Math.sin(2 * Math.PI * 150 * h * t) / h;
            }
            double envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
            pcm[i] = (float) (0.2 * envelope * voice + 0.01 * random.nextDouble(-1, 1));
        }
        return pcm;
    }

    private static SttContext open() {
        return backend.openStt(new SttModel(model, THREADS, false));
    }

    @Test
    void reportsTheRealLibrary() {
        BackendInfo info = backend.info();
        assertThat(info.name()).isEqualTo("sw_whisper");
        assertThat(info.stt()).isTrue();
        assertThat(info.image()).isFalse();
        assertThat(info.version()).isNotBlank();
        System.out.println("whisper: backend " + info.name() + " " + info.version() + " from " + backend.libraryPath());
    }

    @Test
    void transcribesGeneratedAudio() {
        log.clear();
        long t0 = System.nanoTime();
        try (SttContext ctx = open()) {
            long loadNs = System.nanoTime() - t0;
            assertThat(log).as("whisper.cpp's own load log lines reach our log callback")
                    .anyMatch(l -> l.contains("n_vocab") && l.contains(String.valueOf(TinyWhisperModel.N_VOCAB)));

            float[] pcm = audio(AUDIO_SECONDS);
            List<int[]> progress = new CopyOnWriteArrayList<>();
            long t1 = System.nanoTime();
            Transcript t = ctx.transcribe(pcm, SttParams.defaults(), (s, n) -> progress.add(new int[] {s, n}), null);
            long transcribeNs = System.nanoTime() - t1;
            long t2 = System.nanoTime();
            Transcript words = ctx.transcribe(pcm, SttParams.defaults().withLanguage("en").withWordTimestamps(true));
            long wordsNs = System.nanoTime() - t2;
            System.out.printf("whisper: open (model load) %.1f ms; transcribe %.1f s of audio %.1f ms (auto language,"
                            + " %d segments, language '%s'); with word timestamps %.1f ms (%d segments)%n",
                    RealBackends.ms(loadNs), AUDIO_SECONDS, RealBackends.ms(transcribeNs), t.segments().size(),
                    t.language(), RealBackends.ms(wordsNs), words.segments().size());
            System.out.println("whisper: transcript " + t.segments());

            long audioMs = Math.round(AUDIO_SECONDS * 1000);
            assertThat(t.language()).as("detected language").isNotBlank();
            assertThat(t.segments()).as("segments of a random-weight model").isNotEmpty();
            for (Transcript tr : List.of(t, words)) {
                assertThat(tr.segments()).allSatisfy(s -> {
                    assertThat(s.t0Ms()).isBetween(0L, audioMs);
                    assertThat(s.t1Ms()).isBetween(s.t0Ms(), audioMs);
                    assertThat(s.text()).isNotNull();
                });
            }
            assertThat(words.language()).isEqualTo("en");
            assertThat(words.segments()).allSatisfy(s -> assertThat(s.words()).allSatisfy(w -> {
                assertThat(w.t0Ms()).isBetween(0L, audioMs);
                assertThat(w.t1Ms()).isBetween(w.t0Ms(), audioMs);
                assertThat(w.p()).isBetween(0f, 1f);
            }));
            assertThat(t.segments()).allSatisfy(s -> assertThat(s.words()).isEmpty());

            List<Integer> steps = progress.stream().map(p -> p[0]).toList();
            assertThat(progress).as("progress reported").isNotEmpty().allSatisfy(p -> assertThat(p[1]).isEqualTo(100));
            assertThat(steps).as("strictly increasing percentages ending at 100").isSorted().doesNotHaveDuplicates()
                    .endsWith(100);
        }
    }

    @Test
    void aCancelBeforeTheCallIsHonoured() {
        try (SttContext ctx = open()) {
            CancelFlag flag = new CancelFlag();
            flag.cancel();
            NativeException e = catchThrowableOfType(NativeException.class,
                    () -> ctx.transcribe(audio(1), SttParams.defaults(), null, flag));
            assertThat(e.status()).isEqualTo(SwStatus.CANCELLED);
            // the context is still usable afterwards
            assertThat(ctx.transcribe(audio(1), SttParams.defaults().withLanguage("en")).segments()).isNotNull();
        }
    }

    @Test
    void cancellingFromTheFirstProgressReportStopsTheCall() {
        try (SttContext ctx = open()) {
            CancelFlag flag = new CancelFlag();
            List<Integer> seen = new ArrayList<>();
            NativeException e = catchThrowableOfType(NativeException.class,
                    () -> ctx.transcribe(audio(AUDIO_SECONDS), SttParams.defaults(), (s, n) -> {
                        seen.add(s);
                        flag.cancel();
                    }, flag));
            assertThat(e).as("a cancel during the call").isNotNull();
            assertThat(e.status()).isEqualTo(SwStatus.CANCELLED);
            assertThat(seen).hasSizeLessThanOrEqualTo(1);
        }
    }

    @Test
    void aCorruptModelFileIsAModelLoadErrorNamingTheFile() throws Exception {
        Path garbage = dir.resolve("corrupt-garbage.bin");
        byte[] bytes = new byte[4096];
        new SplittableRandom(1).nextBytes(bytes);
        Files.write(garbage, bytes);
        Path truncated = dir.resolve("corrupt-truncated.bin");
        byte[] head = new byte[300_000]; // magic, hparams, mel filters and part of the vocabulary
        try (var in = Files.newInputStream(model)) {
            in.readNBytes(head, 0, head.length);
        }
        Files.write(truncated, head);
        Path missing = dir.resolve("no-such-model.bin");

        for (Path bad : List.of(garbage, truncated, missing)) {
            NativeException e = catchThrowableOfType(NativeException.class,
                    () -> backend.openStt(new SttModel(bad, THREADS, false)));
            assertThat(e).as("opening %s", bad).isNotNull();
            assertThat(e.status()).as(e.getMessage()).isEqualTo(SwStatus.MODEL_LOAD);
            assertThat(e.nativeMessage()).contains(bad.toString());
            System.out.println("whisper: " + bad.getFileName() + " -> " + e.getMessage());
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void repeatedTranscriptionsOnOneContextDoNotGrowNativeMemory() throws Exception {
        final int runs = 50;
        final long maxMallocGrowth = 2L << 20;   // what whisper.cpp and the shim keep allocated
        final long maxRssGrowthKb = 32 * 1024;   // the whole process, Java heap included
        try (SttContext ctx = open()) {
            float[] pcm = audio(2);
            SttParams params = SttParams.defaults().withLanguage("en").withWordTimestamps(true);
            for (int i = 0; i < 5; i++) {
                ctx.transcribe(pcm, params); // warm-up: whisper's compute buffers, JIT
            }
            System.gc();
            long mallocBefore = RealBackends.mallocInUse();
            long rssBefore = RealBackends.rssKb();
            long t = System.nanoTime();
            for (int i = 0; i < runs; i++) {
                ctx.transcribe(pcm, params, (s, n) -> { }, new CancelFlag());
            }
            long each = (System.nanoTime() - t) / runs;
            System.gc();
            long mallocAfter = RealBackends.mallocInUse();
            long rssAfter = RealBackends.rssKb();
            System.out.printf("whisper: %d transcriptions of 2 s on one context, %.1f ms each; malloc in use %d kB ->"
                            + " %d kB (%+d kB); VmRSS %d kB -> %d kB (%+d kB)%n", runs, RealBackends.ms(each),
                    mallocBefore >> 10, mallocAfter >> 10, (mallocAfter - mallocBefore) >> 10, rssBefore, rssAfter,
                    rssAfter - rssBefore);
            if (mallocBefore >= 0) {
                assertThat(mallocAfter - mallocBefore).as("malloc'd bytes still in use after %d transcriptions", runs)
                        .isLessThan(maxMallocGrowth);
            }
            assertThat(rssAfter - rssBefore).as("VmRSS growth over %d transcriptions in kB", runs)
                    .isLessThan(maxRssGrowthKb);
        }
    }
}
