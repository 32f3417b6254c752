package gg.minis.studio.worker.runner.logging;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.api.protocol.LogEntry;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class LogShipperTest {
    @Test
    void secretsAreScrubbedBeforeALineIsQueued() {
        LogShipper shipper = new LogShipper(10);
        shipper.addSecret("tok-very-secret-123");
        shipper.addSecret("short"); // too short to be a credential: ignored rather than mangling words
        shipper.offer(Instant.EPOCH, "INFO", "Session", "hello with tok-very-secret-123 twice tok-very-secret-123",
                "job-1");
        List<LogEntry> entries = shipper.drain(10);
        assertThat(entries).singleElement().satisfies(e -> {
            assertThat(e.message()).isEqualTo("hello with <redacted> twice <redacted>");
            assertThat(e.level()).isEqualTo("info");
            assertThat(e.ts()).isEqualTo("1970-01-01T00:00:00Z");
            assertThat(e.jobId()).isEqualTo("job-1");
        });
    }

    @Test
    void boundedQueueDropsTheOldestAndCountsThem() {
        LogShipper shipper = new LogShipper(3);
        for (int i = 0; i < 5; i++) {
            shipper.offer(Instant.EPOCH, "WARN", "c", "line " + i, null);
        }
        assertThat(shipper.dropped()).isEqualTo(2);
        assertThat(shipper.drain(2)).extracting(LogEntry::message).containsExactly("line 2", "line 3");
        assertThat(shipper.drain(10)).extracting(LogEntry::message).containsExactly("line 4");
    }

    @Test
    void disabledShipperQueuesNothing() {
        LogShipper shipper = new LogShipper(3);
        shipper.setEnabled(false);
        shipper.offer(Instant.EPOCH, "INFO", "c", "x", null);
        assertThat(shipper.drain(10)).isEmpty();
    }
}
