package gg.minis.studio.worker.engines.media;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

/**
 * Lossless WebP (VP8L, RFC 9649) encoder in plain Java.
 *
 * <p>Pipeline per image: subtract-green transform, then a predictor transform with one of the 14 modes chosen
 * per 16x16 block, then the residuals are entropy-coded with one group of Huffman codes built from their
 * histograms. Stretches of residuals that repeat a near neighbour (left, above, diagonals, periods of 2 to 4
 * pixels or rows) become LZ77 backward references, which makes flat areas and smooth or stepped gradients nearly
 * free. No colour cache, no meta prefix codes, no cross-colour or palette transform, no hash-chain match search:
 * those would only shave off more bytes.
 * Output depends only on the pixels, so the same input always gives the same bytes.
 */
public final class WebpEncoder {
    static final int MAX_DIMENSION = 16384;

    private static final int SIGNATURE = 0x2f;
    private static final int PREDICTOR_TRANSFORM = 0;
    private static final int SUBTRACT_GREEN_TRANSFORM = 2;
    private static final int PREDICTOR_BITS = 4;
    private static final int NUM_LENGTH_CODES = 24;
    private static final int NUM_DISTANCE_CODES = 40;
    private static final int MAX_BACKREF_LENGTH = 4096;
    private static final int MIN_BACKREF_LENGTH = 3;
    /**
     * RFC 9649's distance map: distance code c (1..120) copies from the pixel xi columns left and yi rows up of
     * the current one, for (xi, yi) = DISTANCE_MAP[c - 1]. Short codes for near neighbours make such copies cheap.
     */
    private static final int[][] DISTANCE_MAP = {
        {0, 1}, {1, 0}, {1, 1}, {-1, 1}, {0, 2}, {2, 0}, {1, 2}, {-1, 2},
        {2, 1}, {-2, 1}, {2, 2}, {-2, 2}, {0, 3}, {3, 0}, {1, 3}, {-1, 3},
        {3, 1}, {-3, 1}, {2, 3}, {-2, 3}, {3, 2}, {-3, 2}, {0, 4}, {4, 0},
        {1, 4}, {-1, 4}, {4, 1}, {-4, 1}, {3, 3}, {-3, 3}, {2, 4}, {-2, 4},
        {4, 2}, {-4, 2}, {0, 5}, {3, 4}, {-3, 4}, {4, 3}, {-4, 3}, {5, 0},
        {1, 5}, {-1, 5}, {5, 1}, {-5, 1}, {2, 5}, {-2, 5}, {5, 2}, {-5, 2},
        {4, 4}, {-4, 4}, {3, 5}, {-3, 5}, {5, 3}, {-5, 3}, {0, 6}, {6, 0},
        {1, 6}, {-1, 6}, {6, 1}, {-6, 1}, {2, 6}, {-2, 6}, {6, 2}, {-6, 2},
        {4, 5}, {-4, 5}, {5, 4}, {-5, 4}, {3, 6}, {-3, 6}, {6, 3}, {-6, 3},
        {0, 7}, {7, 0}, {1, 7}, {-1, 7}, {5, 5}, {-5, 5}, {7, 1}, {-7, 1},
        {4, 6}, {-4, 6}, {6, 4}, {-6, 4}, {2, 7}, {-2, 7}, {7, 2}, {-7, 2},
        {3, 7}, {-3, 7}, {7, 3}, {-7, 3}, {5, 6}, {-5, 6}, {6, 5}, {-6, 5},
        {8, 0}, {4, 7}, {-4, 7}, {7, 4}, {-7, 4}, {8, 1}, {8, 2}, {6, 6},
        {-6, 6}, {8, 3}, {5, 7}, {-5, 7}, {7, 5}, {-7, 5}, {8, 4}, {6, 7},
        {-6, 7}, {7, 6}, {-7, 6}, {8, 5}, {7, 7}, {-7, 7}, {8, 6}, {8, 7},
    };
    /**
     * The distance codes tried as copy sources, cheapest first: the left and upper neighbours (runs and
     * repeated rows), the diagonals, and short horizontal/vertical periods (dithering, stripes, stepped gradients).
     * Checking a handful of fixed neighbours instead of a hash chain keeps the search linear and cheap.
     */
    private static final int[] BACKREF_CODES = {2, 1, 3, 4, 6, 5, 14, 13, 24, 23};
    private static final int MAX_CODE_LENGTH = 15;
    private static final int MAX_CODE_LENGTH_CODE_LENGTH = 7;
    private static final int[] CODE_LENGTH_ORDER = {17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    private static final int ARGB_BLACK = 0xff000000;

    /** Rough bit cost of a residual byte, for choosing predictors: small magnitudes (either sign) are cheap. */
    private static final int[] RESIDUAL_COST = new int[256];

    static {
        for (int v = 0; v < 256; v++) {
            int magnitude = Math.min(v, 256 - v);
            RESIDUAL_COST[v] = (int) Math.round(8 * Math.log(1 + magnitude) / Math.log(2));
        }
    }

    private WebpEncoder() {
    }

    /** A RIFF/WEBP file with one VP8L chunk. */
    public static byte[] encode(BufferedImage image) {
        if (image == null) {
            throw new IllegalArgumentException("image is null");
        }
        int[] argb = pixels(image);
        byte[] vp8l = encodeVp8l(argb, image.getWidth(), image.getHeight());
        ByteArrayOutputStream body = new ByteArrayOutputStream(vp8l.length + 16);
        body.writeBytes(new byte[] {'W', 'E', 'B', 'P'});
        writeChunk(body, "VP8L", vp8l);
        return riff(body);
    }

    /**
     * An animated WebP that loops forever: VP8X (animation flag), ANIM, then one ANMF per frame, each holding
     * a VP8L bitstream of the whole canvas. Frames do not blend, so each one shows exactly its own pixels.
     */
    public static byte[] encodeAnimation(List<BufferedImage> frames, int frameDurationMs) {
        if (frames == null || frames.isEmpty()) {
            throw new IllegalArgumentException("an animation needs at least one frame");
        }
        if (frameDurationMs < 0 || frameDurationMs > 0xffffff) {
            throw new IllegalArgumentException("frame duration must be 0.." + 0xffffff + " ms, got " + frameDurationMs);
        }
        BufferedImage first = frames.getFirst();
        if (first == null) {
            throw new IllegalArgumentException("frame 0 is null");
        }
        int width = first.getWidth();
        int height = first.getHeight();
        checkSize(width, height);
        boolean anyAlpha = false;
        ByteArrayOutputStream anmfChunks = new ByteArrayOutputStream();
        for (int i = 0; i < frames.size(); i++) {
            BufferedImage frame = frames.get(i);
            if (frame == null) {
                throw new IllegalArgumentException("frame " + i + " is null");
            }
            if (frame.getWidth() != width || frame.getHeight() != height) {
                throw new IllegalArgumentException("frame " + i + " is " + frame.getWidth() + "x" + frame.getHeight()
                        + " but frame 0 is " + width + "x" + height + "; all frames must have the same size");
            }
            int[] argb = pixels(frame);
            anyAlpha |= usesAlpha(argb);
            byte[] vp8l = encodeVp8l(argb, width, height);
            ByteArrayOutputStream anmf = new ByteArrayOutputStream(vp8l.length + 32);
            writeUint24(anmf, 0); // x offset / 2
            writeUint24(anmf, 0); // y offset / 2
            writeUint24(anmf, width - 1);
            writeUint24(anmf, height - 1);
            writeUint24(anmf, frameDurationMs);
            anmf.write(0b10); // do not blend, do not dispose: the next frame covers the canvas anyway
            writeChunk(anmf, "VP8L", vp8l);
            writeChunk(anmfChunks, "ANMF", anmf.toByteArray());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(anmfChunks.size() + 64);
        body.writeBytes(new byte[] {'W', 'E', 'B', 'P'});
        ByteArrayOutputStream vp8x = new ByteArrayOutputStream(10);
        vp8x.write((anyAlpha ? 0x10 : 0) | 0x02); // alpha and animation flags
        writeUint24(vp8x, 0); // reserved
        writeUint24(vp8x, width - 1);
        writeUint24(vp8x, height - 1);
        writeChunk(body, "VP8X", vp8x.toByteArray());
        ByteArrayOutputStream anim = new ByteArrayOutputStream(6);
        anim.writeBytes(new byte[] {0, 0, 0, 0}); // background colour (BGRA), only a hint to players
        anim.write(0); // loop count 0 = forever
        anim.write(0);
        writeChunk(body, "ANIM", anim.toByteArray());
        body.writeBytes(anmfChunks.toByteArray());
        return riff(body);
    }

    // ---- container ----

    private static byte[] riff(ByteArrayOutputStream body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.size() + 8);
        out.writeBytes(new byte[] {'R', 'I', 'F', 'F'});
        writeUint32(out, body.size());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static void writeChunk(ByteArrayOutputStream out, String fourcc, byte[] payload) {
        for (int i = 0; i < 4; i++) {
            out.write(fourcc.charAt(i));
        }
        writeUint32(out, payload.length);
        out.writeBytes(payload);
        if ((payload.length & 1) != 0) {
            out.write(0); // RIFF chunks are padded to an even size; the size field excludes the pad
        }
    }

    private static void writeUint24(ByteArrayOutputStream out, int v) {
        out.write(v);
        out.write(v >>> 8);
        out.write(v >>> 16);
    }

    private static void writeUint32(ByteArrayOutputStream out, int v) {
        writeUint24(out, v);
        out.write(v >>> 24);
    }

    // ---- pixels ----

    private static void checkSize(int width, int height) {
        if (width < 1 || height < 1 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
            throw new IllegalArgumentException("WebP images must be 1.." + MAX_DIMENSION + " pixels on each side, got "
                    + width + "x" + height);
        }
    }

    private static int[] pixels(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        checkSize(w, h);
        int type = image.getType();
        if (type == BufferedImage.TYPE_INT_ARGB || type == BufferedImage.TYPE_INT_RGB) {
            // Raw raster copy: much faster than getRGB's per-pixel colour-model conversion.
            int[] px = (int[]) image.getRaster().getDataElements(0, 0, w, h, null);
            if (type == BufferedImage.TYPE_INT_RGB) {
                for (int i = 0; i < px.length; i++) {
                    px[i] |= ARGB_BLACK;
                }
            }
            return px;
        }
        return image.getRGB(0, 0, w, h, null, 0, w);
    }

    private static boolean usesAlpha(int[] argb) {
        for (int p : argb) {
            if ((p >>> 24) != 0xff) {
                return true;
            }
        }
        return false;
    }

    // ---- VP8L bitstream ----

    /** The VP8L bitstream for {@code argb}, which it overwrites (callers hand over a private copy). */
    static byte[] encodeVp8l(int[] argb, int width, int height) {
        checkSize(width, height);
        BitWriter w = new BitWriter(Math.min(width * height, 1 << 20) + 64);
        w.write(SIGNATURE, 8);
        w.write(width - 1, 14);
        w.write(height - 1, 14);
        w.write(usesAlpha(argb) ? 1 : 0, 1);
        w.write(0, 3); // version

        int[] px = argb;
        subtractGreen(px);
        w.write(1, 1);
        w.write(SUBTRACT_GREEN_TRANSFORM, 2);

        w.write(1, 1);
        w.write(PREDICTOR_TRANSFORM, 2);
        w.write(PREDICTOR_BITS - 2, 3);
        int tilesX = subSampleSize(width, PREDICTOR_BITS);
        int tilesY = subSampleSize(height, PREDICTOR_BITS);
        int[] modes = choosePredictors(px, width, height, tilesX, tilesY);
        int[] modeImage = new int[modes.length];
        for (int i = 0; i < modes.length; i++) {
            modeImage[i] = ARGB_BLACK | (modes[i] << 8); // the mode lives in the green channel
        }
        writeEntropyCodedImage(w, modeImage, tilesX, false);
        predictResiduals(px, width, height, modes, tilesX);

        w.write(0, 1); // no more transforms
        writeEntropyCodedImage(w, px, width, true);
        return w.toByteArray();
    }

    private static int subSampleSize(int size, int bits) {
        return (size + (1 << bits) - 1) >>> bits;
    }

    /** Green is usually correlated with red and blue, so storing red-green and blue-green shrinks them. */
    private static void subtractGreen(int[] px) {
        for (int i = 0; i < px.length; i++) {
            int p = px[i];
            int g = (p >>> 8) & 0xff;
            int rb = ((((p >>> 16) - g) & 0xff) << 16) | ((p - g) & 0xff);
            px[i] = (p & 0xff00ff00) | rb;
        }
    }

    // ---- predictor transform ----

    private static int[] choosePredictors(int[] px, int width, int height, int tilesX, int tilesY) {
        int[] modes = new int[tilesX * tilesY];
        int tile = 1 << PREDICTOR_BITS;
        long[] cost = new long[14];
        for (int ty = 0; ty < tilesY; ty++) {
            for (int tx = 0; tx < tilesX; tx++) {
                Arrays.fill(cost, 0);
                int y0 = Math.max(1, ty * tile);
                int y1 = Math.min(height, (ty + 1) * tile);
                int x0 = Math.max(1, tx * tile);
                int x1 = Math.min(width, (tx + 1) * tile);
                // Border pixels use fixed predictors whatever the mode, so only interior pixels vote.
                for (int y = y0; y < y1; y++) {
                    int row = y * width;
                    for (int x = x0; x < x1; x++) {
                        int i = row + x;
                        int p = px[i];
                        int l = px[i - 1];
                        int t = px[i - width];
                        int tl = px[i - width - 1];
                        int tr = px[i - width + 1];
                        for (int mode = 0; mode < 14; mode++) {
                            cost[mode] += residualCost(sub(p, predict(mode, l, t, tl, tr)));
                        }
                    }
                }
                int best = 0;
                for (int mode = 1; mode < 14; mode++) {
                    if (cost[mode] < cost[best]) {
                        best = mode;
                    }
                }
                modes[ty * tilesX + tx] = best;
            }
        }
        return modes;
    }

    /**
     * Replaces every pixel by its prediction residual, in place. Going backwards means the neighbours a pixel is
     * predicted from (left, above, above-left, above-right: all earlier in scan order) are still original values.
     */
    private static void predictResiduals(int[] px, int width, int height, int[] modes, int tilesX) {
        for (int y = height - 1; y >= 1; y--) {
            int row = y * width;
            int modeRow = (y >>> PREDICTOR_BITS) * tilesX;
            for (int x = width - 1; x >= 1; x--) {
                int i = row + x;
                int mode = modes[modeRow + (x >>> PREDICTOR_BITS)];
                // For the rightmost column "top-right" is, by the spec's linear addressing, the row's first pixel.
                px[i] = sub(px[i], predict(mode, px[i - 1], px[i - width], px[i - width - 1], px[i - width + 1]));
            }
            px[row] = sub(px[row], px[row - width]); // left column: predicted from above
        }
        for (int x = width - 1; x >= 1; x--) {
            px[x] = sub(px[x], px[x - 1]); // top row: predicted from the left
        }
        px[0] = sub(px[0], ARGB_BLACK);
    }

    private static int residualCost(int p) {
        return RESIDUAL_COST[p >>> 24] + RESIDUAL_COST[(p >>> 16) & 0xff] + RESIDUAL_COST[(p >>> 8) & 0xff]
                + RESIDUAL_COST[p & 0xff];
    }

    static int predict(int mode, int l, int t, int tl, int tr) {
        return switch (mode) {
            case 0 -> ARGB_BLACK;
            case 1 -> l;
            case 2 -> t;
            case 3 -> tr;
            case 4 -> tl;
            case 5 -> average2(average2(l, tr), t);
            case 6 -> average2(l, tl);
            case 7 -> average2(l, t);
            case 8 -> average2(tl, t);
            case 9 -> average2(t, tr);
            case 10 -> average2(average2(l, tl), average2(t, tr));
            case 11 -> select(l, t, tl);
            case 12 -> clampAddSubtractFull(l, t, tl);
            case 13 -> clampAddSubtractHalf(average2(l, t), tl);
            default -> throw new IllegalArgumentException("predictor mode " + mode);
        };
    }

    /** Per-channel difference modulo 256; the 0xff offsets stop borrows from crossing into the next channel. */
    private static int sub(int a, int b) {
        int alphaGreen = 0x00ff00ff + (a & 0xff00ff00) - (b & 0xff00ff00);
        int redBlue = 0xff00ff00 + (a & 0x00ff00ff) - (b & 0x00ff00ff);
        return (alphaGreen & 0xff00ff00) | (redBlue & 0x00ff00ff);
    }

    private static int average2(int a, int b) {
        return (((a ^ b) & 0xfefefefe) >>> 1) + (a & b);
    }

    private static int select(int l, int t, int tl) {
        // Manhattan distance of the gradient estimate L+T-TL to L is sum|T-TL|, to T is sum|L-TL|.
        int toL = 0;
        int toT = 0;
        for (int shift = 0; shift < 32; shift += 8) {
            int cl = (l >>> shift) & 0xff;
            int ct = (t >>> shift) & 0xff;
            int ctl = (tl >>> shift) & 0xff;
            toL += Math.abs(ct - ctl);
            toT += Math.abs(cl - ctl);
        }
        return toL < toT ? l : t;
    }

    private static int clampAddSubtractFull(int a, int b, int c) {
        int out = 0;
        for (int shift = 0; shift < 32; shift += 8) {
            int v = ((a >>> shift) & 0xff) + ((b >>> shift) & 0xff) - ((c >>> shift) & 0xff);
            out |= clamp255(v) << shift;
        }
        return out;
    }

    private static int clampAddSubtractHalf(int a, int b) {
        int out = 0;
        for (int shift = 0; shift < 32; shift += 8) {
            int ca = (a >>> shift) & 0xff;
            int cb = (b >>> shift) & 0xff;
            out |= clamp255(ca + (ca - cb) / 2) << shift; // '/' truncates toward zero, as the spec's C does
        }
        return out;
    }

    private static int clamp255(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    // ---- entropy-coded image ----

    /**
     * Writes one entropy-coded image: colour-cache flag, (main image only) meta-prefix flag, five prefix codes,
     * then the symbols. {@code px} are the values after all transforms.
     */
    private static void writeEntropyCodedImage(BitWriter w, int[] px, int width, boolean mainImage) {
        w.write(0, 1); // no colour cache
        if (mainImage) {
            w.write(0, 1); // a single prefix-code group for the whole image
        }
        int[] refs = findBackwardReferences(px, width);

        int[] green = new int[256 + NUM_LENGTH_CODES];
        int[] red = new int[256];
        int[] blue = new int[256];
        int[] alpha = new int[256];
        int[] dist = new int[NUM_DISTANCE_CODES];
        for (int i = 0; i < px.length; ) {
            int ref = refs[i];
            if (ref == 0) {
                int p = px[i];
                green[(p >>> 8) & 0xff]++;
                red[(p >>> 16) & 0xff]++;
                blue[p & 0xff]++;
                alpha[p >>> 24]++;
                i++;
            } else {
                int len = ref >>> 8;
                green[256 + prefixCode(len)]++;
                dist[prefixCode(ref & 0xff)]++;
                i += len;
            }
        }
        HuffmanCode g = writePrefixCode(w, green);
        HuffmanCode r = writePrefixCode(w, red);
        HuffmanCode b = writePrefixCode(w, blue);
        HuffmanCode a = writePrefixCode(w, alpha);
        HuffmanCode d = writePrefixCode(w, dist);
        boolean gw = !g.isTrivial();
        boolean rw = !r.isTrivial();
        boolean bw = !b.isTrivial();
        boolean aw = !a.isTrivial();
        boolean dw = !d.isTrivial();
        for (int i = 0; i < px.length; ) {
            int ref = refs[i];
            if (ref == 0) {
                int p = px[i];
                if (gw) g.write(w, (p >>> 8) & 0xff);
                if (rw) r.write(w, (p >>> 16) & 0xff);
                if (bw) b.write(w, p & 0xff);
                if (aw) a.write(w, p >>> 24);
                i++;
            } else {
                int len = ref >>> 8;
                int lenCode = prefixCode(len);
                if (gw) g.write(w, 256 + lenCode);
                w.write(prefixExtraValue(len), prefixExtraBits(lenCode));
                int distValue = ref & 0xff;
                int distCode = prefixCode(distValue);
                if (dw) d.write(w, distCode);
                w.write(prefixExtraValue(distValue), prefixExtraBits(distCode));
                i += len;
            }
        }
    }

    /**
     * Greedy copy detection against the {@link #BACKREF_CODES} neighbours: {@code refs[i] = length << 8 | code}
     * for a copy starting at pixel i, 0 for a literal. The longest match wins; ties go to the cheaper code.
     */
    private static int[] findBackwardReferences(int[] px, int width) {
        int n = px.length;
        int[] codes = new int[BACKREF_CODES.length];
        int[] dists = new int[BACKREF_CODES.length];
        int k = 0;
        for (int code : BACKREF_CODES) {
            int[] xy = DISTANCE_MAP[code - 1];
            int d = xy[0] + xy[1] * width;
            if (Math.abs(xy[0]) > width || d < 1) {
                // Only narrow images get here. The spec defines these codes (linear distance, clamped to 1), but
                // some decoders (TwelveMonkeys 3.12) resolve them in 2-D with a single row wrap and fail, so skip.
                continue;
            }
            boolean seen = false;
            for (int j = 0; j < k; j++) {
                seen |= dists[j] == d;
            }
            if (!seen) {
                codes[k] = code;
                dists[k++] = d;
            }
        }
        int[] refs = new int[n];
        int i = 1; // the first pixel has nothing to copy from
        while (i < n) {
            int limit = Math.min(MAX_BACKREF_LENGTH, n - i);
            int bestLen = 0;
            int bestCode = 0;
            for (int j = 0; j < k; j++) {
                int d = dists[j];
                if (d > i) {
                    continue;
                }
                int len = 0;
                while (len < limit && px[i + len] == px[i + len - d]) {
                    len++;
                }
                if (len > bestLen) {
                    bestLen = len;
                    bestCode = codes[j];
                    if (len == limit) {
                        break;
                    }
                }
            }
            if (bestLen >= MIN_BACKREF_LENGTH) {
                refs[i] = bestLen << 8 | bestCode;
                i += bestLen;
            } else {
                i++;
            }
        }
        return refs;
    }

    /** LZ77 prefix coding of a length or distance code (value >= 1): the prefix symbol. */
    static int prefixCode(int value) {
        int d = value - 1;
        if (d < 4) {
            return d;
        }
        int highest = 31 - Integer.numberOfLeadingZeros(d);
        int second = (d >>> (highest - 1)) & 1;
        return 2 * highest + second;
    }

    static int prefixExtraBits(int code) {
        return code < 4 ? 0 : (code - 2) >>> 1;
    }

    static int prefixExtraValue(int value) {
        int d = value - 1;
        if (d < 4) {
            return 0;
        }
        int highest = 31 - Integer.numberOfLeadingZeros(d);
        return d & ((1 << (highest - 1)) - 1);
    }

    // ---- prefix code headers ----

    /** Builds the code for {@code histogram} and writes its description; returns it for writing symbols. */
    private static HuffmanCode writePrefixCode(BitWriter w, int[] histogram) {
        HuffmanCode code = HuffmanCode.fromHistogram(histogram, MAX_CODE_LENGTH);
        int[] used = code.used;
        if (used.length == 0 || (used.length <= 2 && used[used.length - 1] < 256)) {
            // "Simple" code: one or two 8-bit symbols listed directly. An unused alphabet is sent as the single
            // symbol 0, because a prefix code without any symbol is invalid.
            int first = used.length == 0 ? 0 : used[0];
            w.write(1, 1);
            w.write(Math.max(used.length, 1) - 1, 1);
            if (first < 2) {
                w.write(0, 1);
                w.write(first, 1);
            } else {
                w.write(1, 1);
                w.write(first, 8);
            }
            if (used.length == 2) {
                w.write(used[1], 8);
            }
            return code;
        }
        w.write(0, 1);
        writeCodeLengths(w, code.lengths);
        return code;
    }

    /** Normal code: the code lengths themselves, run-length coded with symbols 16/17/18 and their own code. */
    private static void writeCodeLengths(BitWriter w, int[] lengths) {
        int n = lengths.length;
        int[] tokens = new int[n];
        int[] extras = new int[n];
        int count = 0;
        int prev = 8; // the decoder's initial "previous non-zero length" for code 16
        for (int i = 0; i < n; ) {
            int v = lengths[i];
            int run = 1;
            while (i + run < n && lengths[i + run] == v) {
                run++;
            }
            i += run;
            if (v == 0) {
                while (run >= 11) {
                    int r = Math.min(run, 138);
                    tokens[count] = 18;
                    extras[count++] = r - 11;
                    run -= r;
                }
                if (run >= 3) {
                    tokens[count] = 17;
                    extras[count++] = run - 3;
                    run = 0;
                }
            } else {
                if (v != prev) {
                    tokens[count++] = v;
                    prev = v;
                    run--;
                }
                while (run >= 3) {
                    int r = Math.min(run, 6);
                    tokens[count] = 16;
                    extras[count++] = r - 3;
                    run -= r;
                }
            }
            while (run-- > 0) {
                tokens[count++] = v;
            }
        }
        int[] histogram = new int[19];
        for (int t = 0; t < count; t++) {
            histogram[tokens[t]]++;
        }
        HuffmanCode clCode = HuffmanCode.fromHistogram(histogram, MAX_CODE_LENGTH_CODE_LENGTH);
        int numCodes = CODE_LENGTH_ORDER.length;
        while (numCodes > 4 && clCode.lengths[CODE_LENGTH_ORDER[numCodes - 1]] == 0) {
            numCodes--;
        }
        w.write(numCodes - 4, 4);
        for (int k = 0; k < numCodes; k++) {
            w.write(clCode.lengths[CODE_LENGTH_ORDER[k]], 3);
        }
        w.write(0, 1); // max_symbol = alphabet size: every length is sent
        boolean trivial = clCode.isTrivial();
        for (int t = 0; t < count; t++) {
            int token = tokens[t];
            if (!trivial) {
                clCode.write(w, token);
            }
            switch (token) {
                case 16 -> w.write(extras[t], 2);
                case 17 -> w.write(extras[t], 3);
                case 18 -> w.write(extras[t], 7);
                default -> { }
            }
        }
    }
}
