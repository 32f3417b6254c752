package gg.minis.studio.worker.natives.real;

import gg.minis.studio.worker.natives.NativeBackend;
import gg.minis.studio.worker.natives.NativeLibraryException;
import gg.minis.studio.worker.natives.NativeLibraryLoader;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/**
 * Loads a real backend (sw_whisper, sw_sdcpp) the way the worker does: {@code STUDIO_WORKER_NATIVE_DIR}, then the
 * classpath (where the Maven build puts the shims it could build), extracted into {@code target/native-cache}.
 * When the shim was not built, or it was but the upstream libraries behind it cannot be loaded, the calling test
 * is skipped (JUnit assumption) with the reason.
 */
final class RealBackends {
    private RealBackends() {}

    static NativeBackend load(String name, String upstream) {
        NativeLibraryLoader loader = NativeLibraryLoader.builder()
                .cacheDirectory(Path.of(System.getProperty("basedir", ".")).toAbsolutePath()
                        .resolve("target/native-cache"))
                .build();
        try {
            loader.locate(name);
        } catch (NativeLibraryException e) {
            Assumptions.abort(name + " not built: install " + upstream + " (shared libraries) and build with"
                    + " CMAKE_PREFIX_PATH=<its install prefix>, or set STUDIO_WORKER_NATIVE_DIR to a directory holding "
                    + name + " (see native/README.md)");
        }
        try {
            return NativeBackend.load(loader, name);
        } catch (NativeLibraryException e) {
            Assumptions.abort(name + " was built but cannot be loaded (are the " + upstream + " shared libraries on its"
                    + " rpath or next to it?): " + e.getMessage());
            throw e; // not reached
        }
    }

    /** A path from the system property {@code key}, else the environment variable {@code key}; null if neither. */
    static Path pathSetting(String key) {
        for (String v : new String[] {System.getProperty(key), System.getenv(key)}) {
            if (v != null && !v.isBlank()) {
                return Path.of(v);
            }
        }
        return null;
    }

    static long rssKb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /** glibc's {@code struct mallinfo2}: ten size_t fields. */
    private static final StructLayout MALLINFO2 = MemoryLayout.structLayout(
            JAVA_LONG.withName("arena"),
            JAVA_LONG.withName("ordblks"),
            JAVA_LONG.withName("smblks"),
            JAVA_LONG.withName("hblks"),
            JAVA_LONG.withName("hblkhd"),
            JAVA_LONG.withName("usmblks"),
            JAVA_LONG.withName("fsmblks"),
            JAVA_LONG.withName("uordblks"),
            JAVA_LONG.withName("fordblks"),
            JAVA_LONG.withName("keepcost"));
    private static final Optional<MethodHandle> MALLINFO2_FN = Linker.nativeLinker().defaultLookup()
            .find("mallinfo2").map(f -> Linker.nativeLinker().downcallHandle(f, FunctionDescriptor.of(MALLINFO2)));

    /**
     * Bytes the process has allocated with malloc and not freed (glibc {@code mallinfo2}: uordblks + hblkhd), the
     * native libraries' heap without the Java heap's noise; -1 where mallinfo2 is not available.
     */
    static long mallocInUse() {
        if (MALLINFO2_FN.isEmpty()) {
            return -1;
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = (MemorySegment) MALLINFO2_FN.get().invokeExact((SegmentAllocator) arena);
            return info.get(JAVA_LONG, 7 * 8) + info.get(JAVA_LONG, 4 * 8); // uordblks + hblkhd
        } catch (Throwable t) {
            throw new IllegalStateException("mallinfo2 failed", t);
        }
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }

    static String join(List<String> lines) {
        return String.join("\n", lines);
    }
}
