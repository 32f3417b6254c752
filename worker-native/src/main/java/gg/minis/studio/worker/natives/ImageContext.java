package gg.minis.studio.worker.natives;

import gg.minis.studio.worker.natives.ffi.sw_error;
import gg.minis.studio.worker.natives.ffi.sw_image;
import gg.minis.studio.worker.natives.ffi.sw_image_params;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Reference;
import java.util.List;

/**
 * An open image model ({@code sw_image_ctx}). One generation at a time (callers on other threads wait);
 * cancel a running one from any thread with its {@link CancelFlag}. {@link #close()} waits for a running
 * generation to finish.
 *
 * <p>Memory: each call uses one confined arena for the params struct, strings, input pixel copies, the result
 * struct, the error struct and the progress upcall stub, all released when the call returns. The pixel buffer the
 * backend allocates is copied into a Java array once and freed with {@code sw_image_free} before returning, on
 * every path.
 */
public final class ImageContext extends NativeContext {
    ImageContext(NativeBackend backend, SwFunctions fns, MemorySegment ctx) {
        super(backend, fns, ctx, "image");
    }

    @Override
    void closeNative(MemorySegment ctx) {
        fns.imageClose(ctx);
    }

    public ImagePixels generate(ImageParams params) {
        return generate(params, null, null);
    }

    /**
     * Runs one generation.
     *
     * @param progress may be {@code null}; called once per step
     * @param cancel   may be {@code null}; set it from any thread to stop the job ({@link SwStatus#CANCELLED})
     * @throws NativeException the backend's error, with its code and message
     */
    public ImagePixels generate(ImageParams params, ProgressListener progress, CancelFlag cancel) {
        return withContext(ctx -> {
            CancelFlag flag = ProgressBridge.effectiveFlag(cancel, progress);
            ProgressBridge bridge = new ProgressBridge(progress, flag);
            try (Arena call = Arena.ofConfined()) {
                MemorySegment p = sw_image_params.allocate(call);
                sw_image_params.prompt(p, Marshal.cstr(call, params.prompt()));
                sw_image_params.negative_prompt(p, Marshal.cstr(call, params.negativePrompt()));
                sw_image_params.width(p, params.width());
                sw_image_params.height(p, params.height());
                sw_image_params.steps(p, params.steps());
                sw_image_params.cfg_scale(p, params.cfgScale());
                sw_image_params.sample_method(p, Marshal.cstr(call, params.sampleMethod()));
                sw_image_params.seed(p, params.seed());
                sw_image_params.flow_shift(p, params.flowShift());
                sw_image_params.strength(p, params.strength());
                sw_image_params.init_image(p, Marshal.image(call, params.initImage()));
                sw_image_params.mask_image(p, Marshal.image(call, params.maskImage()));
                List<ImagePixels> refs = params.refImages();
                if (!refs.isEmpty()) {
                    MemorySegment arr = sw_image.allocateArray(refs.size(), call);
                    for (int i = 0; i < refs.size(); i++) {
                        Marshal.fillImage(sw_image.asSlice(arr, i), call, refs.get(i));
                    }
                    sw_image_params.ref_images(p, arr);
                }
                sw_image_params.n_ref_images(p, refs.size());
                sw_image_params.cancel_flag(p, flag == null ? MemorySegment.NULL : flag.segment());

                MemorySegment out = sw_image.allocate(call);
                MemorySegment err = sw_error.allocate(call);
                try {
                    int rc = callNative(() -> fns.imageGenerate(ctx, p, out, bridge.stub(call), MemorySegment.NULL,
                            err));
                    check(rc, err, bridge);
                    return Marshal.copyImage(out);
                } finally {
                    fns.imageFree(out);
                    Reference.reachabilityFence(flag);
                }
            }
        });
    }
}
