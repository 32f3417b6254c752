package gg.minis.studio.worker.natives;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The speech path through FFM against sw_testbackend. */
class SpeechTest {
    private static NativeBackend backend;
    private SttContext ctx;

    @BeforeAll
    static void loadBackend() {
        backend = TestBackend.load();
    }

    @AfterAll
    static void closeBackend() {
        if (backend != null) {
            backend.close();
        }
    }

    @BeforeEach
    void open() {
        ctx = backend.openStt(new SttModel(Path.of("/models/ggml-base.bin"), 3, false));
    }

    @AfterEach
    void closeAndCheckLeaks() {
        ctx.close();
        assertThat(TestBackend.liveAllocations(backend)).as("native allocations left behind").isZero();
    }

    /** {@code seconds} of a 440 Hz sine at amplitude {@code amp} (RMS amp/sqrt(2)). */
    private static float[] sine(double seconds, double amp) {
        float[] pcm = new float[(int) Math.round(seconds * SttContext.SAMPLE_RATE)];
        for (int i = 0; i < pcm.length; i++) {
            pcm[i] = (float) (amp * Math.sin(2 * Math.PI * 440 * i / SttContext.SAMPLE_RATE));
        }
        return pcm;
    }

    @Test
    void transcriptIsDerivedFromThePcm() {
        float[] pcm = sine(2.5, 0.5);
        for (int i = 32_000; i < pcm.length; i++) {
            pcm[i] = 0; // last half second silent
        }
        Transcript t = ctx.transcribe(pcm, SttParams.defaults());
        assertThat(t.language()).isEqualTo("en");
        assertThat(t.segments()).extracting(Transcript.Segment::t0Ms).containsExactly(0L, 1000L, 2000L);
        assertThat(t.segments()).extracting(Transcript.Segment::t1Ms).containsExactly(1000L, 2000L, 2500L);
        assertThat(t.segments()).extracting(Transcript.Segment::text)
                .containsExactly("samples=16000 rms=0.3536", "samples=16000 rms=0.3536", "samples=8000 rms=0.0000");
        assertThat(t.segments()).allSatisfy(s -> assertThat(s.words()).isEmpty());
        assertThat(t.text()).startsWith("samples=16000 rms=0.3536 samples=16000");
    }

    @Test
    void everySpeechParameterCrossesTheBoundaryIntact() {
        assertThat(TestBackend.echo(backend, TestBackend.ECHO_STT_MODEL)).containsEntry("model_path", "/models/ggml-base.bin")
                .containsEntry("n_threads", "3").containsEntry("use_gpu", "0");
        float[] pcm = sine(1.25, 0.25);
        Transcript t = ctx.transcribe(pcm, new SttParams("de", true, "Grüße, Glossar: FFM", true, 5), null,
                new CancelFlag());
        assertThat(t.language()).isEqualTo("de");
        assertThat(TestBackend.echo(backend, TestBackend.ECHO_STT_PARAMS))
                .containsEntry("language", "de")
                .containsEntry("translate", "1")
                .containsEntry("initial_prompt", "Grüße, Glossar: FFM")
                .containsEntry("word_timestamps", "1")
                .containsEntry("n_threads", "5")
                .containsEntry("cancel_flag", "set")
                .containsEntry("n_samples", "20000")
                .containsEntry("pcm_rms", "0.1768");
    }

    @Test
    void wordTimestampsWhenAsked() {
        Transcript t = ctx.transcribe(sine(1.5, 0.5), SttParams.defaults().withWordTimestamps(true));
        Transcript.Segment second = t.segments().get(1);
        assertThat(second.words()).extracting(Transcript.Word::text).containsExactly("samples=8000", "rms=0.3536");
        assertThat(second.words()).extracting(Transcript.Word::t0Ms).containsExactly(1000L, 1250L);
        assertThat(second.words()).extracting(Transcript.Word::t1Ms).containsExactly(1250L, 1500L);
        assertThat(second.words()).extracting(Transcript.Word::p).containsExactly(1.0f, 0.5f);
    }

    @Test
    void progressOncePerSegmentInOrder() {
        List<String> calls = new CopyOnWriteArrayList<>();
        ctx.transcribe(sine(4.2, 0.1), SttParams.defaults(), (s, n) -> calls.add(s + "/" + n), null);
        assertThat(calls).containsExactly("1/5", "2/5", "3/5", "4/5", "5/5");
    }

    @Test
    void cancellingFromAnotherThreadStopsTheTranscription() throws Exception {
        CancelFlag flag = new CancelFlag();
        CountDownLatch started = new CountDownLatch(2);
        CountDownLatch cancelSent = new CountDownLatch(1);
        CompletableFuture<Transcript> job = CompletableFuture.supplyAsync(() -> ctx.transcribe(sine(60, 0.1),
                SttParams.defaults().withInitialPrompt("#slow:20"), (s, n) -> {
                    started.countDown();
                    if (s == 2) {
                        // Held until the cancel is sent: a slow test thread must not let the job finish first.
                        ImageGenerationTest.awaitQuietly(cancelSent);
                    }
                }, flag));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        flag.cancel();
        cancelSent.countDown();
        Throwable cause = catchThrowableOfType(ExecutionException.class, () -> job.get(10, TimeUnit.SECONDS)).getCause();
        assertThat(cause).isInstanceOfSatisfying(NativeException.class, e -> {
            assertThat(e.status()).isEqualTo(SwStatus.CANCELLED);
            assertThat(e.nativeMessage()).startsWith("cancelled at segment").endsWith("of 60");
        });
    }

    @Test
    void aCancelBeforeTheCallIsNotLost() {
        CancelFlag flag = new CancelFlag();
        flag.cancel();
        NativeException e = catchThrowableOfType(NativeException.class,
                () -> ctx.transcribe(sine(1, 0.1), SttParams.defaults(), null, flag));
        assertThat(e.status()).isEqualTo(SwStatus.CANCELLED);
        assertThat(e.nativeMessage()).isEqualTo("cancelled before the first segment");
    }

    @Test
    void errorsCarryCodeAndMessage() {
        NativeException empty = catchThrowableOfType(NativeException.class,
                () -> ctx.transcribe(new float[0], SttParams.defaults()));
        assertThat(empty.status()).isEqualTo(SwStatus.INVALID_ARGUMENT);
        assertThat(empty.nativeMessage()).contains("n_samples").contains("0");

        NativeException lang = catchThrowableOfType(NativeException.class,
                () -> ctx.transcribe(sine(1, 0.1), SttParams.defaults().withLanguage("German")));
        assertThat(lang.status()).isEqualTo(SwStatus.INVALID_ARGUMENT);
        assertThat(lang.nativeMessage()).contains("language").contains("German");

        NativeException oom = catchThrowableOfType(NativeException.class,
                () -> ctx.transcribe(sine(4, 0.1), SttParams.defaults().withInitialPrompt("#fail:oom")));
        assertThat(oom.status()).isEqualTo(SwStatus.OUT_OF_MEMORY);
        assertThat(oom.nativeMessage()).contains("segment 3 of 4");

        NativeException load = catchThrowableOfType(NativeException.class,
                () -> backend.openStt(SttModel.of(Path.of("/m/#fail:load.bin"))));
        assertThat(load.status()).isEqualTo(SwStatus.MODEL_LOAD);
        assertThat(load.nativeMessage()).contains("/m/#fail:load.bin");
    }
}
