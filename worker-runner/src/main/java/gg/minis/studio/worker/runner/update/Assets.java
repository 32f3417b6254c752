package gg.minis.studio.worker.runner.update;

import gg.minis.studio.worker.api.update.ReleaseAsset;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** Picks a release's files by name: the runner jar for a platform, and the checksum that covers it. */
final class Assets {
    /** Names we are willing to write to disk: no separators, no {@code ..} tricks. */
    static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]*");
    private static final List<String> ARCH_NAMES = List.of("x86_64", "amd64", "x64", "aarch64", "arm64");
    private static final List<String> SUMS_NAMES = List.of("sha256sums", "sha256sums.txt");

    private Assets() {}

    /**
     * The runner jar: {@code runner.jar}, {@code runner-*.jar} or {@code studio-worker*.jar} (not sources/javadoc).
     * A jar naming our OS (and arch) is preferred over a generic one; a jar naming another OS or arch is skipped.
     */
    static Optional<ReleaseAsset> runnerJar(List<ReleaseAsset> assets, Platform platform) {
        return assets.stream()
                .filter(a -> a.name() != null && a.browserDownloadUrl() != null)
                .filter(a -> SAFE_NAME.matcher(a.name()).matches())
                .filter(a -> isRunnerJar(a.name().toLowerCase(Locale.ROOT)))
                .filter(a -> rank(a.name(), platform) >= 0)
                .max(Comparator.comparingInt(a -> rank(a.name(), platform)));
    }

    /** {@code <jar>.sha256} if the release has one, else its {@code SHA256SUMS}. */
    static Optional<ReleaseAsset> checksumFor(List<ReleaseAsset> assets, ReleaseAsset jar) {
        Optional<ReleaseAsset> own = assets.stream()
                .filter(a -> a.name() != null && a.browserDownloadUrl() != null)
                .filter(a -> a.name().equalsIgnoreCase(jar.name() + ".sha256"))
                .findFirst();
        return own.isPresent() ? own : assets.stream()
                .filter(a -> a.name() != null && a.browserDownloadUrl() != null)
                .filter(a -> SUMS_NAMES.contains(a.name().toLowerCase(Locale.ROOT)))
                .findFirst();
    }

    private static boolean isRunnerJar(String name) {
        return name.endsWith(".jar") && !name.endsWith("-sources.jar") && !name.endsWith("-javadoc.jar")
                && (name.equals("runner.jar") || name.startsWith("runner-") || name.startsWith("studio-worker"));
    }

    /** 2: names our OS and arch, 1: names our OS, 0: names no platform, -1: names another platform. */
    private static int rank(String name, Platform platform) {
        List<String> tokens = Arrays.asList(name.toLowerCase(Locale.ROOT).replaceFirst("\\.jar$", "").split("[-.]"));
        boolean ourOs = tokens.stream().anyMatch(platform.osAliases()::contains);
        boolean otherOs = tokens.stream()
                .anyMatch(t -> Platform.OS_NAMES.contains(t) && !platform.osAliases().contains(t));
        List<String> ourArch = switch (platform.arch()) {
            case "x86_64" -> List.of("x86_64", "amd64", "x64");
            case "aarch64" -> List.of("aarch64", "arm64");
            default -> List.of(platform.arch());
        };
        boolean namesOurArch = tokens.stream().anyMatch(ourArch::contains);
        boolean otherArch = tokens.stream().anyMatch(t -> ARCH_NAMES.contains(t) && !ourArch.contains(t));
        if (otherOs || otherArch) {
            return -1;
        }
        return ourOs ? (namesOurArch ? 2 : 1) : 0;
    }
}
