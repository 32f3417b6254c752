package gg.minis.studio.worker.engines.speech;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes RIFF/WAVE files to mono float samples in [-1, 1] at the file's own rate: integer PCM of 8 (unsigned),
 * 16, 24 or 32 bits, IEEE float of 32 or 64 bits, plain or WAVE_FORMAT_EXTENSIBLE, any number of channels
 * (averaged to mono). Other encodings (A-law, mu-law, ADPCM...) are reported as {@link UnsupportedEncoding} so the
 * caller can hand the file to ffmpeg. A data chunk longer than the file (a truncated or streamed recording) is read
 * up to the last whole frame.
 */
final class WavDecoder {
    private static final int FORMAT_PCM = 1;
    private static final int FORMAT_FLOAT = 3;
    private static final int FORMAT_EXTENSIBLE = 0xFFFE;

    private WavDecoder() {}

    /** Mono samples and their rate. */
    record Pcm(float[] samples, int sampleRate) {
        double seconds() {
            return samples.length / (double) sampleRate;
        }
    }

    /** The file is not a valid WAV file. */
    static class InvalidWav extends Exception {
        InvalidWav(String message) {
            super(message);
        }
    }

    /** A valid WAV file in an encoding this decoder does not read. */
    static final class UnsupportedEncoding extends InvalidWav {
        UnsupportedEncoding(String message) {
            super(message);
        }
    }

    /** Whether {@code bytes} start like a RIFF/WAVE file. */
    static boolean isWav(byte[] bytes) {
        return bytes.length >= 12 && bytes[0] == 'R' && bytes[1] == 'I' && bytes[2] == 'F' && bytes[3] == 'F'
                && bytes[8] == 'W' && bytes[9] == 'A' && bytes[10] == 'V' && bytes[11] == 'E';
    }

    static Pcm decode(byte[] bytes) throws InvalidWav {
        if (!isWav(bytes)) {
            throw new InvalidWav("no RIFF/WAVE header");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int pos = 12;
        int format = -1, channels = 0, rate = 0, blockAlign = 0, bits = 0;
        while (pos + 8 <= bytes.length) {
            String id = new String(bytes, pos, 4, java.nio.charset.StandardCharsets.US_ASCII);
            long size = Integer.toUnsignedLong(b.getInt(pos + 4));
            int body = pos + 8;
            if (id.equals("fmt ")) {
                if (size < 16 || body + 16 > bytes.length) {
                    throw new InvalidWav("fmt chunk is too short (" + size + " bytes)");
                }
                format = Short.toUnsignedInt(b.getShort(body));
                channels = Short.toUnsignedInt(b.getShort(body + 2));
                rate = b.getInt(body + 4);
                blockAlign = Short.toUnsignedInt(b.getShort(body + 12));
                bits = Short.toUnsignedInt(b.getShort(body + 14));
                if (format == FORMAT_EXTENSIBLE) {
                    if (size < 40 || body + 26 > bytes.length) {
                        throw new InvalidWav("WAVE_FORMAT_EXTENSIBLE fmt chunk is too short (" + size + " bytes)");
                    }
                    format = Short.toUnsignedInt(b.getShort(body + 24)); // first two bytes of the sub-format GUID
                }
            } else if (id.equals("data")) {
                if (format < 0) {
                    throw new InvalidWav("data chunk before the fmt chunk");
                }
                long available = bytes.length - body;
                long length = size == 0xFFFFFFFFL || size == 0 && available > 0 ? available : Math.min(size, available);
                return samples(b, body, length, format, channels, rate, blockAlign, bits);
            }
            pos = (int) Math.min(bytes.length, body + size + (size & 1)); // chunks are padded to even sizes
        }
        throw new InvalidWav(format < 0 ? "no fmt chunk" : "no data chunk");
    }

    private static Pcm samples(ByteBuffer b, int start, long length, int format, int channels, int rate,
                               int blockAlign, int bits) throws InvalidWav {
        if (channels < 1) {
            throw new InvalidWav("channel count is " + channels);
        }
        if (rate <= 0) {
            throw new InvalidWav("sample rate is " + Integer.toUnsignedString(rate));
        }
        int width = (bits + 7) / 8;
        boolean intPcm = format == FORMAT_PCM && width >= 1 && width <= 4;
        boolean floatPcm = format == FORMAT_FLOAT && (width == 4 || width == 8);
        if (!intPcm && !floatPcm) {
            throw new UnsupportedEncoding("WAV encoding " + describe(format) + " with " + bits
                    + " bits per sample is not supported");
        }
        if (blockAlign != width * channels) {
            throw new InvalidWav("block align is " + blockAlign + " but " + channels + " channels of " + bits
                    + " bits need " + width * channels);
        }
        long frames = length / blockAlign;
        if (frames == 0) {
            throw new InvalidWav("the data chunk holds no samples");
        }
        if (frames > Integer.MAX_VALUE - 8) {
            throw new InvalidWav("too many samples (" + frames + ")");
        }
        float[] out = new float[(int) frames];
        float scale = 1.0f / channels;
        int p = start;
        for (int f = 0; f < out.length; f++) {
            double sum = 0;
            for (int c = 0; c < channels; c++, p += width) {
                sum += floatPcm ? (width == 4 ? b.getFloat(p) : b.getDouble(p)) : integer(b, p, width);
            }
            out[f] = (float) (sum * scale);
        }
        return new Pcm(out, rate);
    }

    /** One integer sample scaled to [-1, 1). 8-bit WAV is unsigned, wider samples are signed little-endian. */
    private static double integer(ByteBuffer b, int p, int width) {
        return switch (width) {
            case 1 -> ((b.get(p) & 0xff) - 128) / 128.0;
            case 2 -> b.getShort(p) / 32768.0;
            case 3 -> ((b.get(p) & 0xff) | (b.get(p + 1) & 0xff) << 8 | b.get(p + 2) << 16) / 8388608.0;
            default -> b.getInt(p) / 2147483648.0;
        };
    }

    private static String describe(int format) {
        return switch (format) {
            case FORMAT_PCM -> "PCM";
            case FORMAT_FLOAT -> "IEEE float";
            case 6 -> "A-law";
            case 7 -> "mu-law";
            case 2, 0x11 -> "ADPCM";
            default -> String.format("0x%04x", format);
        };
    }
}
