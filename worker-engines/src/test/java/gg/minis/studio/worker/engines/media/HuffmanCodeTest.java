package gg.minis.studio.worker.engines.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class HuffmanCodeTest {

    @Test
    void skewedHistogramsAreLimitedAndStayComplete() {
        // Fibonacci counts make an optimal Huffman tree as deep as the alphabet is long.
        int[] histogram = new int[40];
        int a = 1;
        int b = 1;
        for (int i = 0; i < histogram.length; i++) {
            histogram[i] = a;
            int next = a + b;
            a = b;
            b = Math.min(next, 1 << 29);
        }
        for (int limit : new int[] {7, 15}) {
            int[] lengths = HuffmanCode.codeLengths(histogram, limit);
            assertThat(java.util.Arrays.stream(lengths).boxed().toList()).allMatch(len -> len >= 1 && len <= limit);
            assertThat(kraftSum(lengths)).as("complete code at limit %d", limit).isEqualTo(1.0);
        }
    }

    @Test
    void randomHistogramsGiveCompletePrefixFreeCodes() {
        Random r = new Random(3);
        for (int round = 0; round < 100; round++) {
            int[] histogram = new int[1 + r.nextInt(280)];
            for (int i = 0; i < histogram.length; i++) {
                histogram[i] = r.nextInt(4) == 0 ? 0 : r.nextInt(1 + r.nextInt(100000));
            }
            HuffmanCode code = HuffmanCode.fromHistogram(histogram, 15);
            long used = java.util.Arrays.stream(histogram).filter(c -> c != 0).count();
            assertThat(code.used).hasSize((int) used);
            if (used >= 2) {
                assertThat(kraftSum(code.lengths)).isEqualTo(1.0);
                assertPrefixFree(code);
            }
        }
    }

    @Test
    void oneSymbolCostsNoBitsAndNoSymbolsGiveAnEmptyCode() {
        int[] one = new int[256];
        one[42] = 1000;
        HuffmanCode single = HuffmanCode.fromHistogram(one, 15);
        assertThat(single.isTrivial()).isTrue();
        assertThat(single.used).containsExactly(42);
        assertThat(HuffmanCode.fromHistogram(new int[256], 15).used).isEmpty();
    }

    @Test
    void twoSymbolsGetOneBitEachSmallerSymbolFirst() {
        int[] two = new int[256];
        two[200] = 5;
        two[7] = 1000;
        HuffmanCode code = HuffmanCode.fromHistogram(two, 15);
        assertThat(code.lengths[7]).isEqualTo(1);
        assertThat(code.lengths[200]).isEqualTo(1);
        // Canonical order: the smaller symbol gets code 0, as decoders rebuild a 2-symbol simple code.
        assertThat(code.codes[7]).isZero();
        assertThat(code.codes[200]).isEqualTo(1);
    }

    private static double kraftSum(int[] lengths) {
        double sum = 0;
        for (int len : lengths) {
            if (len > 0) {
                sum += Math.pow(2, -len);
            }
        }
        return sum;
    }

    private static void assertPrefixFree(HuffmanCode code) {
        for (int s : code.used) {
            for (int t : code.used) {
                if (s == t) {
                    continue;
                }
                int ls = code.lengths[s];
                int lt = code.lengths[t];
                if (ls <= lt) {
                    // Codes are stored bit-reversed (LSB first), so a prefix is a match of the low bits.
                    int mask = (1 << ls) - 1;
                    assertThat(code.codes[t] & mask).as("code of %d is a prefix of %d's", s, t)
                            .isNotEqualTo(code.codes[s]);
                }
            }
        }
    }
}
