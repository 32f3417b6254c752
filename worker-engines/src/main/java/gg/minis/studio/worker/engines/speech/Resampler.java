package gg.minis.studio.worker.engines.speech;

/**
 * Band-limited sample-rate conversion: a Kaiser-windowed sinc low-pass (24 zero crossings each side, beta 8.6,
 * about 80 dB stop-band), its cut-off at 0.9 x the lower Nyquist frequency, so downsampling (e.g. 44.1 or 48 kHz to
 * 16 kHz) removes what would alias and upsampling (8 kHz) adds no images. For rates whose ratio reduces to at most
 * {@value #MAX_PHASES} output phases (every common rate to 16 kHz: 48k -> 1, 44.1k -> 160, 22.05k -> 320,
 * 11.025k -> 640) the filter is tabulated once per phase (polyphase); other ratios compute the taps per output
 * sample. Each phase is normalised to unit DC gain. Samples beyond either end count as silence.
 *
 * <p>Chosen over linear interpolation because whisper sees 16 kHz audio and speech recorded at 44.1/48 kHz has
 * energy above 8 kHz (sibilants) that linear interpolation folds back into the band whisper listens to.
 */
final class Resampler {
    static final int ZERO_CROSSINGS = 24;
    static final double ROLLOFF = 0.9;
    static final double KAISER_BETA = 8.6;
    static final int MAX_PHASES = 4096;

    private Resampler() {}

    static float[] resample(float[] in, int inRate, int outRate) {
        if (inRate <= 0 || outRate <= 0) {
            throw new IllegalArgumentException("sample rates must be positive, got " + inRate + " -> " + outRate);
        }
        if (inRate == outRate || in.length == 0) {
            return in.clone();
        }
        int g = gcd(inRate, outRate);
        int up = outRate / g;     // L: output phases per input step
        int down = inRate / g;    // M: input samples advanced per L output samples
        long outLength = Math.max(1, ((long) in.length * up + down - 1) / down);
        if (outLength > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("too many samples after resampling: " + outLength);
        }
        // Low-pass in units of input samples: cut-off (cycles/sample) and the kernel's half width.
        double cutoff = 0.5 * Math.min(1.0, (double) outRate / inRate) * ROLLOFF;
        double halfWidth = ZERO_CROSSINGS / (2 * cutoff);
        int h = (int) Math.ceil(halfWidth);
        int taps = 2 * h + 1;
        float[] out = new float[(int) outLength];
        float[][] table = up <= MAX_PHASES ? new float[up][] : null;
        double[] scratch = new double[taps];
        for (int n = 0; n < out.length; n++) {
            long pos = (long) n * down;           // n * M / L in input samples, as integer + phase/L
            int base = (int) (pos / up);
            int phase = (int) (pos % up);
            float[] kernel;
            if (table != null) {
                kernel = table[phase];
                if (kernel == null) {
                    kernel = table[phase] = kernel((double) phase / up, h, halfWidth, cutoff, scratch);
                }
            } else {
                kernel = kernel((double) phase / up, h, halfWidth, cutoff, scratch);
            }
            // taps j = 0..taps-1 sit at input index base - h + 1 + j
            int first = base - h + 1;
            int jFrom = Math.max(0, -first);
            int jTo = Math.min(taps, in.length - first);
            double acc = 0;
            for (int j = jFrom; j < jTo; j++) {
                acc += kernel[j] * in[first + j];
            }
            out[n] = (float) acc;
        }
        return out;
    }

    /** The taps for an output sample {@code frac} (0..1) input samples after input index {@code base}. */
    private static float[] kernel(double frac, int h, double halfWidth, double cutoff, double[] w) {
        double sum = 0;
        for (int j = 0; j < w.length; j++) {
            double x = frac + h - 1 - j;          // distance from the output position to the tap, in input samples
            double v = 0;
            if (Math.abs(x) < halfWidth) {
                double r = x / halfWidth;
                v = 2 * cutoff * sinc(2 * cutoff * x) * bessel0(KAISER_BETA * Math.sqrt(1 - r * r))
                        / bessel0(KAISER_BETA);
            }
            w[j] = v;
            sum += v;
        }
        float[] k = new float[w.length];
        for (int j = 0; j < w.length; j++) {
            k[j] = (float) (w[j] / sum);
        }
        return k;
    }

    private static double sinc(double x) {
        if (x == 0) {
            return 1;
        }
        double px = Math.PI * x;
        return Math.sin(px) / px;
    }

    /** The modified Bessel function of the first kind, order 0 (power series; converges fast for beta < 20). */
    private static double bessel0(double x) {
        double sum = 1, term = 1, q = x * x / 4;
        for (int k = 1; k < 50; k++) {
            term *= q / ((double) k * k);
            sum += term;
            if (term < sum * 1e-16) {
                break;
            }
        }
        return sum;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }
}
