package gg.minis.studio.worker.api.job;

import static gg.minis.studio.worker.api.protocol.MissingFieldException.require;
import static gg.minis.studio.worker.api.protocol.MissingFieldException.requireText;

/** An encoded file (image, audio, video). {@code ext} has no dot: {@code png}, {@code webp}, {@code wav}. */
public record BinaryResult(byte[] bytes, String ext) implements TaskResult {
    public BinaryResult {
        require(bytes, "bytes");
        requireText(ext, "ext");
    }

    public String contentType() {
        return MediaTypes.forExtension(ext);
    }

    @Override
    public String toString() {
        return "BinaryResult[" + bytes.length + " bytes, ext=" + ext + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryResult b && b.ext.equals(ext) && java.util.Arrays.equals(b.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return 31 * ext.hashCode() + java.util.Arrays.hashCode(bytes);
    }
}
