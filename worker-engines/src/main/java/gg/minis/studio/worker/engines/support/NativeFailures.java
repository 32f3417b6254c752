package gg.minis.studio.worker.engines.support;

import gg.minis.studio.worker.api.engine.CancellationToken;
import gg.minis.studio.worker.api.engine.EngineException;
import gg.minis.studio.worker.api.engine.JobCancelledException;
import gg.minis.studio.worker.natives.NativeException;

/**
 * How backend status codes become job failures: bad or unsupported requests are permanent; out-of-memory and
 * other backend failures are retryable (another try, or another worker, may have the memory); a set cancel flag
 * is a {@link JobCancelledException}. Model-load failures are mapped by the engines, which know the files.
 */
public final class NativeFailures {
    private NativeFailures() {}

    public static EngineException map(String engineId, NativeException e, CancellationToken cancel) {
        String msg = e.nativeMessage();
        return switch (e.status()) {
            case CANCELLED -> new JobCancelledException(cancel.reason() != null ? cancel.reason() : msg);
            case INVALID_ARGUMENT -> new EngineException(engineId + " rejected the job: " + msg, false, e);
            case UNSUPPORTED -> new EngineException(engineId + " does not support this job: " + msg, false, e);
            case OUT_OF_MEMORY -> new EngineException(engineId + " ran out of memory: " + msg, true, e);
            case MODEL_LOAD -> new EngineException(engineId + " cannot load the model: " + msg, false, e);
            case OK, BACKEND, UNKNOWN -> new EngineException(engineId + " failed: " + msg, true, e);
        };
    }

    /** A number as a person wrote it: {@code 31} rather than {@code 31.0}. */
    public static String number(double v) {
        return v == Math.rint(v) && !Double.isInfinite(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
                : Double.toString(v);
    }
}
