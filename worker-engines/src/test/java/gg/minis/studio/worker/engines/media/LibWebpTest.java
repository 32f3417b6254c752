package gg.minis.studio.worker.engines.media;

import static gg.minis.studio.worker.engines.media.TestImages.noise;
import static gg.minis.studio.worker.engines.media.TestImages.read;
import static gg.minis.studio.worker.engines.media.TestImages.translucent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import gg.minis.studio.worker.natives.Platform;
import java.awt.image.BufferedImage;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The libwebp binding and the webp encoding policy: lossy VP8 through the system libwebp when it loads (these tests
 * skip, saying why, where it does not), the built-in lossless encoder when it does not.
 */
class LibWebpTest {
    private static LibWebp.Probe system;

    @TempDir
    Path dir;

    @BeforeAll
    static void probe() {
        system = LibWebp.system();
    }

    private static LibWebp libwebp() {
        assumeTrue(system.library() != null, () -> "libwebp did not load (" + system.note() + "); install it "
                + "(Debian/Ubuntu: apt-get install libwebp7) or point " + LibWebp.OVERRIDE_ENV + " at it");
        return system.library();
    }

    @Test
    void reportsItsVersion() {
        LibWebp lib = libwebp();
        assertThat(lib.version()).matches("\\d+\\.\\d+\\.\\d+");
        assertThat(system.note()).startsWith("libwebp " + lib.version() + " (").endsWith("writing lossy WebP");
    }

    @Test
    void photoLikeImageBecomesLossyVp8CloseToTheInputAndSmallerThanLossless() throws Exception {
        libwebp();
        BufferedImage photo = photoLike(512, 512, 7);
        byte[] lossy = ImageEncoding.encode(photo, "webp", WebpSettings.lossy(90), system);
        byte[] lossless = ImageEncoding.encode(photo, "webp", WebpSettings.lossless(), system);
        System.out.printf("512x512 photo-like image: lossless %d bytes, lossy q90 %d bytes%n", lossless.length,
                lossy.length);

        assertThat(chunk(lossy)).as("first chunk of the lossy file").isEqualTo("VP8 ");
        assertThat(chunk(lossless)).as("first chunk of the lossless file").isEqualTo("VP8L");
        assertThat(lossy.length).as("lossy q90 vs lossless").isLessThan(lossless.length / 2);

        BufferedImage decoded = read(lossy); // TwelveMonkeys' ImageIO plugin
        assertThat(decoded.getWidth()).isEqualTo(512);
        assertThat(decoded.getHeight()).isEqualTo(512);
        // The grain (sigma 6, mean deviation ~4.8) is partly smoothed away; a wrong decode would be off by tens.
        assertThat(meanAbsoluteError(decoded, photo)).as("mean absolute error per channel, ImageIO").isLessThan(6.0);
    }

    @Test
    void dwebpDecodesTheLossyOutput() throws Exception {
        libwebp();
        Path dwebp = WebpLibwebpToolsTest.tool("dwebp");
        BufferedImage photo = photoLike(300, 200, 3);
        Path webp = dir.resolve("photo.webp");
        Path png = dir.resolve("photo.png");
        Files.write(webp, ImageEncoding.encode(photo, "webp", WebpSettings.lossy(90), system));

        WebpLibwebpToolsTest.run(dir, dwebp.toString(), webp.toString(), "-o", png.toString());
        BufferedImage decoded = ImageIO.read(png.toFile());
        assertThat(decoded.getWidth()).isEqualTo(300);
        assertThat(decoded.getHeight()).isEqualTo(200);
        assertThat(meanAbsoluteError(decoded, photo)).as("mean absolute error per channel, dwebp").isLessThan(6.0);
    }

    @Test
    void qualityChangesTheSize() {
        libwebp();
        BufferedImage photo = photoLike(256, 256, 11);
        int q10 = ImageEncoding.encode(photo, "webp", WebpSettings.lossy(10), system).length;
        int q50 = ImageEncoding.encode(photo, "webp", WebpSettings.lossy(50), system).length;
        int q95 = ImageEncoding.encode(photo, "webp", WebpSettings.lossy(95), system).length;
        assertThat(q10).isLessThan(q50);
        assertThat(q50).isLessThan(q95);
    }

    @Test
    void alphaIsKept() throws Exception {
        libwebp();
        BufferedImage image = translucent(64, 48, 5);
        byte[] webp = ImageEncoding.encode(image, "webp", WebpSettings.DEFAULT, system);
        assertThat(chunk(webp)).isEqualTo("VP8X");
        assertThat(new String(webp, StandardCharsets.ISO_8859_1)).contains("ALPH").contains("VP8 ");
        BufferedImage decoded = read(webp);
        assertThat(decoded.getColorModel().hasAlpha()).isTrue();
        // libwebp keeps alpha exactly at quality 90 (alpha_quality defaults to 100).
        for (int y = 0; y < 48; y += 7) {
            for (int x = 0; x < 64; x += 5) {
                assertThat(decoded.getRGB(x, y) >>> 24).as("alpha at (%d,%d)", x, y)
                        .isEqualTo(image.getRGB(x, y) >>> 24);
            }
        }
    }

    @Test
    void sameInputSameBytes() {
        libwebp();
        BufferedImage photo = photoLike(96, 64, 1);
        assertThat(ImageEncoding.encode(photo, "webp", WebpSettings.DEFAULT, system))
                .isEqualTo(ImageEncoding.encode(photo, "webp", WebpSettings.DEFAULT, system));
    }

    @Test
    void badArgumentsAreRefusedBeforeTheNativeCall() {
        LibWebp lib = libwebp();
        assertThatThrownBy(() -> lib.encode(new byte[11], 2, 2, false, 90))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("expected 12 bytes of RGB, got 11");
        assertThatThrownBy(() -> lib.encode(new byte[12], 2, 2, true, 90))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("expected 16 bytes of RGBA, got 12");
        assertThatThrownBy(() -> lib.encode(new byte[3], 16384, 1, false, 90))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..16383");
        assertThatThrownBy(() -> lib.encode(new byte[3], 1, 1, false, 101))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("quality must be 0..100, got 101.0");
    }

    /**
     * 10,000 encodes free every output buffer: each one libwebp handed back went through WebPFree, and glibc's
     * count of allocated bytes (mallinfo2, all arenas) does not grow by anything like the outputs. Other JVM threads
     * (the JIT above all) malloc and free too, so the count is sampled after each of 10 rounds and the median of the
     * last three is compared with the median of the first three: a leak would add 7 rounds of outputs in between.
     */
    @Test
    void repeatedEncodesHoldNoNativeMemory() throws Throwable {
        LibWebp lib = libwebp();
        BufferedImage image = noise(64, 64, false, 9);
        byte[] rgb = ImageEncoding.packed(image, false);
        int outputSize = lib.encode(rgb, 64, 64, false, 90).length;
        MethodHandle mallinfo = mallinfo2().orElse(null);
        for (int i = 0; i < 500; i++) { // warm-up: JIT, libwebp's one-time tables
            lib.encode(rgb, 64, 64, false, 90);
        }
        long[] before = lib.outputsAndFrees();
        int rounds = 10;
        int perRound = 1_000;
        long[] samples = new long[rounds];
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < perRound; i++) {
                lib.encode(rgb, 64, 64, false, 90);
            }
            samples[round] = mallinfo == null ? 0 : allocated(mallinfo);
        }
        long[] after = lib.outputsAndFrees();
        int n = rounds * perRound;
        assertThat(after[0] - before[0]).as("output buffers").isEqualTo(n);
        assertThat(after[1] - before[1]).as("WebPFree calls").isEqualTo(n);
        assumeTrue(mallinfo != null, "mallinfo2 is not in this C library (glibc >= 2.33 has it); "
                + "only the WebPFree count was checked");
        long grown = median(samples[7], samples[8], samples[9]) - median(samples[0], samples[1], samples[2]);
        long leakedIfNotFreed = 7L * perRound * outputSize;
        System.out.printf("%d encodes of %d bytes each: malloc'd bytes grew by %d over the last 7 rounds "
                + "(a leak would be >= %d); samples %s%n", n, outputSize, grown, leakedIfNotFreed,
                java.util.Arrays.toString(samples));
        assertThat(grown).as("bytes allocated by malloc over 7,000 encodes").isLessThan(leakedIfNotFreed / 2);
    }

    private static long median(long a, long b, long c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    @Test
    void missingLibraryFallsBackToLosslessAndSaysWhy() throws Exception {
        String missing = dir.resolve("no-such/libwebp.so.7").toString();
        LibWebp.Probe probe = LibWebp.probe(missing);
        assertThat(probe.library()).isNull();
        assertThat(probe.note()).isEqualTo("libwebp not found (tried " + missing + ") [" + LibWebp.OVERRIDE_PROPERTY
                + "/" + LibWebp.OVERRIDE_ENV + "]; writing lossless WebP with the built-in encoder");

        BufferedImage photo = photoLike(40, 30, 2);
        byte[] webp = ImageEncoding.encode(photo, "webp", WebpSettings.lossy(90), probe);
        assertThat(chunk(webp)).isEqualTo("VP8L");
        assertThat(webp).isEqualTo(WebpEncoder.encode(photo));
        TestImages.assertSamePixels(read(webp), photo);
    }

    @Test
    void offDisablesLibwebp() {
        LibWebp.Probe probe = LibWebp.probe("off");
        assertThat(probe.library()).isNull();
        assertThat(probe.note()).contains("libwebp disabled").endsWith("writing lossless WebP with the built-in encoder");
    }

    @Test
    void aLibraryWithoutTheApiIsNotUsedAndNamed() {
        assumeTrue(Platform.current().os().equals("linux"), "uses glibc's libc.so.6 as a library that is not libwebp");
        LibWebp.Probe probe = LibWebp.probe("libc.so.6");
        assertThat(probe.library()).isNull();
        assertThat(probe.note()).startsWith("libwebp unusable (libc.so.6 has no WebPEncodeRGB (libwebp >= 1.0 needed))");
    }

    @Test
    void overrideComesFromThePropertyBeforeTheEnvironment() {
        String old = System.getProperty(LibWebp.OVERRIDE_PROPERTY);
        try {
            System.setProperty(LibWebp.OVERRIDE_PROPERTY, " /opt/webp/lib/libwebp.so ");
            assertThat(LibWebp.override()).isEqualTo("/opt/webp/lib/libwebp.so");
            System.setProperty(LibWebp.OVERRIDE_PROPERTY, "");
            assertThat(LibWebp.override()).isEqualTo(blankToNull(System.getenv(LibWebp.OVERRIDE_ENV)));
        } finally {
            if (old == null) {
                System.clearProperty(LibWebp.OVERRIDE_PROPERTY);
            } else {
                System.setProperty(LibWebp.OVERRIDE_PROPERTY, old);
            }
        }
    }

    @Test
    void platformCandidates() {
        assertThat(LibWebp.candidates("linux")).containsExactly("libwebp.so.7", "libwebp.so");
        assertThat(LibWebp.candidates("macos")).contains("libwebp.7.dylib", "/opt/homebrew/lib/libwebp.7.dylib",
                "/usr/local/lib/libwebp.dylib");
        assertThat(LibWebp.candidates("windows")).startsWith("libwebp.dll");
    }

    @Test
    void qualityOutOfRangeNamesTheValue() {
        assertThatThrownBy(() -> WebpSettings.lossy(101)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("webp quality must be 0..100, got 101");
        assertThatThrownBy(() -> WebpSettings.lossy(-1)).hasMessage("webp quality must be 0..100, got -1");
        assertThat(WebpSettings.DEFAULT).isEqualTo(WebpSettings.lossy(90));
        assertThat(WebpSettings.lossless().lossy()).isFalse();
    }

    /** A smooth two-tone gradient with per-pixel grain: closer to a generated photo than pure noise or a ramp. */
    static BufferedImage photoLike(int w, int h, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double t = (x + y) / (double) (w + h);
                double s = 0.5 + 0.5 * Math.sin(x / 23.0) * Math.cos(y / 17.0);
                int red = clamp(40 + 180 * t + 30 * s + r.nextGaussian() * 6);
                int green = clamp(120 * s + 60 * (1 - t) + r.nextGaussian() * 6);
                int blue = clamp(200 - 150 * t + r.nextGaussian() * 6);
                img.setRGB(x, y, red << 16 | green << 8 | blue);
            }
        }
        return img;
    }

    private static int clamp(double v) {
        return (int) Math.max(0, Math.min(255, Math.round(v)));
    }

    static double meanAbsoluteError(BufferedImage actual, BufferedImage expected) {
        long sum = 0;
        int w = expected.getWidth();
        int h = expected.getHeight();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int a = actual.getRGB(x, y);
                int e = expected.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    sum += Math.abs((a >>> shift & 0xff) - (e >>> shift & 0xff));
                }
            }
        }
        return sum / (3.0 * w * h);
    }

    /** The fourcc of the first chunk after {@code RIFF....WEBP}. */
    static String chunk(byte[] webp) {
        assertThat(new String(webp, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("RIFF");
        assertThat(new String(webp, 8, 4, StandardCharsets.US_ASCII)).isEqualTo("WEBP");
        return new String(webp, 12, 4, StandardCharsets.US_ASCII);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /** glibc's mallinfo2(), or empty where the C library has none. */
    private static Optional<MethodHandle> mallinfo2() {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find("mallinfo2").map(f -> linker.downcallHandle(f,
                FunctionDescriptor.of(MALLINFO2)));
    }

    private static final StructLayout MALLINFO2 = MemoryLayout.structLayout(
            ValueLayout.JAVA_LONG.withName("arena"), ValueLayout.JAVA_LONG.withName("ordblks"),
            ValueLayout.JAVA_LONG.withName("smblks"), ValueLayout.JAVA_LONG.withName("hblks"),
            ValueLayout.JAVA_LONG.withName("hblkhd"), ValueLayout.JAVA_LONG.withName("usmblks"),
            ValueLayout.JAVA_LONG.withName("fsmblks"), ValueLayout.JAVA_LONG.withName("uordblks"),
            ValueLayout.JAVA_LONG.withName("fordblks"), ValueLayout.JAVA_LONG.withName("keepcost"));

    /** Bytes in use from malloc: small chunks (uordblks) plus mmapped ones (hblkhd). */
    private static long allocated(MethodHandle mallinfo2) throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = (MemorySegment) mallinfo2.invokeExact((SegmentAllocator) arena);
            return info.get(ValueLayout.JAVA_LONG, 7 * 8) + info.get(ValueLayout.JAVA_LONG, 4 * 8);
        }
    }
}
