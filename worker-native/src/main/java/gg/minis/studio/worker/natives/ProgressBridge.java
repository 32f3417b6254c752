package gg.minis.studio.worker.natives;

import gg.minis.studio.worker.natives.ffi.sw_progress_fn;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The progress upcall of one native call. Exceptions cannot cross an upcall (the JVM would exit), so a listener
 * failure is recorded, the job is cancelled through its flag, and the failure is rethrown after the call.
 */
final class ProgressBridge {
    private final ProgressListener listener;
    private final CancelFlag flag;
    private volatile Throwable failure;

    ProgressBridge(ProgressListener listener, CancelFlag flag) {
        this.listener = listener;
        this.flag = flag;
    }

    /** An upcall stub living as long as {@code arena} (the call's arena), or NULL without a listener. */
    MemorySegment stub(Arena arena) {
        return listener == null ? MemorySegment.NULL : sw_progress_fn.allocate(this::onProgress, arena);
    }

    private void onProgress(MemorySegment user, int step, int total) {
        if (failure != null) {
            return;
        }
        try {
            listener.onProgress(step, total);
        } catch (Throwable t) {
            failure = t;
            if (flag != null) {
                flag.cancel();
            }
        }
    }

    /** Rethrows the listener's failure, if any, with the native outcome attached. */
    void rethrowFailure(NativeException nativeOutcome) {
        Throwable t = failure;
        if (t == null) {
            return;
        }
        if (nativeOutcome != null) {
            t.addSuppressed(nativeOutcome);
        }
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("progress listener failed", t);
    }

    /** The flag to hand to the backend: the caller's, else a private one when a listener may need to cancel. */
    static CancelFlag effectiveFlag(CancelFlag callerFlag, ProgressListener listener) {
        return callerFlag != null ? callerFlag : listener != null ? new CancelFlag() : null;
    }
}
