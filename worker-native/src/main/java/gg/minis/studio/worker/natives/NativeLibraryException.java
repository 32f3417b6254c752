package gg.minis.studio.worker.natives;

import java.io.Serial;
import java.util.List;

/** A backend library could not be found, extracted, loaded or is incompatible. */
public final class NativeLibraryException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Every place that was searched, in order, with what was found there (empty if not a lookup failure). */
    private final transient List<String> searched;

    public NativeLibraryException(String message, List<String> searched) {
        super(message);
        this.searched = List.copyOf(searched);
    }

    public NativeLibraryException(String message, Throwable cause) {
        super(message, cause);
        this.searched = List.of();
    }

    public List<String> searched() {
        return searched == null ? List.of() : searched;
    }
}
