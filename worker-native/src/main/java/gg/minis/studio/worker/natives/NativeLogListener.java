package gg.minis.studio.worker.natives;

/** Receives a backend's log lines (in addition to SLF4J); may be called from any thread, concurrently. */
@FunctionalInterface
public interface NativeLogListener {
    /** @param level an {@code sw_log_level}: 0 debug, 1 info, 2 warn, 3 error */
    void onLog(String backend, int level, String message);
}
