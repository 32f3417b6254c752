package gg.minis.studio.worker.natives;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The image path through FFM against sw_testbackend. */
class ImageGenerationTest {
    private static NativeBackend backend;
    private ImageContext ctx;

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
        ctx = backend.openImage(ImageModel.builder().modelPath(Path.of("/models/sd15.gguf")).build());
    }

    @AfterEach
    void closeAndCheckLeaks() {
        ctx.close();
        assertThat(TestBackend.liveAllocations(backend)).as("native allocations left behind").isZero();
    }

    private static ImageParams.Builder small(String prompt) {
        return ImageParams.builder(prompt).size(64, 64).steps(3).seed(42).cfgScale(6.5f).sampleMethod("euler_a")
                .strength(0.5f);
    }

    @Test
    void everyImageParameterCrossesTheBoundaryIntact() {
        ImagePixels init = TestBackend.pattern(64, 72, 3, 1);
        ImagePixels mask = TestBackend.pattern(64, 72, 1, 2);
        ImagePixels ref0 = TestBackend.pattern(16, 8, 4, 3);
        ImagePixels ref1 = TestBackend.pattern(8, 8, 1, 4);
        ImageParams params = ImageParams.builder("a fox, ünïcödé ✓").negativePrompt("blurry").size(64, 72).steps(5)
                .cfgScale(7.25f).sampleMethod("dpm++2m").seed(-1234567890123L).flowShift(3.5f).strength(0.625f)
                .initImage(init).maskImage(mask).refImage(ref0).refImage(ref1).build();
        ctx.generate(params, null, new CancelFlag());

        Map<String, String> echo = TestBackend.echo(backend, TestBackend.ECHO_IMAGE_PARAMS);
        assertThat(echo).containsExactlyEntriesOf(orderedMap(
                "prompt", "a fox, ünïcödé ✓",
                "negative_prompt", "blurry",
                "width", "64",
                "height", "72",
                "steps", "5",
                "cfg_scale", "7.25",
                "sample_method", "dpm++2m",
                "seed", "-1234567890123",
                "flow_shift", "3.5",
                "strength", "0.625",
                "init_image", TestBackend.imageHash(init),
                "mask_image", TestBackend.imageHash(mask),
                "n_ref_images", "2",
                "ref_images[0]", TestBackend.imageHash(ref0),
                "ref_images[1]", TestBackend.imageHash(ref1),
                "cancel_flag", "set"));
    }

    @Test
    void unsetOptionalParametersArriveAsNull() {
        ctx.generate(ImageParams.builder("p").size(64, 64).steps(1).build());
        Map<String, String> echo = TestBackend.echo(backend, TestBackend.ECHO_IMAGE_PARAMS);
        assertThat(echo).containsEntry("negative_prompt", "(null)").containsEntry("sample_method", "(null)")
                .containsEntry("init_image", "(null)").containsEntry("mask_image", "(null)")
                .containsEntry("n_ref_images", "0").containsEntry("cancel_flag", "(null)");
    }

    @Test
    void everyModelParameterCrossesTheBoundaryIntact() {
        ImageModel model = ImageModel.builder().modelPath(Path.of("/m/full.safetensors"))
                .diffusionModelPath(Path.of("/m/flux.gguf")).clipLPath(Path.of("/m/clip_l.safetensors"))
                .clipGPath(Path.of("/m/clip_g.safetensors")).t5xxlPath(Path.of("/m/t5xxl.gguf"))
                .llmPath(Path.of("/m/qwen.gguf")).vaePath(Path.of("/m/ae.safetensors")).loraDir(Path.of("/m/loras"))
                .lora(Path.of("style.safetensors"), 0.75f).lora(Path.of("/abs/detail.safetensors"), 1.5f)
                .threads(6).offloadToCpu(true).flashAttn(true).build();
        try (ImageContext other = backend.openImage(model)) {
            assertThat(other.isOpen()).isTrue();
        }
        assertThat(TestBackend.echo(backend, TestBackend.ECHO_IMAGE_MODEL)).containsExactlyEntriesOf(orderedMap(
                "model_path", "/m/full.safetensors",
                "diffusion_model_path", "/m/flux.gguf",
                "clip_l_path", "/m/clip_l.safetensors",
                "clip_g_path", "/m/clip_g.safetensors",
                "t5xxl_path", "/m/t5xxl.gguf",
                "llm_path", "/m/qwen.gguf",
                "vae_path", "/m/ae.safetensors",
                "lora_dir", "/m/loras",
                "n_loras", "2",
                "loras[0]", "style.safetensors*0.75",
                "loras[1]", "/abs/detail.safetensors*1.5",
                "n_threads", "6",
                "offload_to_cpu", "1",
                "flash_attn", "1"));
    }

    @Test
    void outputIsDeterministicAndShapedLikeTheRequest() {
        ImagePixels a = ctx.generate(small("same").size(64, 128).build());
        ImagePixels b = ctx.generate(small("same").size(64, 128).build());
        assertThat(a).isEqualTo(b);
        assertThat(a.width()).isEqualTo(64);
        assertThat(a.height()).isEqualTo(128);
        assertThat(a.channels()).isEqualTo(3);
        assertThat(a.data()).hasSize(64 * 128 * 3);
    }

    static Stream<Arguments> variations() {
        ImagePixels init = TestBackend.pattern(64, 64, 3, 9);
        List<Arguments> list = new ArrayList<>();
        list.add(Arguments.of("prompt", (UnaryOperator<ImageParams.Builder>) b -> b.prompt("other")));
        list.add(Arguments.of("negative_prompt", (UnaryOperator<ImageParams.Builder>) b -> b.negativePrompt("neg")));
        list.add(Arguments.of("width", (UnaryOperator<ImageParams.Builder>) b -> b.width(72)));
        list.add(Arguments.of("height", (UnaryOperator<ImageParams.Builder>) b -> b.height(72)));
        list.add(Arguments.of("steps", (UnaryOperator<ImageParams.Builder>) b -> b.steps(4)));
        list.add(Arguments.of("cfg_scale", (UnaryOperator<ImageParams.Builder>) b -> b.cfgScale(6.75f)));
        list.add(Arguments.of("sample_method", (UnaryOperator<ImageParams.Builder>) b -> b.sampleMethod("lcm")));
        list.add(Arguments.of("seed", (UnaryOperator<ImageParams.Builder>) b -> b.seed(43)));
        list.add(Arguments.of("flow_shift", (UnaryOperator<ImageParams.Builder>) b -> b.flowShift(1.0f)));
        list.add(Arguments.of("strength", (UnaryOperator<ImageParams.Builder>) b -> b.strength(0.25f)));
        list.add(Arguments.of("init_image", (UnaryOperator<ImageParams.Builder>) b -> b.initImage(init)));
        list.add(Arguments.of("ref_images",
                (UnaryOperator<ImageParams.Builder>) b -> b.refImage(TestBackend.pattern(8, 8, 3, 5))));
        return list.stream();
    }

    @ParameterizedTest(name = "{0} changes the pixels")
    @MethodSource("variations")
    void eachParameterChangesThePixels(String field, UnaryOperator<ImageParams.Builder> change) {
        ImagePixels base = ctx.generate(small("base").build());
        ImagePixels changed = ctx.generate(change.apply(small("base")).build());
        assertThat(changed).as(field).isNotEqualTo(base);
    }

    @Test
    void maskChangesThePixelsAndKeepsUnmaskedOnes() {
        ImagePixels init = TestBackend.pattern(64, 64, 3, 11);
        byte[] m = new byte[64 * 64];
        for (int y = 0; y < 64; y++) {
            for (int x = 32; x < 64; x++) {
                m[y * 64 + x] = (byte) 255; // right half repainted
            }
        }
        ImagePixels mask = new ImagePixels(64, 64, 1, m);
        ImagePixels unmasked = ctx.generate(small("inpaint").initImage(init).strength(1f).build());
        ImagePixels masked = ctx.generate(small("inpaint").initImage(init).maskImage(mask).strength(1f).build());
        assertThat(masked).isNotEqualTo(unmasked);
        for (int y = 0; y < 64; y++) {
            for (int c = 0; c < 3; c++) {
                assertThat(masked.get(5, y, c)).isEqualTo(init.get(5, y, c));
            }
        }
        assertThat(IntStream.range(0, 64).filter(y -> masked.get(40, y, 0) != init.get(40, y, 0)).count())
                .isGreaterThan(32);
    }

    @Test
    void img2imgWithStrengthZeroReproducesTheInitImage() {
        ImagePixels init = TestBackend.pattern(64, 64, 3, 12);
        assertThat(ctx.generate(small("img2img").initImage(init).strength(0f).build())).isEqualTo(init);
        ImagePixels repainted = ctx.generate(small("img2img").initImage(init).strength(1f).build());
        long same = IntStream.range(0, init.data().length).filter(i -> repainted.data()[i] == init.data()[i]).count();
        assertThat(same).as("bytes left unchanged at strength 1").isLessThan(init.data().length / 50);
    }

    @Test
    void progressArrivesExactlyOncePerStepInOrderOnTheCallingThread() {
        List<int[]> calls = new CopyOnWriteArrayList<>();
        List<Thread> threads = new CopyOnWriteArrayList<>();
        ctx.generate(small("progress").steps(7).build(), (step, total) -> {
            calls.add(new int[] {step, total});
            threads.add(Thread.currentThread());
        }, null);
        assertThat(calls).extracting(c -> c[0]).containsExactly(1, 2, 3, 4, 5, 6, 7);
        assertThat(calls).extracting(c -> c[1]).containsOnly(7);
        assertThat(threads).containsOnly(Thread.currentThread());
    }

    @Test
    void cancellingFromAnotherThreadStopsTheJob() throws Exception {
        CancelFlag flag = new CancelFlag();
        CountDownLatch started = new CountDownLatch(3);
        CountDownLatch cancelSent = new CountDownLatch(1);
        List<Integer> steps = new CopyOnWriteArrayList<>();
        CompletableFuture<ImagePixels> job = CompletableFuture.supplyAsync(() -> ctx.generate(
                small("#slow:20 long job").steps(150).build(), (step, total) -> {
                    steps.add(step);
                    started.countDown();
                    if (step == 3) {
                        // Held here until the cancel is sent: a slow test thread must not let the job finish first.
                        awaitQuietly(cancelSent);
                    }
                }, flag));
        assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
        flag.cancel();
        cancelSent.countDown();
        Throwable thrown = catchThrowableOfType(java.util.concurrent.ExecutionException.class,
                () -> job.get(10, TimeUnit.SECONDS)).getCause();
        assertThat(thrown).isInstanceOf(NativeException.class);
        NativeException e = (NativeException) thrown;
        assertThat(e.status()).isEqualTo(SwStatus.CANCELLED);
        assertThat(e.isCancelled()).isTrue();
        assertThat(e.nativeMessage()).startsWith("cancelled at step");
        assertThat(steps).hasSizeBetween(3, 149);
        assertThat(flag.isCancelled()).isTrue();
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aCancelRequestedBeforeTheCallStartsIsNotLost() {
        CancelFlag flag = new CancelFlag();
        flag.cancel();
        List<Integer> steps = new CopyOnWriteArrayList<>();
        NativeException e = catchThrowableOfType(NativeException.class,
                () -> ctx.generate(small("never runs").build(), (s, t) -> steps.add(s), flag));
        assertThat(e.status()).isEqualTo(SwStatus.CANCELLED);
        assertThat(e.nativeMessage()).isEqualTo("cancelled before the first step");
        assertThat(steps).isEmpty();
    }

    @Test
    void aThrowingProgressListenerCancelsTheJobAndItsExceptionIsRethrown() {
        IllegalStateException boom = new IllegalStateException("listener failed");
        List<Integer> steps = new ArrayList<>();
        assertThatThrownBy(() -> ctx.generate(small("listener").steps(20).build(), (s, t) -> {
            steps.add(s);
            if (s == 2) {
                throw boom;
            }
        }, null)).isSameAs(boom).satisfies(t -> assertThat(t.getSuppressed())
                .singleElement().isInstanceOfSatisfying(NativeException.class,
                        n -> assertThat(n.status()).isEqualTo(SwStatus.CANCELLED)));
        assertThat(steps).containsExactly(1, 2);
    }

    @Test
    void callbacksCannotCloseOrReenterTheirContext() {
        assertThatThrownBy(() -> ctx.generate(small("reentrant").build(), (s, t) -> ctx.close(), null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot call back into it");
        assertThatThrownBy(() -> ctx.generate(small("reentrant").build(),
                (s, t) -> ctx.generate(small("inner").build()), null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot call back into it");
        assertThatThrownBy(() -> ctx.generate(small("reentrant").build(), (s, t) -> backend.close(), null))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot call back into it");
        assertThat(ctx.isOpen()).isTrue();
        assertThat(ctx.generate(small("still fine").build()).width()).isEqualTo(64);
    }

    static Stream<Arguments> invalidParams() {
        return Stream.of(
                Arguments.of(small("x").width(65), "width", "65"),
                Arguments.of(small("x").width(32), "width", "32"),
                Arguments.of(small("x").width(2056), "width", "2056"),
                Arguments.of(small("x").height(4096), "height", "4096"),
                Arguments.of(small("x").steps(0), "steps", "0"),
                Arguments.of(small("x").steps(151), "steps", "151"),
                Arguments.of(small("x").cfgScale(30.5f), "cfg_scale", "30.5"),
                Arguments.of(small("x").cfgScale(-1f), "cfg_scale", "-1"),
                Arguments.of(small("x").sampleMethod("dpm++3m"), "sample_method", "dpm++3m"),
                Arguments.of(small("x").strength(1.5f), "strength", "1.5"),
                Arguments.of(small("x").flowShift(Float.NaN), "flow_shift", "nan"),
                Arguments.of(small("x").initImage(TestBackend.pattern(32, 32, 3, 0)), "init_image", "32x32x3"),
                Arguments.of(small("x").initImage(TestBackend.pattern(64, 64, 4, 0)), "init_image", "64x64x4"),
                Arguments.of(small("x").initImage(TestBackend.pattern(64, 64, 3, 0))
                        .maskImage(TestBackend.pattern(64, 64, 3, 0)), "mask_image", "64x64x3"),
                Arguments.of(small("x").maskImage(TestBackend.pattern(64, 64, 1, 0)), "mask_image", "init_image"));
    }

    @ParameterizedTest(name = "{1} = {2} is rejected")
    @MethodSource("invalidParams")
    void invalidParametersBecomeAnInvalidArgumentNamingFieldAndValue(ImageParams.Builder b, String field, String value) {
        NativeException e = catchThrowableOfType(NativeException.class, () -> ctx.generate(b.build()));
        assertThat(e.status()).isEqualTo(SwStatus.INVALID_ARGUMENT);
        assertThat(e.code()).isEqualTo(1);
        assertThat(e.nativeMessage()).contains(field).contains(value);
        assertThat(e.getMessage()).startsWith("INVALID_ARGUMENT (1): ").contains(field);
    }

    @Test
    void backendFailuresCarryTheirCodeAndMessage() {
        List<Integer> steps = new ArrayList<>();
        NativeException oom = catchThrowableOfType(NativeException.class,
                () -> ctx.generate(small("#fail:oom").steps(6).build(), (s, t) -> steps.add(s), null));
        assertThat(oom.status()).isEqualTo(SwStatus.OUT_OF_MEMORY);
        assertThat(oom.nativeMessage()).contains("out of memory").contains("step 4 of 6");
        assertThat(steps).containsExactly(1, 2, 3);

        NativeException backendError = catchThrowableOfType(NativeException.class,
                () -> ctx.generate(small("#fail:backend").build()));
        assertThat(backendError.status()).isEqualTo(SwStatus.BACKEND);
        NativeException unsupported = catchThrowableOfType(NativeException.class,
                () -> ctx.generate(small("#fail:unsupported").build()));
        assertThat(unsupported.status()).isEqualTo(SwStatus.UNSUPPORTED);
    }

    @Test
    void modelErrorsCarryTheirCodeAndMessage() {
        NativeException load = catchThrowableOfType(NativeException.class, () -> backend.openImage(
                ImageModel.builder().modelPath(Path.of("/models/#fail:load.gguf")).build()));
        assertThat(load.status()).isEqualTo(SwStatus.MODEL_LOAD);
        assertThat(load.nativeMessage()).contains("/models/#fail:load.gguf");

        NativeException missing = catchThrowableOfType(NativeException.class,
                () -> backend.openImage(ImageModel.builder().vaePath(Path.of("/m/vae")).build()));
        assertThat(missing.status()).isEqualTo(SwStatus.INVALID_ARGUMENT);
        assertThat(missing.nativeMessage()).contains("model_path");
    }

    @Test
    void aClosedContextRefusesWorkAndClosingTwiceIsHarmless() {
        ImageContext c = backend.openImage(ImageModel.builder().diffusionModelPath(Path.of("/m/x.gguf")).build());
        c.close();
        c.close();
        assertThat(c.isOpen()).isFalse();
        assertThatThrownBy(() -> c.generate(small("x").build())).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    private static Map<String, String> orderedMap(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }
}
