package gg.minis.studio.worker.natives;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The functions of studio_worker.h, bound to ONE backend library.
 *
 * <p>jextract's generated function bindings use a single static symbol lookup, which cannot serve several
 * libraries exporting the same {@code sw_*} symbols, so functions are bound here, per library, while structs,
 * callbacks and constants come from the generated {@code gg.minis.studio.worker.natives.ffi} package.
 * {@code SwFunctionsTest} checks {@link #DESCRIPTORS} against the prototypes in the header.
 *
 * <p>The image and speech families are optional (a library may implement one); the common functions are
 * required.
 */
final class SwFunctions {
    static final Linker LINKER = Linker.nativeLinker();
    static final ValueLayout.OfLong SIZE_T = (ValueLayout.OfLong) LINKER.canonicalLayouts().get("size_t");

    /** Every function of studio_worker.h with its C signature. */
    static final Map<String, FunctionDescriptor> DESCRIPTORS = descriptors();

    private static Map<String, FunctionDescriptor> descriptors() {
        Map<String, FunctionDescriptor> d = new LinkedHashMap<>();
        d.put("sw_set_log_callback", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS));
        d.put("sw_abi_version", FunctionDescriptor.of(JAVA_INT));
        d.put("sw_backend_info_get", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        d.put("sw_backend_info_free", FunctionDescriptor.ofVoid(ADDRESS));
        d.put("sw_image_open", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        d.put("sw_image_generate", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        d.put("sw_image_free", FunctionDescriptor.ofVoid(ADDRESS));
        d.put("sw_image_close", FunctionDescriptor.ofVoid(ADDRESS));
        d.put("sw_stt_open", FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS));
        d.put("sw_stt_transcribe",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, SIZE_T, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        d.put("sw_transcript_free", FunctionDescriptor.ofVoid(ADDRESS));
        d.put("sw_stt_close", FunctionDescriptor.ofVoid(ADDRESS));
        return Map.copyOf(d);
    }

    private final MethodHandle setLogCallback;
    private final MethodHandle abiVersion;
    private final MethodHandle backendInfoGet;
    private final MethodHandle backendInfoFree;
    private final MethodHandle imageOpen;
    private final MethodHandle imageGenerate;
    private final MethodHandle imageFree;
    private final MethodHandle imageClose;
    private final MethodHandle sttOpen;
    private final MethodHandle sttTranscribe;
    private final MethodHandle transcriptFree;
    private final MethodHandle sttClose;

    SwFunctions(SymbolLookup lookup, Path libraryPath) {
        Binder b = new Binder(lookup, libraryPath);
        setLogCallback = b.required("sw_set_log_callback");
        abiVersion = b.required("sw_abi_version");
        backendInfoGet = b.required("sw_backend_info_get");
        backendInfoFree = b.required("sw_backend_info_free");
        imageOpen = b.optional("sw_image_open");
        imageGenerate = b.optional("sw_image_generate");
        imageFree = b.optional("sw_image_free");
        imageClose = b.optional("sw_image_close");
        sttOpen = b.optional("sw_stt_open");
        sttTranscribe = b.optional("sw_stt_transcribe");
        transcriptFree = b.optional("sw_transcript_free");
        sttClose = b.optional("sw_stt_close");
    }

    private record Binder(SymbolLookup lookup, Path path) {
        MethodHandle optional(String name) {
            return lookup.find(name).map(addr -> LINKER.downcallHandle(addr, DESCRIPTORS.get(name))).orElse(null);
        }

        MethodHandle required(String name) {
            MethodHandle h = optional(name);
            if (h == null) {
                throw new NativeLibraryException(path + " does not export " + name
                        + ": it is not a studio_worker.h backend library", (Throwable) null);
            }
            return h;
        }
    }

    boolean hasImage() {
        return imageOpen != null && imageGenerate != null && imageFree != null && imageClose != null;
    }

    boolean hasStt() {
        return sttOpen != null && sttTranscribe != null && transcriptFree != null && sttClose != null;
    }

    void setLogCallback(MemorySegment fn, MemorySegment user) {
        try {
            setLogCallback.invokeExact(fn, user);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int abiVersion() {
        try {
            return (int) abiVersion.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int backendInfoGet(MemorySegment out) {
        try {
            return (int) backendInfoGet.invokeExact(out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void backendInfoFree(MemorySegment info) {
        try {
            backendInfoFree.invokeExact(info);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment imageOpen(MemorySegment model, MemorySegment err) {
        try {
            return (MemorySegment) imageOpen.invokeExact(model, err);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int imageGenerate(MemorySegment ctx, MemorySegment params, MemorySegment out, MemorySegment progress,
                      MemorySegment user, MemorySegment err) {
        try {
            return (int) imageGenerate.invokeExact(ctx, params, out, progress, user, err);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void imageFree(MemorySegment image) {
        try {
            imageFree.invokeExact(image);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void imageClose(MemorySegment ctx) {
        try {
            imageClose.invokeExact(ctx);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment sttOpen(MemorySegment model, MemorySegment err) {
        try {
            return (MemorySegment) sttOpen.invokeExact(model, err);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int sttTranscribe(MemorySegment ctx, MemorySegment params, MemorySegment pcm, long nSamples, MemorySegment out,
                      MemorySegment progress, MemorySegment user, MemorySegment err) {
        try {
            return (int) sttTranscribe.invokeExact(ctx, params, pcm, nSamples, out, progress, user, err);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void transcriptFree(MemorySegment transcript) {
        try {
            transcriptFree.invokeExact(transcript);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void sttClose(MemorySegment ctx) {
        try {
            sttClose.invokeExact(ctx);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("unexpected checked exception from a downcall", t);
    }
}
