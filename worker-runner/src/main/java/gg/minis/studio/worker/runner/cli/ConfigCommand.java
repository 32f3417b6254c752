package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.runner.config.ConfigException;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Read and change the config file (validated like the file itself).",
        subcommands = {ConfigCommand.PathCommand.class, ConfigCommand.GetCommand.class, ConfigCommand.SetCommand.class,
            ConfigCommand.ListCommand.class})
final class ConfigCommand implements Runnable {
    @ParentCommand
    RunnerMain root;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    ConfigStore store() {
        return new ConfigStore(root.configFile());
    }

    @Command(name = "path", mixinStandardHelpOptions = true, description = "Print the config file's path.")
    static final class PathCommand implements Callable<Integer> {
        @ParentCommand
        ConfigCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().println(parent.root.configFile());
            return ExitCodes.OK;
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Print one value. Secrets print as <set>/<unset> unless --reveal.")
    static final class GetCommand implements Callable<Integer> {
        @ParentCommand
        ConfigCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "KEY", description = "A key, e.g. api_base_url.")
        String key;

        @Option(names = "--reveal", description = "Print secret values too.")
        boolean reveal;

        @Override
        public Integer call() throws ConfigException {
            WorkerConfig config = parent.store().loadOrCreate();
            spec.commandLine().getOut().println(config.valueText(key, reveal));
            return ExitCodes.OK;
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Change one value (an empty VALUE unsets an optional key).")
    static final class SetCommand implements Callable<Integer> {
        @ParentCommand
        ConfigCommand parent;

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "KEY")
        String key;

        @Parameters(index = "1", paramLabel = "VALUE")
        String value;

        @Override
        public Integer call() throws ConfigException {
            ConfigStore store = parent.store();
            store.loadOrCreate();
            WorkerConfig updated = store.set(key, value);
            spec.commandLine().getOut().println(key + " = " + updated.valueText(key));
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Print every key and value (secrets hidden).")
    static final class ListCommand implements Callable<Integer> {
        @ParentCommand
        ConfigCommand parent;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws ConfigException {
            WorkerConfig config = parent.store().loadOrCreate();
            for (String key : WorkerConfig.keys()) {
                spec.commandLine().getOut().println(key + " = " + config.valueText(key));
            }
            return ExitCodes.OK;
        }
    }
}
