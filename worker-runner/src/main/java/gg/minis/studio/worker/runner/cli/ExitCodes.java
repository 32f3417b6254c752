package gg.minis.studio.worker.runner.cli;

/** The runner's exit codes; documented in the README and in {@code runner --help}. */
public final class ExitCodes {
    public static final int OK = 0;
    /** Something failed at run time (a demo job failed, an unexpected error; see the debug log). */
    public static final int FAILURE = 1;
    /** Bad command line. */
    public static final int USAGE = 2;
    /** Bad or unreadable config file or value. */
    public static final int CONFIG = 3;
    /** The studio refused the worker's credentials: run {@code register --reset}. */
    public static final int AUTH_FAILED = 4;
    /** The studio could not be reached {@code ws_reconnect_attempts} times in a row. */
    public static final int UNREACHABLE = 5;
    /** The studio rejected the registration request. */
    public static final int REGISTRATION_REJECTED = 6;
    /** Not available on this OS (e.g. {@code service install} where no autostart mechanism is known). */
    public static final int UNSUPPORTED = 7;

    private ExitCodes() {}
}
