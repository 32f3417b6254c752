package gg.minis.studio.worker.natives;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;

/** Access to sw_testbackend and its test-only exports (not part of studio_worker.h, so bound by hand here). */
final class TestBackend {
    static final String NAME = "sw_testbackend";
    static final int ECHO_IMAGE_MODEL = 0;
    static final int ECHO_IMAGE_PARAMS = 1;
    static final int ECHO_STT_MODEL = 2;
    static final int ECHO_STT_PARAMS = 3;

    private TestBackend() {}

    static Path moduleDir() {
        return Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
    }

    /** The library as the Maven build put it on the test classpath. */
    static boolean built() {
        return TestBackend.class.getClassLoader().getResource(Platform.current().resourcePath(NAME)) != null;
    }

    static void assumeBuilt() {
        Assumptions.assumeTrue(built(), NAME + " was not built (cmake or a C++ compiler missing, or -Dnative.skip)");
    }

    static NativeLibraryLoader loader() {
        return NativeLibraryLoader.builder().cacheDirectory(moduleDir().resolve("target/native-cache"))
                .environment(k -> null).build();
    }

    static NativeBackend load() {
        assumeBuilt();
        return NativeBackend.load(loader(), NAME);
    }

    static long liveAllocations(NativeBackend backend) {
        MethodHandle h = Linker.nativeLinker().downcallHandle(
                backend.symbolLookup().findOrThrow("sw_test_live_allocations"), FunctionDescriptor.of(JAVA_LONG));
        try {
            return (long) h.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The "key=value" lines sw_testbackend recorded for the last call of that kind. */
    static Map<String, String> echo(NativeBackend backend, int which) {
        MethodHandle h = Linker.nativeLinker().downcallHandle(backend.symbolLookup().findOrThrow("sw_test_echo"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64 * 1024);
            long n = (long) h.invokeExact(which, buf, buf.byteSize());
            if (n >= buf.byteSize()) {
                throw new AssertionError("echo longer than the buffer: " + n);
            }
            Map<String, String> map = new LinkedHashMap<>();
            for (String line : buf.getString(0).split("\n")) {
                if (!line.isEmpty()) {
                    int eq = line.indexOf('=');
                    map.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return map;
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The FNV-1a hash sw_testbackend reports for an image: width, height, channels (uint32 LE), then the bytes. */
    static String imageHash(ImagePixels img) {
        long h = 0xcbf29ce484222325L;
        for (int v : new int[] {img.width(), img.height(), img.channels()}) {
            for (int i = 0; i < 4; i++) {
                h ^= (v >>> (8 * i)) & 0xff;
                h *= 0x100000001b3L;
            }
        }
        for (byte b : img.data()) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return img.width() + "x" + img.height() + "x" + img.channels() + ":" + String.format("%016x", h);
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
