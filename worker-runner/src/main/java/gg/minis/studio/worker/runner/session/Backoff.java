package gg.minis.studio.worker.runner.session;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** Exponential backoff with full jitter between a floor and a cap: attempt 1 waits about {@code initial}. */
public final class Backoff {
    private final Duration initial;
    private final Duration max;
    private final RandomGenerator random;

    public Backoff(Duration initial, Duration max, RandomGenerator random) {
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= initial <= max, got " + initial + ", " + max);
        }
        this.initial = initial;
        this.max = max;
        this.random = random;
    }

    /**
     * The delay before retry number {@code attempt} (1-based): the exponential ceiling {@code initial * 2^(n-1)}
     * capped at {@code max}, jittered uniformly in its upper half so many workers don't reconnect in lock-step.
     */
    public Duration delay(int attempt) {
        long ceiling = ceilingMillis(attempt);
        long half = ceiling / 2;
        return Duration.ofMillis(half + (ceiling - half == 0 ? 0 : random.nextLong(ceiling - half + 1)));
    }

    long ceilingMillis(int attempt) {
        long ms = initial.toMillis();
        for (int i = 1; i < attempt && ms < max.toMillis(); i++) {
            ms *= 2;
        }
        return Math.min(ms, max.toMillis());
    }
}
