package gg.minis.studio.worker.api.job;

import java.util.Locale;

/** Content types for result extensions, exactly as the multipart complete route expects them. */
public final class MediaTypes {
    private MediaTypes() {}

    public static String forExtension(String ext) {
        return switch (ext.toLowerCase(Locale.ROOT)) {
            case "png" -> "image/png";
            case "webp" -> "image/webp";
            case "gif" -> "image/gif";
            case "wav" -> "audio/wav";
            case "mp3" -> "audio/mpeg";
            case "mp4" -> "video/mp4";
            default -> "application/octet-stream";
        };
    }
}
