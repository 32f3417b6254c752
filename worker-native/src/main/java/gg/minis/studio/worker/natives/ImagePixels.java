package gg.minis.studio.worker.natives;

import java.util.Arrays;
import java.util.Objects;

/**
 * An image as plain bytes: {@code width * height * channels}, row-major, no padding (3 = RGB, 4 = RGBA,
 * 1 = gray, used for masks). Results are Java copies; the native buffer is already freed.
 */
public record ImagePixels(int width, int height, int channels, byte[] data) {
    public ImagePixels {
        if (width <= 0 || height <= 0 || channels < 1 || channels > 4) {
            throw new IllegalArgumentException("invalid image shape " + width + "x" + height + "x" + channels);
        }
        Objects.requireNonNull(data, "data");
        if ((long) width * height * channels != data.length) {
            throw new IllegalArgumentException("data has " + data.length + " bytes, expected "
                    + (long) width * height * channels + " for " + width + "x" + height + "x" + channels);
        }
    }

    /** The value of channel {@code c} of pixel ({@code x}, {@code y}), 0..255. */
    public int get(int x, int y, int c) {
        return data[(y * width + x) * channels + c] & 0xff;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImagePixels p && p.width == width && p.height == height && p.channels == channels
                && Arrays.equals(p.data, data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(width, height, channels, Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "ImagePixels[" + width + "x" + height + "x" + channels + "]";
    }
}
