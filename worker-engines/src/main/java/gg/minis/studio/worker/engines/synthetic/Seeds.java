package gg.minis.studio.worker.engines.synthetic;

import java.nio.charset.StandardCharsets;

/** Stable 64-bit hashes, so the same input gives the same output on every JVM (String.hashCode is too weak). */
final class Seeds {
    private Seeds() {}

    static long of(String text, long salt) {
        long h = 0xcbf29ce484222325L ^ salt;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** SplitMix64 finaliser: spreads bits so neighbouring seeds look unrelated. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
