package gg.minis.studio.worker.natives;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The other JVMs of {@code NativeLibraryLoaderTest.jvmsShareOneExtractedCopy}; arguments {@code CACHE_DIR NATIVES_JAR
 * GO_FILE}. Waits for {@code GO_FILE} to exist (so several of these extract at the same moment), then finds
 * {@code sw_testbackend} in {@code NATIVES_JAR} only (a class loader over that jar alone, as an application with the
 * classifier jar on its class path has), extracting it into {@code CACHE_DIR}, loads it, and prints
 * {@code <source> abi=<abi version> <path>}.
 */
public final class ExtractingJvm {
    private ExtractingJvm() {}

    public static void main(String[] args) throws Exception {
        Path cache = Path.of(args[0]);
        Path nativesJar = Path.of(args[1]);
        Path go = Path.of(args[2]);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Files.exists(go)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no " + go + " after 60 s");
            }
            Thread.sleep(2);
        }
        try (URLClassLoader jarOnly = new URLClassLoader(new URL[] {nativesJar.toUri().toURL()}, null)) {
            NativeLibraryLoader loader = NativeLibraryLoader.builder().cacheDirectory(cache).environment(k -> null)
                    .classLoader(jarOnly).build();
            NativeLibraryLoader.Located located = loader.locate(TestBackend.NAME);
            int abi;
            try (NativeBackend backend = NativeBackend.load(loader, TestBackend.NAME)) {
                abi = backend.info().abiVersion();
            }
            System.out.println(located.source() + " abi=" + abi + " " + located.path());
        }
    }
}
