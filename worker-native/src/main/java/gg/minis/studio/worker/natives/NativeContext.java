package gg.minis.studio.worker.natives;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * What every open backend context shares: one call at a time under a lock (other threads wait), no re-entry from
 * the call's own callbacks, and {@link #close()} that waits for a call in flight and frees the native context once.
 */
abstract sealed class NativeContext implements AutoCloseable permits ImageContext, SttContext {
    private final NativeBackend backend;
    final SwFunctions fns;
    private final String kind;
    private final ReentrantLock lock = new ReentrantLock();
    private MemorySegment ctx;
    private boolean inCall; // guarded by lock; true while the native call runs (callbacks come from inside it)

    NativeContext(NativeBackend backend, SwFunctions fns, MemorySegment ctx, String kind) {
        this.backend = backend;
        this.fns = fns;
        this.ctx = ctx;
        this.kind = kind;
    }

    /** Frees the native context ({@code sw_*_close}). */
    abstract void closeNative(MemorySegment ctx);

    public NativeBackend backend() {
        return backend;
    }

    public boolean isOpen() {
        lock.lock();
        try {
            return ctx != null;
        } finally {
            lock.unlock();
        }
    }

    /** Runs {@code body} with the open native context, holding the lock. */
    final <T> T withContext(Function<MemorySegment, T> body) {
        lock.lock();
        try {
            if (ctx == null) {
                throw new IllegalStateException(kind + " context of " + backend.name() + " is closed");
            }
            ensureNotReentrant();
            return body.apply(ctx);
        } finally {
            lock.unlock();
        }
    }

    /** The native call itself: while it runs, callbacks coming from inside it may not call back into us. */
    final int callNative(IntSupplier call) {
        inCall = true;
        try {
            return call.getAsInt();
        } finally {
            inCall = false;
        }
    }

    /** Turns a non-zero status into the backend's error, preferring an exception a progress callback threw. */
    static void check(int rc, MemorySegment err, ProgressBridge bridge) {
        NativeException failure = rc == 0 ? null : Marshal.error(rc, err);
        bridge.rethrowFailure(failure);
        if (failure != null) {
            throw failure;
        }
    }

    private void ensureNotReentrant() {
        if (inCall) {
            throw new IllegalStateException("a callback of this " + kind + " context cannot call back into it");
        }
    }

    /** Releases the native context; waits for a call in flight. Not allowed from inside that call's callbacks. */
    @Override
    public final void close() {
        lock.lock();
        try {
            ensureNotReentrant();
            if (ctx != null) {
                closeNative(ctx);
                ctx = null;
                backend.unregister(this);
            }
        } finally {
            lock.unlock();
        }
    }
}
