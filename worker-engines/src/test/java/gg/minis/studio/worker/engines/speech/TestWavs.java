package gg.minis.studio.worker.engines.speech;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Writes WAV files in every layout the decoder claims to read (and a few it does not). */
final class TestWavs {
    enum Encoding {
        U8(1, 8, false), S16(1, 16, false), S24(1, 24, false), S32(1, 32, false), F32(3, 32, false),
        F64(3, 64, false), S24_EXTENSIBLE(1, 24, true), F32_EXTENSIBLE(3, 32, true), ALAW(6, 8, false);

        final int format;
        final int bits;
        final boolean extensible;

        Encoding(int format, int bits, boolean extensible) {
            this.format = format;
            this.bits = bits;
            this.extensible = extensible;
        }
    }

    private TestWavs() {}

    /** {@code seconds} of a sine of {@code hz} at amplitude {@code amp}. */
    static double[] sine(double seconds, int rate, double hz, double amp) {
        double[] x = new double[(int) Math.round(seconds * rate)];
        for (int i = 0; i < x.length; i++) {
            x[i] = amp * Math.sin(2 * Math.PI * hz * i / rate);
        }
        return x;
    }

    static double rms(float[] x, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += (double) x[i] * x[i];
        }
        return Math.sqrt(s / (to - from));
    }

    /** One channel per array (all the same length), interleaved. */
    static byte[] wav(int rate, Encoding enc, double[]... channels) {
        return wav(rate, enc, false, channels);
    }

    /** With {@code oddChunk}, a LIST chunk of odd size (padded) sits between fmt and data. */
    static byte[] wav(int rate, Encoding enc, boolean oddChunk, double[]... channels) {
        int n = channels[0].length;
        int width = enc.bits / 8;
        int ch = channels.length;
        ByteBuffer data = ByteBuffer.allocate(n * ch * width).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            for (double[] c : channels) {
                double v = Math.max(-1, Math.min(1, c[i]));
                switch (enc) {
                    case U8, ALAW -> data.put((byte) (Math.round(v * 127) + 128));
                    case S16 -> data.putShort((short) Math.round(v * 32767));
                    case S24, S24_EXTENSIBLE -> {
                        int s = (int) Math.round(v * 8388607);
                        data.put((byte) s).put((byte) (s >> 8)).put((byte) (s >> 16));
                    }
                    case S32 -> data.putInt((int) Math.round(v * 2147483647.0));
                    case F32, F32_EXTENSIBLE -> data.putFloat((float) v);
                    case F64 -> data.putDouble(v);
                }
            }
        }
        ByteBuffer fmt = ByteBuffer.allocate(enc.extensible ? 40 : 16).order(ByteOrder.LITTLE_ENDIAN);
        fmt.putShort((short) (enc.extensible ? 0xFFFE : enc.format)).putShort((short) ch).putInt(rate)
                .putInt(rate * ch * width).putShort((short) (ch * width)).putShort((short) enc.bits);
        if (enc.extensible) {
            fmt.putShort((short) 22).putShort((short) enc.bits).putInt(0)
                    .putShort((short) enc.format)
                    .put(new byte[] {0, 0, 0, 0, 0x10, 0, (byte) 0x80, 0, 0, (byte) 0xAA, 0, 0x38, (byte) 0x9B, 0x71});
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes("WAVE".getBytes());
        chunk(body, "fmt ", fmt.array());
        if (oddChunk) {
            chunk(body, "LIST", "INFOISFT\u0005\0\0\0abcd\0".getBytes()); // 17 bytes: padded to 18
        }
        chunk(body, "data", data.array());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("RIFF".getBytes());
        out.writeBytes(le32(body.size()));
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String id, byte[] body) {
        out.writeBytes(id.getBytes());
        out.writeBytes(le32(body.length));
        out.writeBytes(body);
        if ((body.length & 1) == 1) {
            out.write(0);
        }
    }

    static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)};
    }
}
