package gg.minis.studio.worker.engines.media;

import java.util.Arrays;

/**
 * A canonical, length-limited prefix code built from a symbol histogram, in the form VP8L wants:
 * code lengths (what goes into the header) and bit-reversed codes (what goes into the LSB-first stream).
 */
final class HuffmanCode {
    final int[] lengths;
    /** Codes already bit-reversed, so they can be handed to {@link BitWriter#write} as they are. */
    final int[] codes;
    /** Symbols with a non-zero length, ascending. */
    final int[] used;

    private HuffmanCode(int[] lengths, int[] codes, int[] used) {
        this.lengths = lengths;
        this.codes = codes;
        this.used = used;
    }

    /**
     * A decoder reads zero bits for a code with a single symbol, whatever its length, so the encoder
     * must write none either.
     */
    boolean isTrivial() {
        return used.length <= 1;
    }

    void write(BitWriter w, int symbol) {
        w.write(codes[symbol], lengths[symbol]);
    }

    static HuffmanCode fromHistogram(int[] histogram, int maxLength) {
        int[] lengths = codeLengths(histogram, maxLength);
        int[] used = new int[histogram.length];
        int n = 0;
        for (int s = 0; s < lengths.length; s++) {
            if (lengths[s] != 0) {
                used[n++] = s;
            }
        }
        used = Arrays.copyOf(used, n);
        int[] codes = new int[lengths.length];
        if (n > 1) {
            // Canonical assignment (shorter codes first, then by symbol), as the decoder rebuilds it.
            int[] count = new int[maxLength + 1];
            for (int len : lengths) {
                count[len]++;
            }
            count[0] = 0;
            int[] next = new int[maxLength + 2];
            int code = 0;
            for (int len = 1; len <= maxLength; len++) {
                code = (code + count[len - 1]) << 1;
                next[len] = code;
            }
            for (int s = 0; s < lengths.length; s++) {
                int len = lengths[s];
                if (len != 0) {
                    codes[s] = Integer.reverse(next[len]++) >>> (32 - len);
                }
            }
        }
        return new HuffmanCode(lengths, codes, used);
    }

    /**
     * Huffman code lengths limited to {@code maxLength}. When the optimal tree is too deep, small counts
     * are raised to a floor that doubles until it fits (the tree flattens as counts even out); this keeps
     * the code complete, which decoders require, at a negligible cost in size.
     */
    static int[] codeLengths(int[] histogram, int maxLength) {
        int size = histogram.length;
        int[] lengths = new int[size];
        int[] symbols = new int[size];
        int m = 0;
        for (int s = 0; s < size; s++) {
            if (histogram[s] != 0) {
                symbols[m++] = s;
            }
        }
        if (m == 0) {
            return lengths;
        }
        if (m == 1) {
            lengths[symbols[0]] = 1;
            return lengths;
        }
        long[] weight = new long[2 * m - 1];
        int[] parent = new int[2 * m - 1];
        int[] depth = new int[2 * m - 1];
        Integer[] order = new Integer[m];
        for (long floor = 1; ; floor *= 2) {
            for (int i = 0; i < m; i++) {
                order[i] = symbols[i];
            }
            long f = floor;
            // Stable order by (weight, symbol) keeps the output deterministic.
            Arrays.sort(order, (a, b) -> {
                int c = Long.compare(Math.max(histogram[a], f), Math.max(histogram[b], f));
                return c != 0 ? c : Integer.compare(a, b);
            });
            for (int i = 0; i < m; i++) {
                weight[i] = Math.max(histogram[order[i]], floor);
            }
            // Two-queue construction: leaves are sorted and merged nodes come out in non-decreasing order.
            int leaf = 0;
            int node = m;
            int next = m;
            while (next < 2 * m - 1) {
                int a = (leaf < m && (node >= next || weight[leaf] <= weight[node])) ? leaf++ : node++;
                int b = (leaf < m && (node >= next || weight[leaf] <= weight[node])) ? leaf++ : node++;
                weight[next] = weight[a] + weight[b];
                parent[a] = next;
                parent[b] = next;
                next++;
            }
            int root = 2 * m - 2;
            depth[root] = 0;
            int maxDepth = 0;
            // A parent is always created after its children, so one backward sweep fills all depths.
            for (int i = root - 1; i >= 0; i--) {
                depth[i] = depth[parent[i]] + 1;
                if (i < m) {
                    maxDepth = Math.max(maxDepth, depth[i]);
                }
            }
            if (maxDepth <= maxLength) {
                for (int i = 0; i < m; i++) {
                    lengths[order[i]] = depth[i];
                }
                return lengths;
            }
        }
    }
}
