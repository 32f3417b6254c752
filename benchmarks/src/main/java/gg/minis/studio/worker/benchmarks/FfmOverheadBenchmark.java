package gg.minis.studio.worker.benchmarks;

import gg.minis.studio.worker.natives.NativeBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What crossing the FFM boundary costs, against {@code sw_testbackend}: a trivial downcall
 * ({@code sw_abi_version}) vs the same trivial work as a (not inlined) Java call, and moving a 512x512 RGB image out
 * of native memory and 30 s of 16 kHz mono float audio into it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class FfmOverheadBenchmark {
    static final int IMAGE_BYTES = 512 * 512 * 3;
    static final int AUDIO_SAMPLES = 30 * 16_000;

    private NativeBackend backend;
    private Arena arena;
    private MethodHandle abiVersion;
    private MemorySegment nativeImage;
    private byte[] javaImage;
    private MemorySegment nativeAudio;
    private float[] javaAudio;

    @Setup(Level.Trial)
    public void load() {
        backend = NativeBackend.load("sw_testbackend");
        abiVersion = Linker.nativeLinker().downcallHandle(
                backend.symbolLookup().find("sw_abi_version").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT));
        arena = Arena.ofShared();
        nativeImage = arena.allocate(IMAGE_BYTES);
        nativeImage.fill((byte) 7);
        javaImage = new byte[IMAGE_BYTES];
        nativeAudio = arena.allocate(ValueLayout.JAVA_FLOAT, AUDIO_SAMPLES);
        javaAudio = new float[AUDIO_SAMPLES];
        for (int i = 0; i < AUDIO_SAMPLES; i++) {
            javaAudio[i] = (float) Math.sin(i * 0.01);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        arena.close();
        backend.close();
    }

    @Benchmark
    public int downcallTrivial() throws Throwable {
        return (int) abiVersion.invokeExact();
    }

    @Benchmark
    public int javaCallTrivial() {
        return javaAbiVersion();
    }

    @CompilerControl(CompilerControl.Mode.DONT_INLINE)
    private static int javaAbiVersion() {
        return 1;
    }

    /** A generated image is copied out of native memory once, into the Java array the encoder reads. */
    @Benchmark
    public byte[] image512RgbToJava() {
        MemorySegment.copy(nativeImage, ValueLayout.JAVA_BYTE, 0, javaImage, 0, IMAGE_BYTES);
        return javaImage;
    }

    /** Decoded PCM is copied once into native memory for the speech backend. */
    @Benchmark
    public MemorySegment audio30sToNative() {
        MemorySegment.copy(javaAudio, 0, nativeAudio, ValueLayout.JAVA_FLOAT, 0, AUDIO_SAMPLES);
        return nativeAudio;
    }
}
