package gg.minis.studio.worker.engines.media;

import java.util.Arrays;

/** Little-endian, LSB-first bit packer, the bit order the VP8L bitstream is read in. */
final class BitWriter {
    private byte[] buf;
    private int pos;
    private long acc;
    private int accBits;

    BitWriter(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    /** Appends the low {@code n} bits of {@code value} (0 <= n <= 32). */
    void write(int value, int n) {
        acc |= (value & ((1L << n) - 1)) << accBits;
        accBits += n;
        if (accBits >= 32) {
            // Flushing whole words keeps the accumulator below 64 bits for any n <= 32.
            if (pos + 4 > buf.length) {
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            buf[pos] = (byte) acc;
            buf[pos + 1] = (byte) (acc >>> 8);
            buf[pos + 2] = (byte) (acc >>> 16);
            buf[pos + 3] = (byte) (acc >>> 24);
            pos += 4;
            acc >>>= 32;
            accBits -= 32;
        }
    }

    /** Pads the last byte with zero bits and returns everything written. */
    byte[] toByteArray() {
        byte[] out = Arrays.copyOf(buf, pos + (accBits + 7) / 8);
        long a = acc;
        for (int i = pos; i < out.length; i++) {
            out[i] = (byte) a;
            a >>>= 8;
        }
        return out;
    }
}
