package gg.minis.studio.worker.runner.host;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Facts about this machine for the worker's capabilities: machine name, user name and total GPU memory. */
public final class HostProbe {
    private static final Logger log = LoggerFactory.getLogger(HostProbe.class);
    private static final Duration NVIDIA_SMI_TIMEOUT = Duration.ofSeconds(5);

    private HostProbe() {}

    public static String machineName() {
        Map<String, String> env = System.getenv();
        for (String key : List.of("COMPUTERNAME", "HOSTNAME")) {
            String value = env.get(key);
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        try {
            String etc = Files.readString(Path.of("/etc/hostname"), StandardCharsets.UTF_8).strip();
            if (!etc.isEmpty()) {
                return etc;
            }
        } catch (IOException | RuntimeException ignored) {
            // Not Linux, or no such file: ask the resolver.
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown-host";
        }
    }

    public static String userName() {
        String user = System.getProperty("user.name");
        return user == null || user.isBlank() ? "unknown" : user;
    }

    /**
     * Total VRAM in GB of the largest NVIDIA GPU, from {@code nvidia-smi}; 0 (with a log line) when there is none.
     * Native backends report their own devices later and can refine this.
     */
    public static double totalVramGb() {
        try {
            Process process = new ProcessBuilder("nvidia-smi", "--query-gpu=memory.total",
                    "--format=csv,noheader,nounits").redirectErrorStream(true).start();
            if (!process.waitFor(NVIDIA_SMI_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                log.info("nvidia-smi did not answer within {} s; reporting 0 GB VRAM",
                        NVIDIA_SMI_TIMEOUT.toSeconds());
                return 0;
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                log.info("nvidia-smi failed (exit {}); reporting 0 GB VRAM", process.exitValue());
                return 0;
            }
            return parseNvidiaSmiMiB(output);
        } catch (IOException e) {
            log.info("no nvidia-smi on this machine; reporting 0 GB VRAM");
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    /** The largest of the per-GPU MiB lines, in GB (GiB, as the studio means it), one decimal. */
    static double parseNvidiaSmiMiB(String output) {
        double maxMiB = 0;
        for (String line : output.split("\\R")) {
            try {
                maxMiB = Math.max(maxMiB, Double.parseDouble(line.strip()));
            } catch (NumberFormatException ignored) {
                // Warnings or blank lines.
            }
        }
        return Math.round(maxMiB / 1024.0 * 10) / 10.0;
    }
}
