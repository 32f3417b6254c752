package gg.minis.studio.worker.engines.models;

import gg.minis.studio.worker.api.engine.EngineException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Checks on the studio-supplied parts of a {@code ModelFile}: they name paths on this disk and URLs in logs. */
final class ModelFileNames {
    /** Suffixes of the cache's own files next to a model; a model named like one would collide with them. */
    static final List<String> RESERVED_SUFFIXES =
            List.of(ModelCache.PART_SUFFIX, ModelCache.LOCK_SUFFIX, ModelCache.MARKER_SUFFIX);

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");

    private ModelFileNames() {}

    /**
     * Returns {@code name} when it is a plain file name, else a permanent error naming the field and value. Refuses
     * anything that could leave the kind folder or alias another file: separators of either platform, {@code ..},
     * drive prefixes and NTFS streams ({@code :}), control characters, and the trailing dots or spaces Windows drops.
     */
    static String plainFileName(String name) throws EngineException {
        if (name == null
                || name.isEmpty()
                || name.equals(".")
                || name.contains("..")
                || name.indexOf('/') >= 0
                || name.indexOf('\\') >= 0
                || name.indexOf(':') >= 0
                || name.chars().anyMatch(c -> c < 0x20 || c == 0x7f)
                || !name.strip().equals(name)
                || name.endsWith(".")) {
            throw EngineException.permanent(
                    "modelSource.files[].filename '" + printable(name) + "' is not a plain file name");
        }
        for (String suffix : RESERVED_SUFFIXES) {
            if (name.endsWith(suffix)) {
                throw EngineException.permanent("modelSource.files[].filename '" + name + "' ends with '" + suffix
                        + "', which the model cache uses for its own files");
            }
        }
        return name;
    }

    /** The expected hash in lower case, or null when none was given. */
    static String sha256(String sha256) throws EngineException {
        if (sha256 == null || sha256.isBlank()) {
            return null;
        }
        if (!SHA256_HEX.matcher(sha256).matches()) {
            throw EngineException.permanent(
                    "modelSource.files[].sha256 '" + printable(sha256) + "' is not a SHA-256 hex digest");
        }
        return sha256.toLowerCase(Locale.ROOT);
    }

    /** The URL as a URI when it is absolute http(s) with a host; the error shows it without query string. */
    static URI httpUri(String url) throws EngineException {
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null) {
                return uri;
            }
        } catch (java.net.URISyntaxException e) {
            // falls through to the one-line error below
        }
        throw EngineException.permanent("modelSource.files[].url '" + redact(url) + "' is not an http(s) URL");
    }

    /**
     * The URL fit for logs and error messages: signed URLs carry their secret in the query string (and some in the
     * user info), so both go, along with the fragment.
     */
    static String redact(String url) {
        if (url == null) {
            return "null";
        }
        int cut = url.length();
        for (char c : new char[] {'?', '#'}) {
            int at = url.indexOf(c);
            if (at >= 0 && at < cut) {
                cut = at;
            }
        }
        String bare = url.substring(0, cut);
        int scheme = bare.indexOf("://");
        if (scheme >= 0) {
            int authorityStart = scheme + 3;
            int pathStart = bare.indexOf('/', authorityStart);
            int authorityEnd = pathStart < 0 ? bare.length() : pathStart;
            int at = bare.lastIndexOf('@', authorityEnd - 1);
            if (at >= authorityStart) {
                bare = bare.substring(0, authorityStart) + bare.substring(at + 1);
            }
        }
        return printable(bare);
    }

    /** Keeps one-line messages one line: control characters become '?'. */
    private static String printable(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length());
        s.chars().forEach(c -> b.append(c < 0x20 || c == 0x7f ? '?' : (char) c));
        return b.toString();
    }
}
