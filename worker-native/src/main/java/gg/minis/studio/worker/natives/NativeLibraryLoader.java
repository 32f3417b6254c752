package gg.minis.studio.worker.natives;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds a backend library ({@code sw_testbackend}, {@code sw_sdcpp}, {@code sw_whisper}) and loads it on
 * its own with {@link SymbolLookup#libraryLookup(Path, Arena)} (RTLD_LOCAL on POSIX), so backends that
 * carry different ggml builds never share symbols.
 *
 * <p>Search order, first hit wins:
 * <ol>
 *   <li>an explicit file for that library ({@link Builder#libraryFile}), then explicit directories
 *       ({@link Builder#directory}); in a directory both {@code DIR/<file>} and {@code DIR/<os>-<arch>/<file>}
 *       are tried;</li>
 *   <li>the directories in the environment variable {@value #ENV_NATIVE_DIR} (path-separator list), same rule;</li>
 *   <li>the classpath resource {@code natives/<os>-<arch>/<file>} (what the classifier jar
 *       {@code worker-native-<version>-natives-<os>-<arch>.jar} holds), extracted once into
 *       {@code <cache>/<sha256 of the content>/<file>} (default cache {@code ~/.cache/studio-worker/natives},
 *       or {@code $XDG_CACHE_HOME/studio-worker/natives}; overridable with {@link Builder#cacheDirectory},
 *       the system property {@value #PROP_CACHE_DIR} or the environment variable {@value #ENV_CACHE_DIR}).
 *       Extraction writes a temporary file in the target directory and renames it atomically, so two JVMs
 *       extracting at once do not collide; an existing file is reused, never rewritten, when its hash matches
 *       (also when another JVM finished extracting first).</li>
 * </ol>
 * A library found nowhere is a {@link NativeLibraryException} listing every place looked; a file that is found
 * but cannot be loaded is a {@link NativeLibraryException} naming that file. Nothing is ever downloaded.
 */
public final class NativeLibraryLoader {
    public static final String ENV_NATIVE_DIR = "STUDIO_WORKER_NATIVE_DIR";
    public static final String ENV_CACHE_DIR = "STUDIO_WORKER_NATIVE_CACHE";
    public static final String PROP_CACHE_DIR = "studio.worker.native.cache";

    private static final Logger LOG = LoggerFactory.getLogger(NativeLibraryLoader.class);

    /** Where a library was found. */
    public enum Source {
        /** a file configured for that library */
        EXPLICIT_FILE,
        /** a configured directory */
        DIRECTORY,
        /** a directory from {@value NativeLibraryLoader#ENV_NATIVE_DIR} */
        ENVIRONMENT,
        /** the classpath resource, extracted into the cache by this call */
        EXTRACTED,
        /** the classpath resource, already present in the cache with the right hash */
        CACHED
    }

    /** A library file that was found, not yet loaded. */
    public record Located(String name, Path path, Source source) {}

    /** A loaded library; its lifetime is the arena passed to {@link #load}. */
    public record LoadedLibrary(String name, Path path, Source source, SymbolLookup lookup) {}

    private final Map<String, Path> libraryFiles;
    private final List<Path> directories;
    private final UnaryOperator<String> env;
    private final Path cacheDirectory;
    private final ClassLoader classLoader;
    private final Platform platform;

    private NativeLibraryLoader(Builder b) {
        this.libraryFiles = Map.copyOf(b.libraryFiles);
        this.directories = List.copyOf(b.directories);
        this.env = b.env;
        this.platform = b.platform;
        this.classLoader = b.classLoader != null ? b.classLoader : NativeLibraryLoader.class.getClassLoader();
        this.cacheDirectory = b.cacheDirectory != null ? b.cacheDirectory : defaultCacheDirectory(b.env);
    }

    /** A loader with the default search order: environment, then the classpath. */
    public static NativeLibraryLoader defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Platform platform() {
        return platform;
    }

    public Path cacheDirectory() {
        return cacheDirectory;
    }

    /**
     * Loads library {@code name} into {@code arena}; closing the arena unloads it.
     *
     * @throws NativeLibraryException when it is found nowhere (message lists every place looked) or the file
     *                                found cannot be loaded (message names the file)
     */
    public LoadedLibrary load(String name, Arena arena) {
        Located located = locate(name);
        String problem = checkHeader(located.path());
        if (problem != null) {
            throw new NativeLibraryException("Cannot load native library '" + name + "' from " + located.path()
                    + " (found via " + located.source() + "): not a loadable shared library for " + platform + ": "
                    + problem, (Throwable) null);
        }
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(located.path(), arena);
        } catch (IllegalArgumentException | IllegalCallerException e) {
            throw new NativeLibraryException("Cannot load native library '" + name + "' from " + located.path()
                    + " (found via " + located.source() + "): not a loadable shared library for " + platform
                    + " or a dependency is missing: " + e.getMessage(), e);
        }
        LOG.debug("Loaded native library {} from {} ({})", name, located.path(), located.source());
        return new LoadedLibrary(name, located.path(), located.source(), lookup);
    }

    /** Finds library {@code name} without loading it, extracting it from the classpath if that is where it is. */
    public Located locate(String name) {
        Objects.requireNonNull(name, "name");
        String fileName = platform.libraryFileName(name);
        List<String> searched = new ArrayList<>();

        Path explicit = libraryFiles.get(name);
        if (explicit != null) {
            if (Files.isRegularFile(explicit)) {
                return new Located(name, explicit.toAbsolutePath(), Source.EXPLICIT_FILE);
            }
            searched.add("explicit file " + explicit.toAbsolutePath() + ": does not exist");
            LOG.warn("Native library file configured for {} does not exist: {}", name, explicit.toAbsolutePath());
        }
        for (Path dir : directories) {
            Path hit = searchDirectory(dir, fileName, "directory", searched);
            if (hit != null) {
                return new Located(name, hit, Source.DIRECTORY);
            }
        }
        String envDirs = env.apply(ENV_NATIVE_DIR);
        if (envDirs == null || envDirs.isBlank()) {
            searched.add("environment variable " + ENV_NATIVE_DIR + ": not set");
        } else {
            for (String d : envDirs.split(File.pathSeparator)) {
                if (d.isBlank()) {
                    continue;
                }
                Path hit = searchDirectory(Path.of(d), fileName, ENV_NATIVE_DIR + " directory", searched);
                if (hit != null) {
                    return new Located(name, hit, Source.ENVIRONMENT);
                }
            }
        }
        String resource = platform.resourcePath(name);
        URL url = classLoader.getResource(resource);
        if (url == null) {
            searched.add("classpath resource " + resource + ": not found");
            throw new NativeLibraryException("Native library '" + name + "' (" + fileName + " for " + platform
                    + ") not found. Looked in:\n  - " + String.join("\n  - ", searched)
                    + "\nPut the jar gg.minis.studio:worker-native:<version>:natives-" + platform
                    + " on the class path, or build the library with native/CMakeLists.txt and put it in one of these"
                    + " places, e.g. set " + ENV_NATIVE_DIR + " to the directory that holds it.", searched);
        }
        return extract(name, resource, url, fileName);
    }

    /**
     * A cheap look at the file's first bytes before handing it to the dynamic loader: a file that is not a shared
     * library at all, or one for another CPU, gets a clear message instead of a dlopen error (or a JVM warning).
     * Returns {@code null} when the file looks right (dlopen has the last word).
     */
    String checkHeader(Path file) {
        byte[] h = new byte[20];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(h, 0, h.length);
        } catch (IOException e) {
            return "cannot read it: " + e.getMessage();
        }
        boolean elf = n >= 20 && h[0] == 0x7f && h[1] == 'E' && h[2] == 'L' && h[3] == 'F';
        boolean macho = n >= 4 && (be32(h) == 0xfeedfacfL || be32(h) == 0xcffaedfeL || be32(h) == 0xcafebabeL);
        boolean pe = n >= 2 && h[0] == 'M' && h[1] == 'Z';
        switch (platform.os()) {
            case "windows" -> {
                return pe ? null : "no PE/DLL header (the file is damaged or not a DLL)";
            }
            case "macos" -> {
                return macho ? null : "no Mach-O header (the file is damaged or not a dylib)";
            }
            case "linux" -> {
                if (!elf) {
                    return "no ELF header (the file is damaged or not a shared library)";
                }
                if (h[4] != 2) {
                    return "a 32-bit ELF file";
                }
                int machine = h[5] == 1 ? (h[18] & 0xff) | (h[19] & 0xff) << 8 : (h[19] & 0xff) | (h[18] & 0xff) << 8;
                String arch = switch (machine) {
                    case 62 -> "x86_64";
                    case 183 -> "aarch64";
                    default -> "ELF machine " + machine;
                };
                return arch.equals(platform.arch()) ? null : "it was built for " + arch;
            }
            default -> {
                return null;
            }
        }
    }

    private static long be32(byte[] b) {
        return (b[0] & 0xffL) << 24 | (b[1] & 0xffL) << 16 | (b[2] & 0xffL) << 8 | (b[3] & 0xffL);
    }

    private Path searchDirectory(Path dir, String fileName, String what, List<String> searched) {
        Path abs = dir.toAbsolutePath();
        for (Path candidate : List.of(abs.resolve(fileName), abs.resolve(platform.id()).resolve(fileName))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            searched.add(what + " " + abs + ": " + candidate + " not found");
        }
        return null;
    }

    // ------------------------------------------------------------------ extraction

    private Located extract(String name, String resource, URL url, String fileName) {
        try {
            String sha = hashResource(url);
            Path dir = cacheDirectory.resolve(sha);
            Path target = dir.resolve(fileName);
            if (isIntact(target, sha)) {
                LOG.debug("Reusing extracted {} at {}", resource, target);
                return new Located(name, target, Source.CACHED);
            }
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, fileName + ".", ".tmp");
            try {
                String written;
                try (InputStream in = url.openStream();
                     DigestOutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha256())) {
                    in.transferTo(out);
                    out.flush();
                    written = HexFormat.of().formatHex(out.getMessageDigest().digest());
                }
                if (!written.equals(sha)) {
                    throw new IOException("classpath resource " + resource + " changed while it was extracted");
                }
                if (isIntact(target, sha)) {
                    // Another JVM put it in place while we wrote ours: keep that file (it may already be loaded).
                    LOG.debug("Reusing {} extracted meanwhile by another process", target);
                    return new Located(name, target, Source.CACHED);
                }
                makeExecutable(tmp);
                moveIntoPlace(tmp, target, sha);
            } finally {
                Files.deleteIfExists(tmp);
            }
            LOG.info("Extracted native library {} to {}", resource, target);
            return new Located(name, target, Source.EXTRACTED);
        } catch (IOException e) {
            throw new NativeLibraryException("Cannot extract classpath resource " + resource + " (from " + url
                    + ") into the native cache " + cacheDirectory + ": " + e.getMessage()
                    + " (set " + ENV_CACHE_DIR + " or -D" + PROP_CACHE_DIR + " to a writable directory)", e);
        }
    }

    private static void moveIntoPlace(Path tmp, Path target, String sha) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (FileSystemException e) {
            // Windows refuses to replace a DLL another process has loaded: fine if that one is already right.
            if (!isIntact(target, sha)) {
                throw e;
            }
        }
    }

    private static boolean isIntact(Path file, String sha) {
        return Files.isRegularFile(file) && sha.equals(hashFile(file));
    }

    private static void makeExecutable(Path file) {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // not a POSIX file system: nothing to do
        }
    }

    private static String hashResource(URL url) throws IOException {
        try (InputStream in = new DigestInputStream(url.openStream(), sha256())) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        }
    }

    static String hashFile(Path file) {
        try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), sha256())) {
            in.transferTo(OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(in.getMessageDigest().digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static Path defaultCacheDirectory(UnaryOperator<String> env) {
        String prop = System.getProperty(PROP_CACHE_DIR);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String envCache = env.apply(ENV_CACHE_DIR);
        if (envCache != null && !envCache.isBlank()) {
            return Path.of(envCache);
        }
        String xdg = env.apply("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("studio-worker").resolve("natives");
    }

    /** Configures a {@link NativeLibraryLoader}; every setting is optional. */
    public static final class Builder {
        private final Map<String, Path> libraryFiles = new LinkedHashMap<>();
        private final List<Path> directories = new ArrayList<>();
        private UnaryOperator<String> env = System::getenv;
        private Path cacheDirectory;
        private ClassLoader classLoader;
        private Platform platform = Platform.current();

        private Builder() {}

        /** Use exactly this file for library {@code name} (searched first). */
        public Builder libraryFile(String name, Path file) {
            libraryFiles.put(Objects.requireNonNull(name), Objects.requireNonNull(file));
            return this;
        }

        /** Search this directory (and its {@code <os>-<arch>} subdirectory) before the environment. */
        public Builder directory(Path dir) {
            directories.add(Objects.requireNonNull(dir));
            return this;
        }

        /** Where classpath libraries are extracted (default: see the class comment). */
        public Builder cacheDirectory(Path dir) {
            this.cacheDirectory = Objects.requireNonNull(dir);
            return this;
        }

        /** The environment to read {@value #ENV_NATIVE_DIR} and friends from (tests; default System::getenv). */
        public Builder environment(UnaryOperator<String> env) {
            this.env = Objects.requireNonNull(env);
            return this;
        }

        public Builder classLoader(ClassLoader classLoader) {
            this.classLoader = Objects.requireNonNull(classLoader);
            return this;
        }

        public NativeLibraryLoader build() {
            return new NativeLibraryLoader(this);
        }
    }
}
