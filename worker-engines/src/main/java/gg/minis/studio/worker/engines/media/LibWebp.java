package gg.minis.studio.worker.engines.media;

import gg.minis.studio.worker.natives.Platform;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The system's libwebp through FFM: the simple lossy encoding API ({@code WebPEncodeRGB}, {@code WebPEncodeRGBA}),
 * {@code WebPFree} and {@code WebPGetEncoderVersion}. Nothing of libwebp is bundled; the library is found with the
 * platform's loader ({@link #candidates}), or where {@value #OVERRIDE_PROPERTY} / {@value #OVERRIDE_ENV} says.
 *
 * <p>Each encode copies the pixels into a confined arena that is closed when the call returns, and frees libwebp's
 * output buffer with {@code WebPFree} in a {@code finally}, so repeated calls hold no native memory. Instances are
 * thread-safe (the simple API keeps no state between calls).
 */
public final class LibWebp {
    /** System property naming the library to load instead of the platform defaults: a path, a name, or {@code off}. */
    public static final String OVERRIDE_PROPERTY = "studio.worker.libwebp";
    /** Environment variable with the same meaning; the system property wins. */
    public static final String OVERRIDE_ENV = "STUDIO_WORKER_LIBWEBP";
    /** WEBP_MAX_DIMENSION: the largest side the lossy (VP8) format can hold. */
    public static final int MAX_DIMENSION = 16383;

    private static final Logger log = LoggerFactory.getLogger(LibWebp.class);
    private static final String FALLBACK = "writing lossless WebP with the built-in encoder";

    private static final FunctionDescriptor ENCODE = FunctionDescriptor.of(ValueLayout.JAVA_LONG,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_FLOAT, ValueLayout.ADDRESS);

    private final String source;
    private final Arena libraryArena; // keeps the library loaded as long as this instance is reachable
    private final MethodHandle encodeRgb;
    private final MethodHandle encodeRgba;
    private final MethodHandle free;
    private final String version;
    private final AtomicLong outputs = new AtomicLong();
    private final AtomicLong frees = new AtomicLong();

    private LibWebp(String source, Arena arena, SymbolLookup lookup) {
        this.source = source;
        this.libraryArena = arena;
        Linker linker = Linker.nativeLinker();
        this.encodeRgb = linker.downcallHandle(symbol(lookup, "WebPEncodeRGB"), ENCODE);
        this.encodeRgba = linker.downcallHandle(symbol(lookup, "WebPEncodeRGBA"), ENCODE);
        this.free = linker.downcallHandle(symbol(lookup, "WebPFree"), FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
        MethodHandle getVersion = linker.downcallHandle(symbol(lookup, "WebPGetEncoderVersion"),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        int v;
        try {
            v = (int) getVersion.invokeExact();
        } catch (Throwable t) {
            throw new IllegalStateException("WebPGetEncoderVersion failed", t);
        }
        this.version = (v >>> 16 & 0xff) + "." + (v >>> 8 & 0xff) + "." + (v & 0xff);
    }

    private MemorySegment symbol(SymbolLookup lookup, String name) {
        return lookup.find(name).orElseThrow(() -> new IllegalArgumentException(
                source + " has no " + name + " (libwebp >= 1.0 needed)"));
    }

    /**
     * The outcome of looking for libwebp: the library, or why there is none.
     *
     * @param library the loaded library, or null
     * @param note    one line for the log: which libwebp is used, or why not and what happens instead
     */
    public record Probe(LibWebp library, String note) {
        public Optional<LibWebp> loaded() {
            return Optional.ofNullable(library);
        }
    }

    /** The process-wide libwebp, looked for once (honouring the override); the outcome is logged once. */
    public static Probe system() {
        return SystemLibrary.LOADED;
    }

    private static final class SystemLibrary {
        static final Probe LOADED = load();

        private static Probe load() {
            Probe probe = probe(override());
            if (probe.library() == null) {
                log.warn(probe.note());
            } else {
                log.info(probe.note());
            }
            return probe;
        }
    }

    /** The override from {@value #OVERRIDE_PROPERTY}, else {@value #OVERRIDE_ENV}; null when neither is set. */
    static String override() {
        String value = System.getProperty(OVERRIDE_PROPERTY);
        if (value == null || value.isBlank()) {
            value = System.getenv(OVERRIDE_ENV);
        }
        return value == null || value.isBlank() ? null : value.strip();
    }

    /**
     * Looks for libwebp: only {@code override} when it is set (a path or a library name; {@code off} or {@code none}
     * disables libwebp), else the {@link #candidates} for this platform in order. Never throws.
     */
    public static Probe probe(String override) {
        if (override != null && (override.equalsIgnoreCase("off") || override.equalsIgnoreCase("none"))) {
            return new Probe(null, "libwebp disabled (" + OVERRIDE_PROPERTY + "/" + OVERRIDE_ENV + "=" + override
                    + "); " + FALLBACK);
        }
        List<String> tried = override != null ? List.of(override) : candidates(Platform.current().os());
        List<String> problems = new ArrayList<>();
        for (String candidate : tried) {
            Arena arena = Arena.ofAuto();
            SymbolLookup lookup;
            try {
                lookup = looksLikePath(candidate)
                        ? SymbolLookup.libraryLookup(Path.of(candidate), arena)
                        : SymbolLookup.libraryLookup(candidate, arena);
            } catch (IllegalArgumentException | SecurityException e) {
                continue; // not there; the list of names tried says enough
            }
            try {
                LibWebp lib = new LibWebp(candidate, arena, lookup);
                return new Probe(lib, "libwebp " + lib.version() + " (" + candidate + "); writing lossy WebP");
            } catch (RuntimeException e) {
                problems.add(e.getMessage());
            }
        }
        String why = problems.isEmpty()
                ? "libwebp not found (tried " + String.join(", ", tried) + ")"
                : "libwebp unusable (" + String.join("; ", problems) + ")";
        if (override != null) {
            why += " [" + OVERRIDE_PROPERTY + "/" + OVERRIDE_ENV + "]";
        }
        return new Probe(null, why + "; " + FALLBACK);
    }

    /** Where libwebp is looked for by default on {@code os} ({@link Platform#os()}), in order. */
    static List<String> candidates(String os) {
        return switch (os) {
            case "macos" -> List.of("libwebp.7.dylib", "libwebp.dylib",
                    "/opt/homebrew/lib/libwebp.7.dylib", "/opt/homebrew/lib/libwebp.dylib",
                    "/usr/local/lib/libwebp.7.dylib", "/usr/local/lib/libwebp.dylib");
            case "windows" -> List.of("libwebp.dll", "webp.dll");
            default -> List.of("libwebp.so.7", "libwebp.so");
        };
    }

    private static boolean looksLikePath(String s) {
        return s.indexOf('/') >= 0 || s.indexOf('\\') >= 0;
    }

    /** {@code 1.2.4}: WebPGetEncoderVersion. */
    public String version() {
        return version;
    }

    /** The name or path it was loaded from. */
    public String source() {
        return source;
    }

    /**
     * A lossy WebP file (RIFF with a VP8 chunk; VP8X + ALPH + VP8 when {@code alpha}) of packed 8-bit pixels.
     *
     * @param pixels  {@code width * height} pixels, RGB (3 bytes) or, when {@code alpha}, RGBA (4 bytes), rows top down
     * @param quality 0 (smallest) .. 100 (best)
     */
    public byte[] encode(byte[] pixels, int width, int height, boolean alpha, float quality) {
        int channels = alpha ? 4 : 3;
        if (width < 1 || height < 1 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
            throw new IllegalArgumentException("image is " + width + "x" + height + "; lossy WebP needs 1.."
                    + MAX_DIMENSION + " on each side");
        }
        if (pixels == null || pixels.length != (long) width * height * channels) {
            throw new IllegalArgumentException("expected " + (long) width * height * channels + " bytes of "
                    + (alpha ? "RGBA" : "RGB") + ", got " + (pixels == null ? "none" : pixels.length));
        }
        if (!(quality >= 0 && quality <= 100)) {
            throw new IllegalArgumentException("quality must be 0..100, got " + quality);
        }
        MemorySegment output = MemorySegment.NULL;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment in = arena.allocate(pixels.length);
            MemorySegment.copy(pixels, 0, in, ValueLayout.JAVA_BYTE, 0, pixels.length);
            MemorySegment outPointer = arena.allocate(ValueLayout.ADDRESS);
            outPointer.set(ValueLayout.ADDRESS, 0, MemorySegment.NULL);
            long size;
            try {
                size = (long) (alpha ? encodeRgba : encodeRgb).invokeExact(in, width, height, width * channels,
                        quality, outPointer);
            } finally {
                output = outPointer.get(ValueLayout.ADDRESS, 0);
                if (!output.equals(MemorySegment.NULL)) {
                    outputs.incrementAndGet();
                }
            }
            if (size <= 0 || output.equals(MemorySegment.NULL)) {
                throw new IllegalStateException("libwebp " + version + " could not encode a " + width + "x" + height
                        + " image");
            }
            return output.reinterpret(size).toArray(ValueLayout.JAVA_BYTE);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("libwebp call failed", t);
        } finally {
            if (!output.equals(MemorySegment.NULL)) {
                freeOutput(output);
            }
        }
    }

    private void freeOutput(MemorySegment output) {
        try {
            free.invokeExact(output);
            frees.incrementAndGet();
        } catch (Throwable t) {
            throw new IllegalStateException("WebPFree failed", t);
        }
    }

    /** Output buffers libwebp handed back, and how many of them went back through WebPFree; equal between calls. */
    long[] outputsAndFrees() {
        return new long[] {outputs.get(), frees.get()};
    }

    @Override
    public String toString() {
        return "libwebp " + version + " (" + source + ")";
    }
}
