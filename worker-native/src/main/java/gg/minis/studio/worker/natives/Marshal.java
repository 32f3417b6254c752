package gg.minis.studio.worker.natives;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import gg.minis.studio.worker.natives.ffi.sw_error;
import gg.minis.studio.worker.natives.ffi.sw_image;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Conversions between Java values and studio_worker.h structs. */
final class Marshal {
    private Marshal() {}

    static MemorySegment cstr(Arena arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }

    static MemorySegment cstr(Arena arena, Path p) {
        return p == null ? MemorySegment.NULL : arena.allocateFrom(p.toString());
    }

    static int flag(boolean b) {
        return b ? 1 : 0;
    }

    /** A NUL-terminated UTF-8 string owned by native code, or {@code null} for NULL. */
    static String string(MemorySegment ptr) {
        if (ptr == null || ptr.address() == 0) {
            return null;
        }
        return ptr.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** The message of an sw_error, read within its fixed buffer even if a backend forgot the NUL. */
    static String errorMessage(MemorySegment err) {
        MemorySegment msg = sw_error.message(err);
        int n = 0;
        while (n < msg.byteSize() && msg.get(JAVA_BYTE, n) != 0) {
            n++;
        }
        String s = new String(msg.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
        return s.isEmpty() ? "(the backend gave no message)" : s;
    }

    static NativeException error(int rc, MemorySegment err) {
        return new NativeException(rc, errorMessage(err));
    }

    /** A new sw_image in {@code arena} with a copy of the pixels, or NULL for {@code null}. */
    static MemorySegment image(Arena arena, ImagePixels img) {
        if (img == null) {
            return MemorySegment.NULL;
        }
        MemorySegment s = sw_image.allocate(arena);
        fillImage(s, arena, img);
        return s;
    }

    static void fillImage(MemorySegment s, Arena arena, ImagePixels img) {
        sw_image.width(s, img.width());
        sw_image.height(s, img.height());
        sw_image.channels(s, img.channels());
        sw_image.data(s, arena.allocateFrom(JAVA_BYTE, img.data()));
    }

    /** A Java copy of a backend-filled sw_image (which the caller still has to free). */
    static ImagePixels copyImage(MemorySegment s) {
        long w = Integer.toUnsignedLong(sw_image.width(s));
        long h = Integer.toUnsignedLong(sw_image.height(s));
        long c = Integer.toUnsignedLong(sw_image.channels(s));
        MemorySegment data = sw_image.data(s);
        if (data.address() == 0) {
            throw new NativeException(SwStatus.BACKEND.code(), "the backend reported success but returned no pixels");
        }
        long len = w * h * c;
        if (w == 0 || h == 0 || c == 0 || c > 4 || len > Integer.MAX_VALUE - 8) {
            throw new NativeException(SwStatus.BACKEND.code(),
                    "the backend returned an image of invalid shape " + w + "x" + h + "x" + c);
        }
        byte[] bytes = data.reinterpret(len).toArray(JAVA_BYTE);
        return new ImagePixels((int) w, (int) h, (int) c, bytes);
    }
}
