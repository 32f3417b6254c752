package gg.minis.studio.worker.runner.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class LogRingTest {
    @Test
    void theJobsThatLoggedLastKeepTheirLinesWhenTheirIdsAreOld() {
        LogRing ring = new LogRing(100, 2, 10);
        ring.add(Instant.now(), "info", "t", "first line of studio-1", "studio-1");
        ring.add(Instant.now(), "info", "t", "a line of local-a", "local-a");
        // studio-1 is the oldest id, but it is logging again now: local-a is the one to go.
        ring.add(Instant.now(), "info", "t", "second line of studio-1", "studio-1");
        ring.add(Instant.now(), "info", "t", "a line of local-b", "local-b");

        assertThat(ring.job("studio-1")).extracting(LogRing.Line::message)
                .containsExactly("first line of studio-1", "second line of studio-1");
        assertThat(ring.job("local-a")).isEmpty();
        assertThat(ring.job("local-b")).extracting(LogRing.Line::message).containsExactly("a line of local-b");
    }
}
