package gg.minis.studio.worker.runner.localstudio;

import gg.minis.studio.worker.api.protocol.ErrorCode;
import gg.minis.studio.worker.api.protocol.StudioFrame;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Fault switches of a {@link LocalStudio}, so tests and benchmarks can drive every failure path of a worker. All
 * methods are thread-safe. Armed switches ({@code failNextCompletes}, {@code errorInsteadOfWelcome}, ...) are
 * consumed by the next matching event; toggles ({@code silent}, {@code refuseUpgrades}, {@code stallUpgrades}) stay
 * until turned off; the actions ({@code closeSession}, {@code sendRawText}, ...) act at once on the worker's newest
 * live session and return false when it has none.
 */
public final class Faults {
    /** Not JSON at all. */
    public static final String MALFORMED_JSON = "{\"type\":\"offer\",\"claim\":";
    /** Valid JSON with a type no worker knows. */
    public static final String UNKNOWN_TYPE = "{\"type\":\"surprise\",\"note\":\"from a newer studio\"}";

    private final LocalStudio studio;
    private final AtomicInteger failCompletes = new AtomicInteger();
    private volatile int failCompleteStatus = 503;
    private final AtomicInteger hangCompletes = new AtomicInteger();
    private volatile Duration hangDelay = Duration.ZERO;
    private final AtomicInteger dropAfterAccepts = new AtomicInteger();
    private final AtomicInteger failUpgrades = new AtomicInteger();
    private volatile int failUpgradeStatus = 503;
    private final AtomicReference<StudioFrame.Error> errorInsteadOfWelcome = new AtomicReference<>();
    private final AtomicReference<StudioFrame.Error> errorAfterWelcome = new AtomicReference<>();
    private final ConcurrentLinkedQueue<String> beforeWelcome = new ConcurrentLinkedQueue<>();
    private volatile boolean silent;
    private volatile boolean refuseUpgrades;
    private volatile boolean stallUpgrades;

    Faults(LocalStudio studio) {
        this.studio = studio;
    }

    /** An offer whose claim lacks {@code task}: a protocol violation the worker must detect. */
    public static String offerMissingTask(String jobId) {
        return "{\"type\":\"offer\",\"claim\":{\"jobId\":\"" + jobId
                + "\",\"model\":\"synthetic\",\"modelSource\":{\"engine\":\"synthetic\",\"files\":[]}}}";
    }

    // ---- multipart complete -------------------------------------------------------------------------------------

    /** The next {@code count} multipart completes are answered {@code httpStatus} (e.g. 503) and not stored. */
    public Faults failNextCompletes(int count, int httpStatus) {
        if (httpStatus < 100 || httpStatus > 599) {
            throw new IllegalArgumentException("httpStatus " + httpStatus);
        }
        failCompleteStatus = httpStatus;
        failCompletes.set(count);
        return this;
    }

    /**
     * The next {@code count} multipart completes get no answer for {@code delay}; then, if the client is still
     * connected, they are processed normally (stored, 204). If the client gives up and closes the connection first,
     * nothing is stored, as if the request never reached the studio, and that is recorded when it hangs up.
     */
    public Faults hangNextCompletes(int count, Duration delay) {
        hangDelay = Objects.requireNonNull(delay);
        hangCompletes.set(count);
        return this;
    }

    // ---- session -----------------------------------------------------------------------------------------------

    /** Close the TCP connection (no close frame) right after the worker's next {@code accept}: a mid-job drop. */
    public Faults dropConnectionAfterNextAccept() {
        return dropConnectionAfterAccepts(1);
    }

    /** Like {@link #dropConnectionAfterNextAccept()} for the next {@code count} accepts. */
    public Faults dropConnectionAfterAccepts(int count) {
        dropAfterAccepts.set(count);
        return this;
    }

    /** The next valid {@code hello} gets this {@code error} instead of {@code welcome}, then the mapped close code. */
    public Faults errorInsteadOfWelcome(ErrorCode code, String message) {
        errorInsteadOfWelcome.set(new StudioFrame.Error(code, message));
        return this;
    }

    /** The next {@code welcome} is followed at once by this {@code error} and the mapped close code. */
    public Faults errorAfterWelcome(ErrorCode code, String message) {
        errorAfterWelcome.set(new StudioFrame.Error(code, message));
        return this;
    }

    /** Send this raw text frame on the next session, after {@code hello} and before {@code welcome}. Repeatable. */
    public Faults sendBeforeWelcome(String rawText) {
        beforeWelcome.add(Objects.requireNonNull(rawText));
        return this;
    }

    /**
     * A hung studio: incoming frames are recorded but not processed or answered (no welcome, heartbeatAck, acks or
     * offers, no pongs), the TCP connection stays open.
     */
    public Faults silent(boolean on) {
        silent = on;
        if (!on) {
            studio.dispatchNow();
        }
        return this;
    }

    /** Answer every WebSocket upgrade with HTTP 401. */
    public Faults refuseUpgrades(boolean on) {
        refuseUpgrades = on;
        return this;
    }

    /**
     * The next {@code count} WebSocket upgrades are answered {@code httpStatus} (e.g. 503) instead of 101: failed
     * connects that are not an auth failure, counted as {@link StudioEvent.Kind#REFUSED} events.
     */
    public Faults failNextUpgrades(int count, int httpStatus) {
        if (httpStatus < 400 || httpStatus > 599) {
            throw new IllegalArgumentException("httpStatus " + httpStatus);
        }
        failUpgradeStatus = httpStatus;
        failUpgrades.set(count);
        return this;
    }

    /** Accept the TCP connection and read the upgrade request, but never answer it (connect timeout). */
    public Faults stallUpgrades(boolean on) {
        stallUpgrades = on;
        return this;
    }

    /** Disarm every switch and toggle. */
    public Faults reset() {
        failCompletes.set(0);
        hangCompletes.set(0);
        dropAfterAccepts.set(0);
        failUpgrades.set(0);
        errorInsteadOfWelcome.set(null);
        errorAfterWelcome.set(null);
        beforeWelcome.clear();
        refuseUpgrades = false;
        stallUpgrades = false;
        silent(false);
        return this;
    }

    // ---- actions -----------------------------------------------------------------------------------------------

    /** Send a close frame with {@code closeCode} (1000, 4001..4004, ...) on the worker's session now. */
    public boolean closeSession(String workerId, int closeCode, String reason) {
        WorkerSession s = studio.liveSession(workerId);
        if (s == null) {
            return false;
        }
        s.closeWith(closeCode, reason);
        return true;
    }

    /** Send {@code error} now, then close with the code it maps to. */
    public boolean sendError(String workerId, ErrorCode code, String message) {
        WorkerSession s = studio.liveSession(workerId);
        if (s == null) {
            return false;
        }
        s.send(new StudioFrame.Error(code, message));
        s.closeWith(code.closeCode(), message);
        return true;
    }

    /** Send {@code error} now and keep the session open (the worker must still treat it as fatal). */
    public boolean sendErrorOnly(String workerId, ErrorCode code, String message) {
        WorkerSession s = studio.liveSession(workerId);
        if (s == null) {
            return false;
        }
        s.send(new StudioFrame.Error(code, message));
        return true;
    }

    /** Send any text frame now: {@link #MALFORMED_JSON}, {@link #UNKNOWN_TYPE}, {@link #offerMissingTask}, ... */
    public boolean sendRawText(String workerId, String text) {
        WorkerSession s = studio.liveSession(workerId);
        if (s == null) {
            return false;
        }
        s.sendRaw(text);
        return true;
    }

    /** Send a binary frame now (a protocol error for the worker). */
    public boolean sendBinary(String workerId, byte[] bytes) {
        WorkerSession s = studio.liveSession(workerId);
        if (s == null) {
            return false;
        }
        s.sendBinary(bytes);
        return true;
    }

    /** Drop the worker's TCP connection now, without a close frame. */
    public boolean dropConnection(String workerId) {
        WorkerSession s = studio.liveSession(workerId);
        if (s == null) {
            return false;
        }
        s.drop();
        return true;
    }

    // ---- package-private reads for the studio ------------------------------------------------------------------

    boolean isSilent() {
        return silent;
    }

    boolean refusesUpgrades() {
        return refuseUpgrades;
    }

    boolean stallsUpgrades() {
        return stallUpgrades;
    }

    /** The status to fail this upgrade with, or 0 to go on. */
    int takeUpgradeFailure() {
        return takeOne(failUpgrades) ? failUpgradeStatus : 0;
    }

    /** The status to fail this complete with, or 0 to go on. */
    int takeCompleteFailure() {
        return takeOne(failCompletes) ? failCompleteStatus : 0;
    }

    /** How long to hang this complete, or null to go on. */
    Duration takeCompleteHang() {
        return takeOne(hangCompletes) ? hangDelay : null;
    }

    boolean takeDropAfterAccept() {
        return takeOne(dropAfterAccepts);
    }

    StudioFrame.Error takeErrorInsteadOfWelcome() {
        return errorInsteadOfWelcome.getAndSet(null);
    }

    StudioFrame.Error takeErrorAfterWelcome() {
        return errorAfterWelcome.getAndSet(null);
    }

    List<String> drainBeforeWelcome() {
        List<String> out = new ArrayList<>();
        for (String s; (s = beforeWelcome.poll()) != null; ) {
            out.add(s);
        }
        return out;
    }

    private static boolean takeOne(AtomicInteger counter) {
        return counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }
}
