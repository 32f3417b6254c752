package gg.minis.studio.worker.runner.update;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Semantic Versioning 2.0.0 version, ordered by precedence: pre-releases sort before their release
 * ({@code 1.2.0-rc.1 < 1.2.0}), build metadata is dropped (it does not take part in precedence). Release tags may
 * carry a leading {@code v}.
 */
public record SemVer(long major, long minor, long patch, List<String> preRelease) implements Comparable<SemVer> {
    // The grammar from semver.org: no leading zeros in numeric parts, identifiers of [0-9A-Za-z-].
    private static final Pattern SEMVER = Pattern.compile(
            "(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)"
                    + "(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)"
                    + "(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
                    + "(?:\\+[0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*)?");

    public SemVer {
        preRelease = List.copyOf(preRelease);
    }

    /** Parses {@code text} ({@code v1.2.3-rc.1+build} and the like); empty when it is not a semantic version. */
    public static Optional<SemVer> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        String s = text.strip();
        if (s.startsWith("v") || s.startsWith("V")) {
            s = s.substring(1);
        }
        Matcher m = SEMVER.matcher(s);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SemVer(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                    Long.parseLong(m.group(3)), m.group(4) == null ? List.of() : List.of(m.group(4).split("\\."))));
        } catch (NumberFormatException e) { // a part beyond a long: nobody's release, treat as malformed
            return Optional.empty();
        }
    }

    public boolean isPreRelease() {
        return !preRelease.isEmpty();
    }

    @Override
    public int compareTo(SemVer o) {
        int c = Long.compare(major, o.major);
        if (c == 0) {
            c = Long.compare(minor, o.minor);
        }
        if (c == 0) {
            c = Long.compare(patch, o.patch);
        }
        if (c != 0) {
            return c;
        }
        if (preRelease.isEmpty() || o.preRelease.isEmpty()) {
            return Boolean.compare(preRelease.isEmpty(), o.preRelease.isEmpty()); // the release wins
        }
        for (int i = 0; i < Math.min(preRelease.size(), o.preRelease.size()); i++) {
            c = compareIdentifier(preRelease.get(i), o.preRelease.get(i));
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(preRelease.size(), o.preRelease.size());
    }

    public boolean isNewerThan(SemVer o) {
        return compareTo(o) > 0;
    }

    private static int compareIdentifier(String a, String b) {
        boolean numA = a.chars().allMatch(Character::isDigit);
        boolean numB = b.chars().allMatch(Character::isDigit);
        if (numA && numB) { // no leading zeros, so the longer one is larger; this also works beyond a long
            return a.length() != b.length() ? Integer.compare(a.length(), b.length()) : a.compareTo(b);
        }
        if (numA != numB) {
            return numA ? -1 : 1; // numeric identifiers have lower precedence than alphanumeric ones
        }
        return a.compareTo(b); // ASCII order
    }

    @Override
    public String toString() {
        String core = major + "." + minor + "." + patch;
        return preRelease.isEmpty() ? core : core + "-" + String.join(".", preRelease);
    }
}
