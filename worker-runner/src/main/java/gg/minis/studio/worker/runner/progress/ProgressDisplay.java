package gg.minis.studio.worker.runner.progress;

import gg.minis.studio.worker.api.engine.Progress;
import gg.minis.studio.worker.api.engine.ProgressListener;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Shows engine progress: a bar redrawn in place when the output is a terminal, otherwise a plain line per phase
 * change and at most one line per {@code lineInterval} (log files and pipes stay readable).
 */
public final class ProgressDisplay implements ProgressListener {
    private static final int BAR_WIDTH = 30;

    private final PrintWriter out;
    private final boolean terminal;
    private final long lineIntervalNanos;
    private final LongSupplier clock;
    private String lastPhase;
    private long lastLineAt;
    private boolean barShown;

    public ProgressDisplay(PrintWriter out, boolean terminal, long lineIntervalMillis, LongSupplier nanoClock) {
        this.out = out;
        this.terminal = terminal;
        this.lineIntervalNanos = lineIntervalMillis * 1_000_000L;
        this.clock = nanoClock;
    }

    /** For the current process: a bar on an interactive terminal, lines every 2 s otherwise. */
    public static ProgressDisplay forConsole(PrintWriter out) {
        var console = System.console();
        return new ProgressDisplay(out, console != null && console.isTerminal(), 2_000, System::nanoTime);
    }

    @Override
    public synchronized void onProgress(Progress p) {
        if (terminal) {
            drawBar(p);
            return;
        }
        long now = clock.getAsLong();
        boolean phaseChanged = !p.phase().equals(lastPhase);
        boolean finished = p.total() > 0 && p.done() >= p.total();
        if (phaseChanged || finished || now - lastLineAt >= lineIntervalNanos) {
            out.println(describe(p));
            out.flush();
            lastLineAt = now;
            lastPhase = p.phase();
        }
    }

    /** Ends the bar's line so following output starts on a fresh one. */
    public synchronized void finish() {
        if (terminal && barShown) {
            out.println();
            out.flush();
            barShown = false;
        }
    }

    private void drawBar(Progress p) {
        int filled = (int) Math.round(p.fraction() * BAR_WIDTH);
        String bar = "#".repeat(filled) + " ".repeat(BAR_WIDTH - filled);
        out.print("\r" + String.format(Locale.ROOT, "%-9s [%s] %s", p.phase(), bar, amount(p)) + "\u001b[K");
        out.flush();
        barShown = true;
        lastPhase = p.phase();
    }

    static String describe(Progress p) {
        return String.format(Locale.ROOT, "%s: %s", p.phase(), amount(p));
    }

    private static String amount(Progress p) {
        if (p.total() <= 0) {
            return p.phase().equals("download") ? human(p.done()) : String.valueOf(p.done());
        }
        String count = p.phase().equals("download")
                ? human(p.done()) + " / " + human(p.total())
                : p.done() + "/" + p.total();
        return String.format(Locale.ROOT, "%3.0f%% %s", p.fraction() * 100, count);
    }

    private static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        double v = bytes;
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
