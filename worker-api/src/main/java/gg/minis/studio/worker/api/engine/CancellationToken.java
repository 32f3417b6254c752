package gg.minis.studio.worker.api.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Cooperative cancellation: the owner of a job calls {@link #cancel}; the engine polls {@link #isCancelled} or
 * registers a callback (for example to set a native cancel flag). Thread-safe.
 */
public final class CancellationToken {
    private final List<Runnable> callbacks = new CopyOnWriteArrayList<>();
    private volatile String reason;

    /** A token nobody will cancel. */
    public static CancellationToken none() {
        return new CancellationToken();
    }

    public boolean isCancelled() {
        return reason != null;
    }

    public String reason() {
        return reason;
    }

    /** Cancels once; later calls keep the first reason. Runs the registered callbacks on the caller's thread. */
    public void cancel(String why) {
        synchronized (this) {
            if (reason != null) {
                return;
            }
            reason = why == null ? "cancelled" : why;
        }
        callbacks.forEach(Runnable::run);
    }

    /** Runs {@code callback} on cancel, or at once if already cancelled. */
    public void onCancel(Runnable callback) {
        callbacks.add(callback);
        if (isCancelled() && callbacks.remove(callback)) {
            callback.run();
        }
    }

    public void throwIfCancelled() throws JobCancelledException {
        String why = reason;
        if (why != null) {
            throw new JobCancelledException(why);
        }
    }
}
