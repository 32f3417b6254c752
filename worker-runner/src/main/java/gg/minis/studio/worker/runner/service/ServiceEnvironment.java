package gg.minis.studio.worker.runner.service;

import gg.minis.studio.worker.runner.Launch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything an autostart entry depends on, injectable so that every OS's entry can be generated and tested
 * anywhere, into a temp home, with recorded commands.
 *
 * @param osName    {@code os.name}
 * @param home      the user's home directory
 * @param env       the environment (Windows: {@code USERNAME})
 * @param java      the java binary the entry starts, absolute
 * @param runnerJar the runner jar, absolute
 * @param config    the config file the worker runs with, absolute
 * @param commands  runs systemctl / launchctl / schtasks
 */
public record ServiceEnvironment(
        String osName, Path home, Map<String, String> env, Path java, Path runnerJar, Path config,
        CommandRunner commands) {

    public ServiceEnvironment {
        Objects.requireNonNull(osName, "osName");
        home = home.toAbsolutePath();
        env = Map.copyOf(env);
        java = java.toAbsolutePath();
        runnerJar = runnerJar.toAbsolutePath();
        config = config.toAbsolutePath();
        Objects.requireNonNull(commands, "commands");
    }

    /** This process: its OS, home, java and real commands. */
    public static ServiceEnvironment current(Path runnerJar, Path config) {
        return new ServiceEnvironment(System.getProperty("os.name", ""), Path.of(System.getProperty("user.home")),
                System.getenv(), Launch.javaExecutable(), runnerJar, config, CommandRunner.system());
    }

    /**
     * What the entry starts: {@code java OPTIONS -jar RUNNER run --config CONFIG} with {@link Launch#JVM_OPTIONS}:
     * native access keeps the JDK from warning about (and one day refusing) the engines' native calls; the fixed young
     * generation keeps a long-running worker's memory flat.
     */
    public List<String> workerCommand(Path javaBinary) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary.toString());
        command.addAll(Launch.JVM_OPTIONS);
        command.addAll(List.of("-jar", runnerJar.toString(), "run", "--config", config.toString()));
        return List.copyOf(command);
    }
}
