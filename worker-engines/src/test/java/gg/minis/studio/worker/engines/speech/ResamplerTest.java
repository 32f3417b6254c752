package gg.minis.studio.worker.engines.speech;

import static gg.minis.studio.worker.engines.speech.TestWavs.rms;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The windowed-sinc resampler: length, pass-band, stop-band, DC. */
class ResamplerTest {
    private static float[] sine(int rate, double hz, double seconds) {
        double[] d = TestWavs.sine(seconds, rate, hz, 0.5);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    /** Zero crossings per second of the middle of {@code x}, halved: the frequency. */
    private static double frequency(float[] x, int rate) {
        int from = x.length / 4, to = 3 * x.length / 4, crossings = 0;
        for (int i = from + 1; i < to; i++) {
            if ((x[i - 1] < 0) != (x[i] < 0)) {
                crossings++;
            }
        }
        return crossings / 2.0 / ((to - from) / (double) rate);
    }

    @ParameterizedTest
    @ValueSource(ints = {8000, 11025, 22050, 32000, 37800, 44100, 44101, 48000, 96000})
    void aToneInThePassBandKeepsItsLevelAndFrequency(int rate) {
        float[] out = Resampler.resample(sine(rate, 1000, 1.0), rate, 16000);
        assertThat(out).hasSize(16000);
        int edge = 200; // the filter's zero padding dims the first and last few samples
        assertThat(rms(out, edge, out.length - edge)).isCloseTo(0.5 / Math.sqrt(2), within(0.002));
        assertThat(frequency(out, 16000)).isCloseTo(1000, within(5.0));
    }

    @ParameterizedTest
    @ValueSource(ints = {44100, 48000, 96000})
    void toneAboveTheNewNyquistIsRemovedNotAliased(int rate) {
        // 10 kHz would alias to 6 kHz at 16 kHz; the low-pass must take it out (> 60 dB down).
        float[] out = Resampler.resample(sine(rate, 10_000, 0.5), rate, 16000);
        assertThat(rms(out, 200, out.length - 200)).isLessThan(0.5 / Math.sqrt(2) / 1000);
    }

    @Test
    void upsamplingAddsNoImages() {
        float[] out = Resampler.resample(sine(8000, 3000, 0.5), 8000, 16000);
        // the image of 3 kHz at 8 kHz - 3 kHz = 5 kHz must not appear: the output is a clean 3 kHz
        assertThat(frequency(out, 16000)).isCloseTo(3000, within(5.0));
        assertThat(rms(out, 200, out.length - 200)).isCloseTo(0.5 / Math.sqrt(2), within(0.002));
    }

    @Test
    void dcStaysDcAndLengthsRoundUp() {
        float[] dc = new float[4410];
        java.util.Arrays.fill(dc, 0.25f);
        float[] out = Resampler.resample(dc, 44100, 16000);
        assertThat(out).hasSize(1600);
        for (int i = 100; i < 1500; i++) {
            assertThat(out[i]).isCloseTo(0.25f, within(1e-4f));
        }
        assertThat(Resampler.resample(new float[] {0.1f, 0.2f, 0.3f}, 48000, 16000)).hasSize(1);
        assertThat(Resampler.resample(new float[] {0.1f, 0.2f}, 16000, 16000)).containsExactly(0.1f, 0.2f);
        assertThat(Resampler.resample(new float[0], 48000, 16000)).isEmpty();
    }
}
