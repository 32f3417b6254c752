package gg.minis.studio.worker.natives.testing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import gg.minis.studio.worker.natives.NativeBackend;
import gg.minis.studio.worker.natives.NativeLibraryLoader;
import gg.minis.studio.worker.natives.Platform;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Assumptions;

/**
 * sw_testbackend for tests of every module (shared through worker-native's test-jar): loading (skipping with the
 * reason when the Maven build of worker-native could not build it), its test-only exports (live allocation counter,
 * parameter echo; not part of studio_worker.h, so bound by hand here) and a log recorder that counts model opens and
 * closes.
 */
public final class NativeTestBackend implements AutoCloseable {
    public static final String NAME = "sw_testbackend";
    public static final int ECHO_IMAGE_MODEL = 0;
    public static final int ECHO_IMAGE_PARAMS = 1;
    public static final int ECHO_STT_MODEL = 2;
    public static final int ECHO_STT_PARAMS = 3;

    private final NativeBackend backend;
    private final List<String> log = new CopyOnWriteArrayList<>();

    private NativeTestBackend(NativeBackend backend) {
        this.backend = backend;
        backend.logListener((name, level, line) -> log.add(line));
    }

    /** Whether the library is on the test classpath (worker-native's natives classifier jar, a test dependency). */
    public static boolean built() {
        return NativeTestBackend.class.getClassLoader().getResource(Platform.current().resourcePath(NAME)) != null;
    }

    public static void assumeBuilt() {
        Assumptions.assumeTrue(built(), NAME + " is not on the classpath: worker-native's build skipped the native "
                + "build (cmake or a C++ compiler missing, or -Dnative.skip=true), so its natives-"
                + Platform.current().id() + " jar holds no library and the FFM engine tests cannot run");
    }

    /** A loader that only looks at the classpath and extracts into target/. */
    public static NativeLibraryLoader loader() {
        Path module = Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
        return NativeLibraryLoader.builder().cacheDirectory(module.resolve("target/native-cache"))
                .environment(k -> null).build();
    }

    public static NativeTestBackend load() {
        assumeBuilt();
        return new NativeTestBackend(NativeBackend.load(loader(), NAME));
    }

    public NativeBackend backend() {
        return backend;
    }

    /** Native buffers and contexts handed out and not yet freed. */
    public long liveAllocations() {
        return liveAllocations(backend);
    }

    /** The "key=value" lines sw_testbackend recorded for the last call of that kind. */
    public Map<String, String> echo(int which) {
        return echo(backend, which);
    }

    /** {@link #liveAllocations()} of a backend loaded some other way. */
    @SuppressWarnings("restricted") // binding a test-only export by hand is the point
    public static long liveAllocations(NativeBackend backend) {
        MethodHandle h = Linker.nativeLinker().downcallHandle(
                backend.symbolLookup().findOrThrow("sw_test_live_allocations"), FunctionDescriptor.of(JAVA_LONG));
        try {
            return (long) h.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@link #echo(int)} of a backend loaded some other way. */
    @SuppressWarnings("restricted")
    public static Map<String, String> echo(NativeBackend backend, int which) {
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

    /** How many backend log lines so far contain {@code text} (e.g. "image model opened"). */
    public long logCount(String text) {
        return log.stream().filter(l -> l.contains(text)).count();
    }

    /** The FNV-1a hash sw_testbackend reports for an image (its echo format {@code WxHxC:hash}). */
    public static String imageHash(int width, int height, int channels, byte[] data) {
        long h = 0xcbf29ce484222325L;
        for (int v : new int[] {width, height, channels}) {
            for (int i = 0; i < 4; i++) {
                h ^= (v >>> (8 * i)) & 0xff;
                h *= 0x100000001b3L;
            }
        }
        for (byte b : data) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return width + "x" + height + "x" + channels + ":" + String.format("%016x", h);
    }

    @Override
    public void close() {
        backend.logListener(null);
        backend.close();
    }
}
