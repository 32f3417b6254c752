package gg.minis.studio.worker.runner.update;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks the release feed in the background while the worker runs: shortly after start, then every
 * {@code auto_update_interval_secs}. It only tells: installing stays an explicit {@code runner update}.
 */
public final class UpdateChecker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(UpdateChecker.class);
    /** Not at once: the first seconds belong to registration and connecting. */
    public static final Duration FIRST_CHECK_DELAY = Duration.ofSeconds(30);

    private final Supplier<UpdateCheckResult> check;
    private final UpdateStateFile state;
    private final ScheduledExecutorService scheduler;
    private volatile UpdateCheckResult last;
    private String announced; // only the scheduler thread touches it

    private UpdateChecker(Supplier<UpdateCheckResult> check, UpdateStateFile state) {
        this.check = Objects.requireNonNull(check);
        this.state = Objects.requireNonNull(state);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "update-check");
            t.setDaemon(true); // never keeps the JVM alive
            return t;
        });
        this.last = state.read().orElse(null);
    }

    public static UpdateChecker start(Supplier<UpdateCheckResult> check, UpdateStateFile state, Duration firstDelay,
            Duration interval) {
        UpdateChecker checker = new UpdateChecker(check, state);
        checker.scheduler.scheduleWithFixedDelay(checker::checkOnce, firstDelay.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return checker;
    }

    /** The latest result: this run's, else the one persisted by an earlier run; null when there is none. */
    public UpdateCheckResult last() {
        return last;
    }

    void checkOnce() {
        try {
            UpdateCheckResult result = check.get();
            // Persist first: whoever sees last() may rely on the file being there.
            state.write(result);
            last = result;
            switch (result.outcome()) {
                case AVAILABLE -> {
                    // Once per version: repeating it every interval would drown the log.
                    if (!result.update().version().equals(announced)) {
                        log.info(result.summary());
                        announced = result.update().version();
                    }
                }
                case FAILED -> log.warn(result.summary());
                case UP_TO_DATE -> log.debug(result.summary());
            }
        } catch (RuntimeException e) { // a throwing task would silently cancel all later checks
            log.warn("update check failed: {}", e.toString());
            log.debug("update check failed", e);
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
