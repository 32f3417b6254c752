package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.runner.Version;
import gg.minis.studio.worker.runner.config.ConfigException;
import gg.minis.studio.worker.runner.config.ConfigPaths;
import java.io.PrintWriter;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code runner}: the studio worker's command line. */
@Command(
        name = "runner",
        mixinStandardHelpOptions = true,
        versionProvider = RunnerMain.VersionProvider.class,
        description = "A worker for the minis.gg studio: registers, takes jobs, runs them in-process, posts results.",
        subcommands = {
            RunCommand.class, RegisterCommand.class, StatusCommand.class, ConfigCommand.class, ConsoleCommand.class,
            DemoCommand.class,
            GenerateCommand.class, TranscribeCommand.class, UpdateCommand.class, ServiceCommand.class,
            VersionCommand.class, CommandLine.HelpCommand.class
        },
        footerHeading = "%nExit codes:%n",
        footer = {
            "  0  ok",
            "  1  failure at run time (details in the debug log)",
            "  2  bad command line",
            "  3  bad config file or value",
            "  4  the studio refused the worker's credentials (run 'runner register --reset')",
            "  5  the studio was unreachable ws_reconnect_attempts times in a row",
            "  6  the studio rejected the registration request",
            "  7  not supported on this OS"
        })
public final class RunnerMain implements Runnable {
    @Option(names = "--config", paramLabel = "FILE", scope = CommandLine.ScopeType.INHERIT,
            description = "Config file (default: the per-user config dir, e.g. ~/.config/minis-studio-worker/config.toml).")
    Path configFile;

    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Show debug output on the console.")
    boolean verbose;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line as the {@code runner} process does: logging set up first, then the command. */
    public static int execute(String... args) {
        configureLogging(args);
        return commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args);
    }

    /**
     * tinylog reads its configuration once, when the first logger is created (picocli instantiating a command can do
     * that), so the console level and the debug log file are set from a pre-scan of the arguments.
     */
    static void configureLogging(String... args) {
        boolean verbose = false;
        boolean console = false;
        String command = null;
        Path config = null;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-v") || arg.equals("--verbose")) {
                verbose = true;
            } else if (arg.equals("--console")) {
                console = true;
            } else if (arg.equals("--config") && i + 1 < args.length) {
                config = Path.of(args[++i]);
            } else if (arg.startsWith("--config=")) {
                config = Path.of(arg.substring("--config=".length()));
            } else if (command == null && !arg.startsWith("-")) {
                command = arg;
            }
        }
        Path configFile = config != null ? config.toAbsolutePath() : ConfigPaths.defaultConfigFile();
        Path parent = configFile.getParent();
        // The demo prints its own progress table and the console its prompt; worker chatter would only interleave.
        LoggingSetup.configure(verbose, "demo".equals(command) || "console".equals(command) || console,
                (parent == null ? Path.of(".") : parent).resolve("logs"));
    }

    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new RunnerMain());
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler(RunnerMain::onBadCommandLine);
        cli.setExecutionExceptionHandler(RunnerMain::onFailure);
        return cli;
    }

    private static int onBadCommandLine(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        cmd.getErr().println("runner: " + e.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName()
                + " --help')");
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
            cmd.getErr().println("        did you mean: " + String.join(", ", unmatched.getSuggestions()) + "?");
        }
        return ExitCodes.USAGE;
    }

    private static int onFailure(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        Logger log = LoggerFactory.getLogger(RunnerMain.class);
        if (e instanceof UserError user) {
            cmd.getErr().println("runner: " + user.getMessage());
            log.debug("user error", e);
            return user.exitCode();
        }
        if (e instanceof ConfigException config) {
            cmd.getErr().println("runner: " + config.getMessage());
            log.debug("config error", e);
            return ExitCodes.CONFIG;
        }
        log.error("unexpected error: {}", e.toString(), e);
        cmd.getErr().println("runner: unexpected error: " + e + " (the debug log has details: "
                + LoggingSetup.debugLogFile() + ")");
        return ExitCodes.FAILURE;
    }

    /** The config file in effect: {@code --config}, else the per-user default. */
    public Path configFile() {
        return configFile != null ? configFile.toAbsolutePath() : ConfigPaths.defaultConfigFile();
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"studio-worker-java " + Version.current() + " (Java " + Runtime.version() + ")"};
        }
    }
}
