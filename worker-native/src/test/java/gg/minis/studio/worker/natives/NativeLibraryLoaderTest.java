package gg.minis.studio.worker.natives;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibraryLoaderTest {
    private static final String NAME = TestBackend.NAME;
    private final Platform platform = Platform.current();
    private final String fileName = platform.libraryFileName(NAME);

    @TempDir
    Path tmp;

    @BeforeEach
    void requireTheTestBackend() {
        TestBackend.assumeBuilt();
    }

    private NativeLibraryLoader.Builder isolated() {
        return NativeLibraryLoader.builder().cacheDirectory(tmp.resolve("cache")).environment(k -> null);
    }

    /** A copy of the built library, as a user would install it. */
    private Path copyOfBuiltLibrary(Path dir) throws Exception {
        Files.createDirectories(dir);
        Path target = dir.resolve(fileName);
        try (var in = getClass().getClassLoader().getResourceAsStream(platform.resourcePath(NAME))) {
            Files.copy(in, target);
        }
        return target;
    }

    private static int abiVersionOf(NativeLibraryLoader loader) {
        try (NativeBackend backend = NativeBackend.load(loader, NAME)) {
            return backend.info().abiVersion();
        }
    }

    @Test
    void extractsTheClasspathLibraryOnceIntoAHashKeyedCacheAndReusesIt() throws Exception {
        NativeLibraryLoader.Located first = isolated().build().locate(NAME);
        assertThat(first.source()).isEqualTo(NativeLibraryLoader.Source.EXTRACTED);
        assertThat(first.path()).isEqualTo(tmp.resolve("cache").resolve(NativeLibraryLoader.hashFile(first.path()))
                .resolve(fileName));
        BasicFileAttributes before = Files.readAttributes(first.path(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Files.setLastModifiedTime(first.path(), FileTime.fromMillis(1_000_000_000_000L));

        // same loader, and a fresh loader (as a second JVM would be)
        for (NativeLibraryLoader loader : List.of(isolated().build(), isolated().build())) {
            NativeLibraryLoader.Located again = loader.locate(NAME);
            assertThat(again.source()).isEqualTo(NativeLibraryLoader.Source.CACHED);
            assertThat(again.path()).isEqualTo(first.path());
        }
        BasicFileAttributes after = Files.readAttributes(first.path(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertThat(after.fileKey()).as("same inode: not rewritten").isEqualTo(before.fileKey());
        assertThat(after.lastModifiedTime()).isEqualTo(FileTime.fromMillis(1_000_000_000_000L));
        try (var dir = Files.list(first.path().getParent())) {
            assertThat(dir).as("no temporary files left").containsExactly(first.path());
        }
        assertThat(abiVersionOf(isolated().build())).isEqualTo(1);
    }

    /**
     * Real JVMs, as the runner's users have them: four start extracting from the natives classifier jar into one empty
     * cache at the same moment, and all end up with the same complete, loadable file (temp file + atomic rename, no
     * temporary file left); a fifth JVM later finds it in place and neither rewrites nor replaces it.
     */
    @Test
    void jvmsShareOneExtractedCopy() throws Exception {
        String jarSetting = System.getProperty("natives.jar");
        assumeTrue(jarSetting != null, "natives.jar (the classifier jar) is set by worker-native's surefire configuration");
        Path nativesJar = Path.of(jarSetting);
        assertThat(nativesJar).as("the natives classifier jar, made before the tests run").isRegularFile();
        Path cache = tmp.resolve("shared-cache");
        Path go = tmp.resolve("go");

        List<Process> racing = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            racing.add(otherJvm(cache, nativesJar, go));
        }
        Files.writeString(go, "go");
        List<String> lines = new ArrayList<>();
        for (Process p : racing) {
            lines.add(outputOf(p));
        }
        Path extracted = Path.of(lines.getFirst().substring(lines.getFirst().lastIndexOf(' ') + 1));
        assertThat(lines).as("every JVM got the library and loaded it").allSatisfy(line ->
                assertThat(line).matches("(EXTRACTED|CACHED) abi=1 " + java.util.regex.Pattern.quote(extracted.toString())));
        assertThat(lines).as("someone extracted it").anyMatch(line -> line.startsWith("EXTRACTED"));
        assertThat(extracted.getParent().getParent()).isEqualTo(cache);
        assertThat(NativeLibraryLoader.hashFile(extracted)).isEqualTo(extracted.getParent().getFileName().toString());
        try (var dir = Files.list(extracted.getParent())) {
            assertThat(dir).as("no temporary files left").containsExactly(extracted);
        }

        BasicFileAttributes before = Files.readAttributes(extracted, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        Files.setLastModifiedTime(extracted, FileTime.fromMillis(1_000_000_000_000L));
        assertThat(outputOf(otherJvm(cache, nativesJar, go))).isEqualTo("CACHED abi=1 " + extracted);
        BasicFileAttributes after = Files.readAttributes(extracted, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        assertThat(after.fileKey()).as("same inode: not replaced").isEqualTo(before.fileKey());
        assertThat(after.lastModifiedTime()).as("not rewritten").isEqualTo(FileTime.fromMillis(1_000_000_000_000L));
    }

    private static Process otherJvm(Path cache, Path nativesJar, Path go) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-Xmx64m",
                "-cp", System.getProperty("java.class.path"), ExtractingJvm.class.getName(),
                cache.toString(), nativesJar.toString(), go.toString())
                .redirectErrorStream(true).start();
    }

    /** The last line the JVM printed (slf4j's "no provider" notice may come first); fails unless it exits with 0. */
    private static String outputOf(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)).as("the other JVM ends").isTrue();
        assertThat(p.exitValue()).as("exit status of the other JVM; its output:%n%s", out).isZero();
        String[] lines = out.strip().split("\\R");
        return lines[lines.length - 1];
    }

    @Test
    void aDamagedCachedCopyIsReplaced() throws Exception {
        Path cached = isolated().build().locate(NAME).path();
        Files.write(cached, new byte[] {1, 2, 3});
        NativeLibraryLoader.Located again = isolated().build().locate(NAME);
        assertThat(again.source()).isEqualTo(NativeLibraryLoader.Source.EXTRACTED);
        assertThat(NativeLibraryLoader.hashFile(again.path())).isEqualTo(cached.getParent().getFileName().toString());
    }

    @Test
    void concurrentExtractionsDoNotCollide() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Callable<Path>> tasks = java.util.stream.IntStream.range(0, 8)
                    .mapToObj(i -> (Callable<Path>) () -> isolated().build().locate(NAME).path()).toList();
            List<Path> paths = pool.invokeAll(tasks).stream().map(f -> {
                try {
                    return f.get();
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }).toList();
            assertThat(paths).hasSize(8).containsOnly(paths.getFirst());
            try (var dir = Files.list(paths.getFirst().getParent())) {
                assertThat(dir).containsExactly(paths.getFirst());
            }
            assertThat(abiVersionOf(isolated().build())).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aDirectoryOverrideWinsOverTheClasspath() throws Exception {
        Path lib = copyOfBuiltLibrary(tmp.resolve("override"));
        NativeLibraryLoader loader = isolated().directory(tmp.resolve("override")).build();
        assertThat(loader.locate(NAME)).isEqualTo(new NativeLibraryLoader.Located(NAME, lib, NativeLibraryLoader.Source.DIRECTORY));
        assertThat(abiVersionOf(loader)).isEqualTo(1);
        assertThat(tmp.resolve("cache")).doesNotExist();
    }

    @Test
    void aDirectoryMayUseThePlatformSubdirectoryLayout() throws Exception {
        Path lib = copyOfBuiltLibrary(tmp.resolve("natives").resolve(platform.id()));
        assertThat(isolated().directory(tmp.resolve("natives")).build().locate(NAME).path()).isEqualTo(lib);
    }

    @Test
    void theEnvironmentDirectoryIsUsedBeforeTheClasspath() throws Exception {
        Path lib = copyOfBuiltLibrary(tmp.resolve("env"));
        String dirs = tmp.resolve("nothing-here") + java.io.File.pathSeparator + tmp.resolve("env");
        NativeLibraryLoader loader = isolated()
                .environment(k -> k.equals(NativeLibraryLoader.ENV_NATIVE_DIR) ? dirs : null).build();
        NativeLibraryLoader.Located located = loader.locate(NAME);
        assertThat(located.source()).isEqualTo(NativeLibraryLoader.Source.ENVIRONMENT);
        assertThat(located.path()).isEqualTo(lib);
    }

    @Test
    void anExplicitFileIsUsedWhateverItsName() throws Exception {
        Path lib = copyOfBuiltLibrary(tmp.resolve("custom"));
        Path renamed = Files.move(lib, lib.resolveSibling("my-build-of-the-test-backend.so"));
        NativeLibraryLoader loader = isolated().libraryFile(NAME, renamed).build();
        assertThat(loader.locate(NAME).source()).isEqualTo(NativeLibraryLoader.Source.EXPLICIT_FILE);
        assertThat(abiVersionOf(loader)).isEqualTo(1);
    }

    @Test
    void aMissingLibraryListsEveryPlaceLooked() {
        Path envDir = tmp.resolve("env-dir");
        NativeLibraryLoader loader = isolated().libraryFile("sw_nowhere", tmp.resolve("configured.so"))
                .directory(tmp.resolve("dir"))
                .environment(k -> k.equals(NativeLibraryLoader.ENV_NATIVE_DIR) ? envDir.toString() : null).build();
        NativeLibraryException e = catchThrowableOfType(NativeLibraryException.class, () -> loader.locate("sw_nowhere"));
        String file = platform.libraryFileName("sw_nowhere");
        assertThat(e.getMessage()).contains("'sw_nowhere'")
                .contains("explicit file " + tmp.resolve("configured.so") + ": does not exist")
                .contains(tmp.resolve("dir").resolve(file).toString())
                .contains(tmp.resolve("dir").resolve(platform.id()).resolve(file).toString())
                .contains(envDir.resolve(file).toString())
                .contains("classpath resource natives/" + platform.id() + "/" + file + ": not found");
        assertThat(e.searched()).hasSize(6);
    }

    @Test
    void aMissingLibrarySaysTheEnvironmentVariableIsNotSet() {
        assertThatThrownBy(() -> isolated().build().load("sw_nowhere", Arena.ofAuto()))
                .isInstanceOf(NativeLibraryException.class)
                .hasMessageContaining(NativeLibraryLoader.ENV_NATIVE_DIR + ": not set");
    }

    @Test
    void aCorruptLibraryIsAClearErrorNamingTheFile() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("corrupt"));
        byte[] bad = new byte[4096];
        new Random(7).nextBytes(bad);
        Path badFile = Files.write(dir.resolve(fileName), bad);
        NativeLibraryLoader loader = isolated().directory(dir).build();
        try (Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> loader.load(NAME, arena)).isInstanceOf(NativeLibraryException.class)
                    .hasMessageContaining(badFile.toString())
                    .hasMessageContaining("not a loadable shared library for " + platform.id());
        }
        assertThatThrownBy(() -> NativeBackend.load(loader, NAME)).isInstanceOf(NativeLibraryException.class)
                .hasMessageContaining(badFile.toString());
    }

    @Test
    void aLibraryForAnotherCpuIsRefusedBeforeDlopen() throws Exception {
        assumeTrue(platform.os().equals("linux") && platform.arch().equals("x86_64"), "patches an x86_64 ELF header");
        Path dir = Files.createDirectories(tmp.resolve("arm"));
        byte[] elf = Files.readAllBytes(copyOfBuiltLibrary(tmp.resolve("x86")));
        elf[18] = (byte) 183; // e_machine = EM_AARCH64
        elf[19] = 0;
        Path arm = Files.write(dir.resolve(fileName), elf);
        assertThatThrownBy(() -> NativeBackend.load(isolated().directory(dir).build(), NAME))
                .isInstanceOf(NativeLibraryException.class)
                .hasMessageContaining(arm.toString())
                .hasMessageContaining("it was built for aarch64");
    }

    @Test
    void aSharedLibraryThatIsNotABackendIsRefused() throws Exception {
        Path libm = Path.of("/lib/x86_64-linux-gnu/libm.so.6");
        assumeTrue(Files.isRegularFile(libm), "needs glibc's libm at " + libm);
        Path dir = Files.createDirectories(tmp.resolve("foreign"));
        Files.copy(libm, dir.resolve(fileName));
        assertThatThrownBy(() -> NativeBackend.load(isolated().directory(dir).build(), NAME))
                .isInstanceOf(NativeLibraryException.class)
                .hasMessageContaining(dir.resolve(fileName).toString())
                .hasMessageContaining("does not export sw_set_log_callback");
    }

}
