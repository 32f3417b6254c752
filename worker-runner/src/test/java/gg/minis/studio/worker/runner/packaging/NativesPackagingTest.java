package gg.minis.studio.worker.runner.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import gg.minis.studio.worker.natives.NativeLibraryLoader;
import gg.minis.studio.worker.natives.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How the natives are packaged, checked on the built artifacts (surefire execution {@code packaging}, phase
 * {@code integration-test}, so after runner.jar is shaded; part of {@code ./dev test}):
 * <ul>
 *   <li>the Maven profile's platform ({@code natives.platform}) is {@link Platform#current()}'s id;</li>
 *   <li>the main worker-native jar holds no {@code natives/} entry;</li>
 *   <li>the classifier jar {@code worker-native-<version>-natives-<platform>.jar} is what the test classpath got
 *       the natives from, and holds {@code natives/<platform>/libsw_testbackend.so} when the native build ran;</li>
 *   <li>{@code runner.jar} holds every {@code natives/} entry of that jar, byte for byte.</li>
 * </ul>
 * When worker-native's build skipped the native build (no toolchain, {@code -Dnative.skip=true}), the classifier jar
 * must hold no library, and the library checks are skipped with the reason the build recorded.
 */
class NativesPackagingTest {
    private final Platform platform = Platform.current();

    @BeforeAll
    static void onlyAfterPackage() {
        // -Dtest=NativesPackagingTest also selects it in the default (test-phase) execution, before the jars exist.
        Assumptions.assumeTrue(System.getProperty("runner.jar") != null,
                "runs in worker-runner's surefire execution 'packaging' (phase integration-test), after runner.jar is built");
    }

    @Test
    void theMavenProfileNamesThisPlatformLikePlatformDoes() {
        assertThat(System.getProperty("natives.platform"))
                .as("natives.platform set by the parent POM's natives-* profiles (what the classifier is named after)")
                .isEqualTo(platform.id());
    }

    @Test
    void theMainWorkerNativeJarHoldsJavaOnly() throws IOException {
        Path jar = Path.of(toUri(NativeLibraryLoader.class.getProtectionDomain().getCodeSource().getLocation()));
        assertThat(jar.getFileName().toString()).as("worker-native on the classpath is its packaged jar: %s", jar)
                .matches("worker-native-[^-]+(-SNAPSHOT)?\\.jar");
        Map<String, Long> natives = entries(jar, "natives/");
        assertThat(natives).as("natives/ entries in %s", jar).isEmpty();
        assertThat(entries(jar, "gg/minis/studio/worker/natives/NativeLibraryLoader.class")).hasSize(1);
    }

    @Test
    void theClassifierJarHoldsThisPlatformsLibrariesAndRunnerJarHoldsThemToo() throws IOException {
        String dir = "natives/" + platform.id() + "/";
        URL marker = getClass().getClassLoader().getResource(dir + "build.properties");
        assertThat(marker).as("%sbuild.properties on the test classpath (from the natives classifier jar)", dir)
                .isNotNull();
        assertThat(marker.getProtocol()).as("%s comes from a jar", marker).isEqualTo("jar");
        Path nativesJar = Path.of(toUri(((JarURLConnection) marker.openConnection()).getJarFileURL()));
        assertThat(nativesJar.getFileName().toString()).as("the jar %sbuild.properties comes from", dir)
                .matches("worker-native-[^-]+(-SNAPSHOT)?-" + Pattern.quote("natives-" + platform.id() + ".jar"));

        Properties built = new Properties();
        try (InputStream in = marker.openStream()) {
            built.load(in);
        }
        assertThat(built.getProperty("platform")).isEqualTo(platform.id());
        Map<String, Long> natives = entries(nativesJar, "natives/");
        assertThat(natives.keySet()).as("everything in %s is under %s", nativesJar, dir).allMatch(n -> n.startsWith(dir));

        Path runnerJar = Path.of(System.getProperty("runner.jar"));
        assertThat(runnerJar).as("the shaded runner jar").isRegularFile();
        Map<String, Long> inRunner = entries(runnerJar, dir);
        assertThat(inRunner).as("%s entries of runner.jar (name -> CRC) vs %s", dir, nativesJar)
                .containsAllEntriesOf(natives);

        String library = platform.resourcePath("sw_testbackend");
        if (!Boolean.parseBoolean(built.getProperty("built"))) {
            assertThat(natives.keySet()).as("a skipped native build packages no library").containsOnly(dir + "build.properties");
            Assumptions.abort("worker-native's build skipped the native build (" + built.getProperty("reason")
                    + "), so there is no " + library + " to look for");
        }
        assertThat(natives).as("%s in %s", library, nativesJar).containsKey(library);
        assertThat(inRunner).as("%s in %s", library, runnerJar).containsEntry(library, natives.get(library));
    }

    private static URI toUri(URL url) {
        try {
            return url.toURI();
        } catch (URISyntaxException e) {
            throw new AssertionError(e);
        }
    }

    /** Entries of {@code jar} whose name starts with {@code prefix}, directories left out: name -> CRC-32. */
    private static Map<String, Long> entries(Path jar, String prefix) throws IOException {
        assertThat(Files.isRegularFile(jar)).as("%s is a file", jar).isTrue();
        Map<String, Long> found = new TreeMap<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (JarEntry e : Collections.list(file.entries())) {
                if (e.getName().startsWith(prefix) && !e.isDirectory()) {
                    found.put(e.getName(), e.getCrc());
                }
            }
        }
        return found;
    }
}
