package gg.minis.studio.worker.engines.media;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** RIFF/WAVE, 16-bit little-endian PCM: the one audio format every player and speech tool reads. */
public final class WavEncoder {
    private static final int HEADER_BYTES = 44;

    private WavEncoder() {
    }

    /** Interleaved samples in [-1, 1]; values outside are clipped, NaN becomes silence. */
    public static byte[] encodePcm16(float[] samples, int sampleRate, int channels) {
        if (samples == null) {
            throw new IllegalArgumentException("samples is null");
        }
        ByteBuffer buf = header(samples.length, sampleRate, channels);
        for (float s : samples) {
            float c = Float.isNaN(s) ? 0f : Math.max(-1f, Math.min(1f, s));
            buf.putShort((short) Math.round(c * Short.MAX_VALUE)); // symmetric scale: -1 -> -32767, 1 -> 32767
        }
        return buf.array();
    }

    /** Interleaved signed 16-bit samples. */
    public static byte[] encodePcm16(short[] samples, int sampleRate, int channels) {
        if (samples == null) {
            throw new IllegalArgumentException("samples is null");
        }
        ByteBuffer buf = header(samples.length, sampleRate, channels);
        buf.asShortBuffer().put(samples);
        return buf.array();
    }

    private static ByteBuffer header(int sampleCount, int sampleRate, int channels) {
        if (sampleRate <= 0) {
            throw new IllegalArgumentException("sample rate must be positive, got " + sampleRate);
        }
        if (channels < 1 || channels > 0xffff) {
            throw new IllegalArgumentException("channels must be 1..65535, got " + channels);
        }
        if (sampleCount % channels != 0) {
            throw new IllegalArgumentException(
                    sampleCount + " interleaved samples do not divide into " + channels + " channels");
        }
        long dataBytes = 2L * sampleCount;
        if (HEADER_BYTES + dataBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many samples for one WAV file: " + sampleCount);
        }
        ByteBuffer buf = ByteBuffer.allocate(HEADER_BYTES + (int) dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        buf.put(new byte[] {'R', 'I', 'F', 'F'});
        buf.putInt(36 + (int) dataBytes); // everything after this field
        buf.put(new byte[] {'W', 'A', 'V', 'E'});
        buf.put(new byte[] {'f', 'm', 't', ' '});
        buf.putInt(16);
        buf.putShort((short) 1); // PCM
        buf.putShort((short) channels);
        buf.putInt(sampleRate);
        buf.putInt((int) Math.min(Integer.MAX_VALUE, 2L * sampleRate * channels)); // byte rate
        buf.putShort((short) (2 * channels)); // block align
        buf.putShort((short) 16);
        buf.put(new byte[] {'d', 'a', 't', 'a'});
        buf.putInt((int) dataBytes);
        return buf;
    }
}
