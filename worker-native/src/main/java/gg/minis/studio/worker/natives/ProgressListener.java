package gg.minis.studio.worker.natives;

/**
 * Receives one call per completed step ({@code step} = 1..{@code total}, in order), on the thread the backend
 * reports from (the calling thread for sw_testbackend). It must be quick; if it throws, the job is cancelled
 * through its cancel flag and the exception is rethrown from the generate/transcribe call.
 */
@FunctionalInterface
public interface ProgressListener {
    void onProgress(int step, int total);
}
