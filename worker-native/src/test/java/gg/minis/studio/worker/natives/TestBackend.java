package gg.minis.studio.worker.natives;

import gg.minis.studio.worker.natives.testing.NativeTestBackend;
import java.nio.file.Path;
import java.util.Map;

/** Short static access to {@link NativeTestBackend} for this module's tests, plus image helpers. */
final class TestBackend {
    static final String NAME = NativeTestBackend.NAME;
    static final int ECHO_IMAGE_MODEL = NativeTestBackend.ECHO_IMAGE_MODEL;
    static final int ECHO_IMAGE_PARAMS = NativeTestBackend.ECHO_IMAGE_PARAMS;
    static final int ECHO_STT_MODEL = NativeTestBackend.ECHO_STT_MODEL;
    static final int ECHO_STT_PARAMS = NativeTestBackend.ECHO_STT_PARAMS;

    private TestBackend() {}

    static Path moduleDir() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    }

    static boolean built() {
        return NativeTestBackend.built();
    }

    static void assumeBuilt() {
        NativeTestBackend.assumeBuilt();
    }

    static NativeLibraryLoader loader() {
        return NativeTestBackend.loader();
    }

    static NativeBackend load() {
        assumeBuilt();
        return NativeBackend.load(loader(), NAME);
    }

    static long liveAllocations(NativeBackend backend) {
        return NativeTestBackend.liveAllocations(backend);
    }

    static Map<String, String> echo(NativeBackend backend, int which) {
        return NativeTestBackend.echo(backend, which);
    }

    /** The hash sw_testbackend reports for an image ({@link NativeTestBackend#imageHash}). */
    static String imageHash(ImagePixels img) {
        return NativeTestBackend.imageHash(img.width(), img.height(), img.channels(), img.data());
    }

    /** A deterministic test image. */
    static ImagePixels pattern(int w, int h, int channels, int salt) {
        byte[] data = new byte[w * h * channels];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + salt * 7 + (i / channels) % 13);
        }
        return new ImagePixels(w, h, channels, data);
    }
}
