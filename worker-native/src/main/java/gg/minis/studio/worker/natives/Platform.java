package gg.minis.studio.worker.natives;

import java.util.Locale;

/**
 * The platform a native library is built for, named the way the classpath layout
 * {@code natives/<os>-<arch>/} and {@code native/CMakeLists.txt} name it.
 *
 * @param os   {@code linux}, {@code macos} or {@code windows} (other systems keep their lower-case name)
 * @param arch {@code x86_64} or {@code aarch64} (others keep their lower-case name)
 */
public record Platform(String os, String arch) {

    /** The platform this JVM runs on. */
    public static Platform current() {
        return of(System.getProperty("os.name", ""), System.getProperty("os.arch", ""));
    }

    /** Normalizes {@code os.name} / {@code os.arch} style values. */
    public static Platform of(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("linux")) {
            os = "linux";
        } else if (os.startsWith("mac") || os.startsWith("darwin")) {
            os = "macos";
        } else if (os.startsWith("windows")) {
            os = "windows";
        } else {
            os = os.replaceAll("[^a-z0-9]", "");
        }
        String arch = switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64", "x86-64", "x64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> osArch.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "");
        };
        return new Platform(os, arch);
    }

    /** {@code linux-x86_64}. */
    public String id() {
        return os + "-" + arch;
    }

    /** The file name of library {@code name} here: {@code libNAME.so}, {@code libNAME.dylib} or {@code NAME.dll}. */
    public String libraryFileName(String name) {
        return switch (os) {
            case "windows" -> name + ".dll";
            case "macos" -> "lib" + name + ".dylib";
            default -> "lib" + name + ".so";
        };
    }

    /** The classpath resource of library {@code name}: {@code natives/linux-x86_64/libNAME.so}. */
    public String resourcePath(String name) {
        return "natives/" + id() + "/" + libraryFileName(name);
    }

    @Override
    public String toString() {
        return id();
    }
}
