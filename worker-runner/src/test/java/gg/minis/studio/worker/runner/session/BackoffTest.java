package gg.minis.studio.worker.runner.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), new Random(42));

    @Test
    void ceilingDoublesFromOneSecondUpToThirty() {
        assertThat(backoff.ceilingMillis(1)).isEqualTo(1_000);
        assertThat(backoff.ceilingMillis(2)).isEqualTo(2_000);
        assertThat(backoff.ceilingMillis(5)).isEqualTo(16_000);
        assertThat(backoff.ceilingMillis(6)).isEqualTo(30_000);
        assertThat(backoff.ceilingMillis(100)).isEqualTo(30_000);
    }

    @Test
    void delaysAreJitteredWithinTheUpperHalfOfTheCeiling() {
        for (int attempt = 1; attempt <= 10; attempt++) {
            long ceiling = backoff.ceilingMillis(attempt);
            for (int i = 0; i < 50; i++) {
                assertThat(backoff.delay(attempt).toMillis()).isBetween(ceiling / 2, ceiling);
            }
        }
        long distinct = java.util.stream.IntStream.range(0, 50).mapToObj(i -> backoff.delay(6)).distinct().count();
        assertThat(distinct).as("jitter spreads reconnects").isGreaterThan(10);
    }
}
