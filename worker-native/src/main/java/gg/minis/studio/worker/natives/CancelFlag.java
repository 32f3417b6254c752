package gg.minis.studio.worker.natives;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The caller-owned cancel flag of studio_worker.h: an off-heap {@code int32_t} the backend reads on entry and
 * before every step, and never writes. {@link #cancel()} may be called from any thread at any time, also before
 * the call starts (it is then honoured on entry, never lost). One flag per job: once cancelled it stays so.
 * The memory is released by the GC once the flag and every call using it are gone.
 */
public final class CancelFlag {
    private static final VarHandle INT = JAVA_INT.varHandle();

    private final MemorySegment flag = Arena.ofAuto().allocate(JAVA_INT);

    public void cancel() {
        INT.setVolatile(flag, 0L, 1);
    }

    public boolean isCancelled() {
        return (int) INT.getVolatile(flag, 0L) != 0;
    }

    /** The address handed to the backend; callers keep this object reachable for the whole native call. */
    MemorySegment segment() {
        return flag;
    }

    @Override
    public String toString() {
        return "CancelFlag[" + (isCancelled() ? "cancelled" : "armed") + "]";
    }
}
