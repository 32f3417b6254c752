package gg.minis.studio.worker.runner.update;

import java.util.List;
import java.util.Locale;

/** The OS and CPU an asset is picked for, normalised to the names release files use ({@code linux-x86_64}). */
public record Platform(String os, String arch) {
    /** OS names that may appear in an asset's name; an asset naming another OS than ours is not for us. */
    static final List<String> OS_NAMES = List.of("linux", "macos", "darwin", "osx", "windows", "win");

    public static Platform current() {
        return of(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    public static Platform of(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String normalisedOs = os.startsWith("windows") ? "windows"
                : os.startsWith("mac") || os.startsWith("darwin") ? "macos"
                : os.startsWith("linux") ? "linux" : os.replaceAll("[^a-z0-9]", "");
        String arch = osArch.toLowerCase(Locale.ROOT);
        String normalisedArch = switch (arch) {
            case "amd64", "x86_64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch.replaceAll("[^a-z0-9_]", "");
        };
        return new Platform(normalisedOs, normalisedArch);
    }

    /** {@code linux-x86_64}. */
    public String classifier() {
        return os + "-" + arch;
    }

    /** The other names this OS goes by in file names. */
    List<String> osAliases() {
        return switch (os) {
            case "macos" -> List.of("macos", "darwin", "osx");
            case "windows" -> List.of("windows", "win");
            default -> List.of(os);
        };
    }
}
