package gg.minis.studio.worker.engines.speech;

import static gg.minis.studio.worker.engines.speech.TestWavs.sine;
import static gg.minis.studio.worker.engines.speech.TestWavs.wav;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import gg.minis.studio.worker.engines.speech.TestWavs.Encoding;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The Java WAV decoder, sample by sample. */
class WavDecoderTest {
    private static final double[] RAMP = {-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 0.999};

    @ParameterizedTest
    @EnumSource(value = Encoding.class, names = "ALAW", mode = EnumSource.Mode.EXCLUDE)
    void everyEncodingDecodesToTheSamplesWritten(Encoding enc) throws Exception {
        WavDecoder.Pcm pcm = WavDecoder.decode(wav(22050, enc, RAMP));
        assertThat(pcm.sampleRate()).isEqualTo(22050);
        assertThat(pcm.samples()).hasSize(RAMP.length);
        double tolerance = enc == Encoding.U8 ? 1.0 / 127 : 1e-4;
        for (int i = 0; i < RAMP.length; i++) {
            assertThat((double) pcm.samples()[i]).as("%s sample %d", enc, i).isCloseTo(RAMP[i], within(tolerance));
        }
    }

    @Test
    void extremesOfIntegerFormatsMapToMinusOneAndJustBelowOne() throws Exception {
        // 8-bit is unsigned: 0 -> -1, 128 -> 0, 255 -> 127/128
        byte[] u8 = wav(8000, Encoding.U8, new double[] {0, 0, 0});
        int data = u8.length - 4; // 3 data bytes, then the pad byte of an odd-sized chunk
        u8[data] = 0;
        u8[data + 1] = (byte) 128;
        u8[data + 2] = (byte) 255;
        assertThat(WavDecoder.decode(u8).samples()).containsExactly(-1f, 0f, 127f / 128);
        byte[] s16 = wav(8000, Encoding.S16, new double[] {-1.0, 1.0});
        assertThat(WavDecoder.decode(s16).samples()[0]).isEqualTo(-32767f / 32768);
        assertThat(WavDecoder.decode(s16).samples()[1]).isEqualTo(32767f / 32768);
    }

    @Test
    void channelsAreAveraged() throws Exception {
        double[] left = {0.5, 0.5, -0.25};
        double[] right = {0.5, -0.5, 0.75};
        double[] centre = {0.2, 0.0, 0.1};
        assertThat(WavDecoder.decode(wav(8000, Encoding.F32, left, right)).samples())
                .containsExactly(0.5f, 0f, 0.25f);
        float[] three = WavDecoder.decode(wav(8000, Encoding.F64, left, right, centre)).samples();
        assertThat(three[0]).isCloseTo(0.4f, within(1e-6f));
        assertThat(three[2]).isCloseTo(0.2f, within(1e-6f));
        double[] s = sine(0.1, 8000, 440, 0.5);
        double[] anti = Arrays.stream(s).map(v -> -v).toArray();
        float[] silent = WavDecoder.decode(wav(8000, Encoding.S24, s, anti)).samples();
        assertThat(TestWavs.rms(silent, 0, silent.length)).isLessThan(1e-6);
    }

    @Test
    void paddedChunksBeforeDataAreSkipped() throws Exception {
        WavDecoder.Pcm pcm = WavDecoder.decode(wav(16000, Encoding.S16, true, RAMP));
        assertThat(pcm.samples()).hasSize(RAMP.length);
        assertThat(pcm.samples()[0]).isEqualTo(-32767f / 32768);
    }

    @Test
    void aTruncatedDataChunkIsReadUpToTheLastWholeFrame() throws Exception {
        byte[] full = wav(16000, Encoding.S16, RAMP, RAMP);
        byte[] cut = Arrays.copyOf(full, full.length - 5); // 1.25 frames short
        assertThat(WavDecoder.decode(cut).samples()).hasSize(RAMP.length - 2);
    }

    @Test
    void brokenFilesAreRejectedWithAReason() {
        assertThat(WavDecoder.isWav("ID3\u0004 not a wav".getBytes())).isFalse();
        assertThatThrownBy(() -> WavDecoder.decode("RIFF\0\0\0\0WAVEjunk".getBytes()))
                .isInstanceOf(WavDecoder.InvalidWav.class).hasMessage("no fmt chunk");
        byte[] noData = Arrays.copyOf(wav(8000, Encoding.S16, RAMP), 12 + 8 + 16);
        assertThatThrownBy(() -> WavDecoder.decode(noData)).hasMessage("no data chunk");
        byte[] zeroRate = wav(8000, Encoding.S16, RAMP);
        zeroRate[24] = zeroRate[25] = zeroRate[26] = zeroRate[27] = 0;
        assertThatThrownBy(() -> WavDecoder.decode(zeroRate)).hasMessage("sample rate is 0");
        byte[] empty = wav(8000, Encoding.S16, new double[0]);
        assertThatThrownBy(() -> WavDecoder.decode(empty)).hasMessage("the data chunk holds no samples");
        byte[] badAlign = wav(8000, Encoding.S16, RAMP);
        badAlign[32] = 3;
        assertThatThrownBy(() -> WavDecoder.decode(badAlign)).hasMessageContaining("block align is 3");
    }

    @Test
    void otherEncodingsAreUnsupportedNotInvalid() {
        assertThatThrownBy(() -> WavDecoder.decode(wav(8000, Encoding.ALAW, RAMP)))
                .isInstanceOf(WavDecoder.UnsupportedEncoding.class)
                .hasMessage("WAV encoding A-law with 8 bits per sample is not supported");
    }
}
