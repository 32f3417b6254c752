package gg.minis.studio.worker.engines.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import javax.sound.sampled.AudioFormat;
import javax.sound.sampled.AudioInputStream;
import javax.sound.sampled.AudioSystem;
import org.junit.jupiter.api.Test;

class WavEncoderTest {

    @Test
    void headerDescribesStereo16BitPcm() {
        float[] samples = new float[2 * 1000];
        byte[] wav = WavEncoder.encodePcm16(samples, 22050, 2);
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);

        assertThat(wav).hasSize(44 + 4000);
        assertThat(ascii(wav, 0)).isEqualTo("RIFF");
        assertThat(b.getInt(4)).as("RIFF size").isEqualTo(wav.length - 8);
        assertThat(ascii(wav, 8)).isEqualTo("WAVE");
        assertThat(ascii(wav, 12)).isEqualTo("fmt ");
        assertThat(b.getInt(16)).as("fmt size").isEqualTo(16);
        assertThat(b.getShort(20)).as("format tag, PCM").isEqualTo((short) 1);
        assertThat(b.getShort(22)).as("channels").isEqualTo((short) 2);
        assertThat(b.getInt(24)).as("sample rate").isEqualTo(22050);
        assertThat(b.getInt(28)).as("byte rate").isEqualTo(22050 * 4);
        assertThat(b.getShort(32)).as("block align").isEqualTo((short) 4);
        assertThat(b.getShort(34)).as("bits per sample").isEqualTo((short) 16);
        assertThat(ascii(wav, 36)).isEqualTo("data");
        assertThat(b.getInt(40)).as("data size").isEqualTo(4000);
    }

    @Test
    void floatSamplesAreScaledAndClipped() {
        float[] samples = {0f, 1f, -1f, 0.5f, 2f, -3f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
        ByteBuffer b = ByteBuffer.wrap(WavEncoder.encodePcm16(samples, 8000, 1)).order(ByteOrder.LITTLE_ENDIAN);
        short[] expected = {0, 32767, -32767, 16384, 32767, -32767, 0, 32767, -32767};
        for (int i = 0; i < expected.length; i++) {
            assertThat(b.getShort(44 + 2 * i)).as("sample %d (%s)", i, samples[i]).isEqualTo(expected[i]);
        }
    }

    @Test
    void shortSamplesArePassedThroughLittleEndian() {
        short[] samples = {0, 1, -1, Short.MAX_VALUE, Short.MIN_VALUE, 0x1234};
        byte[] wav = WavEncoder.encodePcm16(samples, 16000, 2);
        ByteBuffer b = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < samples.length; i++) {
            assertThat(b.getShort(44 + 2 * i)).isEqualTo(samples[i]);
        }
        assertThat(wav[44 + 10]).isEqualTo((byte) 0x34); // low byte first
        assertThat(wav[44 + 11]).isEqualTo((byte) 0x12);
    }

    @Test
    void javaSoundOpensItWithTheRightFormat() throws Exception {
        float[] samples = new float[3 * 4410];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (float) Math.sin(i / 10.0);
        }
        byte[] wav = WavEncoder.encodePcm16(samples, 44100, 3);
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(wav))) {
            AudioFormat f = in.getFormat();
            assertThat(f.getEncoding()).isEqualTo(AudioFormat.Encoding.PCM_SIGNED);
            assertThat(f.getSampleRate()).isEqualTo(44100f);
            assertThat(f.getChannels()).isEqualTo(3);
            assertThat(f.getSampleSizeInBits()).isEqualTo(16);
            assertThat(f.isBigEndian()).isFalse();
            assertThat(in.getFrameLength()).isEqualTo(4410);
            byte[] pcm = in.readAllBytes();
            assertThat(pcm).hasSize(samples.length * 2);
        }
    }

    @Test
    void emptyAudioIsValid() throws Exception {
        byte[] wav = WavEncoder.encodePcm16(new float[0], 16000, 1);
        assertThat(wav).hasSize(44);
        try (AudioInputStream in = AudioSystem.getAudioInputStream(new ByteArrayInputStream(wav))) {
            assertThat(in.getFrameLength()).isZero();
        }
    }

    @Test
    void rejectsBadArguments() {
        assertThatThrownBy(() -> WavEncoder.encodePcm16(new float[3], 16000, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 channels");
        assertThatThrownBy(() -> WavEncoder.encodePcm16(new float[2], 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WavEncoder.encodePcm16(new short[2], 16000, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WavEncoder.encodePcm16((float[]) null, 16000, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static String ascii(byte[] b, int off) {
        return new String(b, off, 4, StandardCharsets.US_ASCII);
    }
}
