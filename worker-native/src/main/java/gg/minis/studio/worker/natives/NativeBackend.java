package gg.minis.studio.worker.natives;

import gg.minis.studio.worker.natives.ffi.StudioWorker;
import gg.minis.studio.worker.natives.ffi.sw_backend_info;
import gg.minis.studio.worker.natives.ffi.sw_device_info;
import gg.minis.studio.worker.natives.ffi.sw_error;
import gg.minis.studio.worker.natives.ffi.sw_image_model;
import gg.minis.studio.worker.natives.ffi.sw_log_fn;
import gg.minis.studio.worker.natives.ffi.sw_lora;
import gg.minis.studio.worker.natives.ffi.sw_stt_model;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded backend library ({@code sw_testbackend}, {@code sw_sdcpp}, {@code sw_whisper}) and the contexts
 * opened on it.
 *
 * <p>Owns a shared arena that holds the library and its log upcall: {@link #close()} closes every context still
 * open (waiting for calls in flight), removes the log callback and unloads the library. The backend's log lines
 * go to SLF4J logger {@code gg.minis.studio.worker.natives.backend.<name>} and to an optional
 * {@link NativeLogListener}. The log hook of studio_worker.h is process-wide per library: load each library
 * through one {@code NativeBackend} at a time.
 */
public final class NativeBackend implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NativeBackend.class);

    private final String name;
    private final NativeLibraryLoader.LoadedLibrary library;
    private final Arena arena;
    private final SwFunctions fns;
    private final Logger nativeLog;
    private final Set<AutoCloseable> openContexts = ConcurrentHashMap.newKeySet();
    private volatile NativeLogListener logListener;
    private volatile boolean closed;

    private NativeBackend(String name, NativeLibraryLoader.LoadedLibrary library, Arena arena, SwFunctions fns) {
        this.name = name;
        this.library = library;
        this.arena = arena;
        this.fns = fns;
        this.nativeLog = LoggerFactory.getLogger("gg.minis.studio.worker.natives.backend." + name);
    }

    /** Loads {@code libraryName} with the default loader (environment, then classpath). */
    public static NativeBackend load(String libraryName) {
        return load(NativeLibraryLoader.defaults(), libraryName);
    }

    /**
     * Loads {@code libraryName}, checks that it speaks {@code SW_ABI_VERSION} and installs the log callback.
     *
     * @throws NativeLibraryException when the library cannot be found or loaded, is not a studio_worker.h
     *                                backend or was built for another ABI version
     */
    public static NativeBackend load(NativeLibraryLoader loader, String libraryName) {
        Arena arena = Arena.ofShared();
        try {
            NativeLibraryLoader.LoadedLibrary lib = loader.load(libraryName, arena);
            SwFunctions fns = new SwFunctions(lib.lookup(), lib.path());
            int abi = fns.abiVersion();
            if (abi != StudioWorker.SW_ABI_VERSION()) {
                throw new NativeLibraryException(lib.path() + " implements studio_worker.h ABI version " + abi
                        + " but this worker needs version " + StudioWorker.SW_ABI_VERSION()
                        + "; rebuild the library from this worker's native/ sources", (Throwable) null);
            }
            NativeBackend backend = new NativeBackend(libraryName, lib, arena, fns);
            fns.setLogCallback(sw_log_fn.allocate(backend::onLog, arena), MemorySegment.NULL);
            LOG.debug("Backend {} ready ({}, image={}, stt={})", libraryName, lib.path(), fns.hasImage(), fns.hasStt());
            return backend;
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public Path libraryPath() {
        return library.path();
    }

    public NativeLibraryLoader.Source source() {
        return library.source();
    }

    public boolean supportsImage() {
        return fns.hasImage();
    }

    public boolean supportsStt() {
        return fns.hasStt();
    }

    /** Also receives every log line of this backend; {@code null} to remove. */
    public void logListener(NativeLogListener listener) {
        this.logListener = listener;
    }

    /**
     * The library's symbols, for diagnostics and test hooks beyond studio_worker.h. Valid until {@link #close()}.
     */
    public SymbolLookup symbolLookup() {
        ensureOpen();
        return library.lookup();
    }

    /** Name, version, ABI version, capabilities and devices, as the library reports them. */
    public BackendInfo info() {
        ensureOpen();
        try (Arena call = Arena.ofConfined()) {
            MemorySegment info = sw_backend_info.allocate(call);
            int rc = fns.backendInfoGet(info);
            if (rc != 0) {
                throw new NativeException(rc, "sw_backend_info_get failed");
            }
            try {
                int n = sw_backend_info.n_devices(info);
                MemorySegment devices = sw_backend_info.devices(info);
                List<BackendInfo.Device> list = new ArrayList<>(Math.max(n, 0));
                if (n > 0 && devices.address() != 0) {
                    devices = devices.reinterpret(n * sw_device_info.sizeof());
                    for (int i = 0; i < n; i++) {
                        MemorySegment d = sw_device_info.asSlice(devices, i);
                        list.add(new BackendInfo.Device(Marshal.string(sw_device_info.name(d)),
                                sw_device_info.total_bytes(d), sw_device_info.free_bytes(d)));
                    }
                }
                int caps = sw_backend_info.capabilities(info);
                return new BackendInfo(Marshal.string(sw_backend_info.backend_name(info)),
                        Marshal.string(sw_backend_info.backend_version(info)), sw_backend_info.abi_version(info),
                        (caps & StudioWorker.SW_CAP_IMAGE()) != 0, (caps & StudioWorker.SW_CAP_STT()) != 0, list);
            } finally {
                fns.backendInfoFree(info);
            }
        }
    }

    /**
     * Opens an image model (paths are only read during this call).
     *
     * @throws NativeException with {@link SwStatus#UNSUPPORTED} when this library has no image functions, or the
     *                         backend's error (e.g. {@link SwStatus#MODEL_LOAD})
     */
    public synchronized ImageContext openImage(ImageModel model) {
        ensureOpen();
        if (!fns.hasImage()) {
            throw new NativeException(SwStatus.UNSUPPORTED.code(), name + " has no image functions");
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment m = sw_image_model.allocate(call);
            sw_image_model.model_path(m, Marshal.cstr(call, model.modelPath()));
            sw_image_model.diffusion_model_path(m, Marshal.cstr(call, model.diffusionModelPath()));
            sw_image_model.clip_l_path(m, Marshal.cstr(call, model.clipLPath()));
            sw_image_model.clip_g_path(m, Marshal.cstr(call, model.clipGPath()));
            sw_image_model.t5xxl_path(m, Marshal.cstr(call, model.t5xxlPath()));
            sw_image_model.llm_path(m, Marshal.cstr(call, model.llmPath()));
            sw_image_model.vae_path(m, Marshal.cstr(call, model.vaePath()));
            sw_image_model.lora_dir(m, Marshal.cstr(call, model.loraDir()));
            List<Lora> loras = model.loras();
            if (!loras.isEmpty()) {
                MemorySegment arr = sw_lora.allocateArray(loras.size(), call);
                for (int i = 0; i < loras.size(); i++) {
                    MemorySegment l = sw_lora.asSlice(arr, i);
                    sw_lora.path(l, Marshal.cstr(call, loras.get(i).path()));
                    sw_lora.multiplier(l, loras.get(i).multiplier());
                }
                sw_image_model.loras(m, arr);
            }
            sw_image_model.n_loras(m, loras.size());
            sw_image_model.n_threads(m, model.threads());
            sw_image_model.offload_to_cpu(m, Marshal.flag(model.offloadToCpu()));
            sw_image_model.flash_attn(m, Marshal.flag(model.flashAttn()));
            MemorySegment err = sw_error.allocate(call);
            MemorySegment ctx = fns.imageOpen(m, err);
            if (ctx.address() == 0) {
                throw Marshal.error(nonZero(sw_error.code(err)), err);
            }
            return register(new ImageContext(this, fns, ctx));
        }
    }

    /** Opens a speech model (the path is only read during this call). */
    public synchronized SttContext openStt(SttModel model) {
        ensureOpen();
        if (!fns.hasStt()) {
            throw new NativeException(SwStatus.UNSUPPORTED.code(), name + " has no speech functions");
        }
        try (Arena call = Arena.ofConfined()) {
            MemorySegment m = sw_stt_model.allocate(call);
            sw_stt_model.model_path(m, Marshal.cstr(call, model.modelPath()));
            sw_stt_model.n_threads(m, model.threads());
            sw_stt_model.use_gpu(m, Marshal.flag(model.useGpu()));
            MemorySegment err = sw_error.allocate(call);
            MemorySegment ctx = fns.sttOpen(m, err);
            if (ctx.address() == 0) {
                throw Marshal.error(nonZero(sw_error.code(err)), err);
            }
            return register(new SttContext(this, fns, ctx));
        }
    }

    private static int nonZero(int code) {
        return code == 0 ? SwStatus.BACKEND.code() : code;
    }

    private <T extends AutoCloseable> T register(T context) {
        openContexts.add(context);
        return context;
    }

    void unregister(AutoCloseable context) {
        openContexts.remove(context);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("backend " + name + " is closed");
        }
    }

    private void onLog(MemorySegment user, int level, MemorySegment msg) {
        // An exception escaping an upcall kills the JVM: nothing may leave this method.
        try {
            String text = Marshal.string(msg);
            switch (level) {
                case 0 -> nativeLog.debug("{}", text);
                case 1 -> nativeLog.info("{}", text);
                case 2 -> nativeLog.warn("{}", text);
                default -> nativeLog.error("{}", text);
            }
            NativeLogListener l = logListener;
            if (l != null) {
                l.onLog(name, level, text);
            }
        } catch (Throwable t) {
            try {
                LOG.warn("Dropped a log line of backend {}: {}", name, t.toString());
            } catch (Throwable ignored) {
                // nothing else we can do inside an upcall
            }
        }
    }

    /**
     * Closes every open context (waiting for calls in flight), removes the log callback, unloads the library.
     *
     * @throws IllegalStateException when called from inside a callback of one of its contexts (the library
     *                               stays loaded then)
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        for (AutoCloseable c : List.copyOf(openContexts)) {
            try {
                c.close();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("closing a context of backend " + name + " failed", e);
            }
        }
        closed = true;
        fns.setLogCallback(MemorySegment.NULL, MemorySegment.NULL);
        arena.close();
    }

    @Override
    public String toString() {
        return "NativeBackend[" + name + " from " + library.path() + "]";
    }
}
