package gg.minis.studio.worker.runner.service;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Quoting of paths and arguments for the places they end up: shells, systemd units, plists, Windows. */
public final class Quoting {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_@+=:,./-]+");
    private static final Pattern PLAIN_WINDOWS = Pattern.compile("[A-Za-z0-9_@+=:,./\\\\-]+");

    private Quoting() {}

    /** A POSIX shell word: as is when plain, else in single quotes. */
    public static String posix(String s) {
        return PLAIN.matcher(s).matches() ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** A Windows command-line word (cmd and the C runtime agree on plain double quotes for paths). */
    public static String windows(String s) {
        return PLAIN_WINDOWS.matcher(s).matches() ? s : "\"" + s.replace("\"", "\\\"") + "\"";
    }

    /**
     * A systemd {@code ExecStart=} word: {@code %} and {@code $} escaped in any case (systemd expands specifiers and
     * variables there), double quotes with C escapes around anything but plain characters.
     */
    public static String systemd(String s) {
        String escaped = s.replace("%", "%%").replace("$", "$$");
        return PLAIN.matcher(s).matches() ? escaped
                : "\"" + escaped.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Text inside an XML element or attribute. */
    public static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&apos;");
    }

    public static String posixLine(List<String> argv) {
        return argv.stream().map(Quoting::posix).collect(Collectors.joining(" "));
    }

    public static String windowsLine(List<String> argv) {
        return argv.stream().map(Quoting::windows).collect(Collectors.joining(" "));
    }
}
