package gg.minis.studio.worker.runner.progress;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.api.engine.Progress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressDisplayTest {
    private final StringWriter text = new StringWriter();
    private final AtomicLong now = new AtomicLong();

    @Test
    void plainOutputPrintsPhaseChangesCompletionAndAtMostOneLinePerInterval() {
        var display = new ProgressDisplay(new PrintWriter(text), false, 1_000, now::get);
        display.onProgress(new Progress("download", 1024, 4096));
        now.addAndGet(100_000_000); // 0.1 s: too soon for another line
        display.onProgress(new Progress("download", 2048, 4096));
        now.addAndGet(1_000_000_000);
        display.onProgress(new Progress("download", 3072, 4096));
        display.onProgress(new Progress("download", 4096, 4096)); // finished: always shown
        display.onProgress(new Progress("generate", 1, 20)); // new phase: always shown
        display.onProgress(new Progress("generate", 2, 20));
        assertThat(text.toString().lines()).containsExactly(
                "download:  25% 1.0 KiB / 4.0 KiB",
                "download:  75% 3.0 KiB / 4.0 KiB",
                "download: 100% 4.0 KiB / 4.0 KiB",
                "generate:   5% 1/20");
    }

    @Test
    void terminalOutputRedrawsOneBarInPlace() {
        var display = new ProgressDisplay(new PrintWriter(text), true, 1_000, now::get);
        display.onProgress(new Progress("generate", 5, 10));
        display.onProgress(new Progress("generate", 10, 10));
        display.finish();
        String out = text.toString();
        assertThat(out).startsWith("\rgenerate  [###############               ]  50% 5/10");
        assertThat(out).contains("\rgenerate  [##############################] 100% 10/10");
        assertThat(out.chars().filter(c -> c == '\n').count()).as("one line, redrawn with \\r").isEqualTo(1);
        assertThat(out).endsWith(System.lineSeparator());
    }
}
