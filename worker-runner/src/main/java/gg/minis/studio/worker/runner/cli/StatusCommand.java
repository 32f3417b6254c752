package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.runner.Version;
import gg.minis.studio.worker.runner.config.ConfigException;
import gg.minis.studio.worker.runner.config.ConfigPaths;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import gg.minis.studio.worker.runner.registration.ConfigRegistrationStore;
import gg.minis.studio.worker.runner.registration.RegistrationState;
import gg.minis.studio.worker.runner.spool.ResultSpool;
import gg.minis.studio.worker.runner.studio.StudioEndpoints;
import gg.minis.studio.worker.runner.update.UpdateStateFile;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show this install's registration, studio, engine and undelivered results (no network).")
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    RunnerMain root;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws ConfigException {
        PrintWriter out = spec.commandLine().getOut();
        ConfigStore store = new ConfigStore(root.configFile());
        WorkerConfig config = store.loadOrCreate();
        RegistrationState reg = ConfigRegistrationStore.of(config);
        String registration = switch (reg.phase()) {
            case PRISTINE -> "not registered (run 'runner register' or 'runner run')";
            case PENDING -> "pending: waiting for approval of request " + reg.requestId();
            case APPROVED -> "approved: worker " + reg.workerId();
            case REJECTED -> "rejected: " + reg.rejectedReason() + " (run 'runner register --reset')";
        };
        ResultSpool spool = new ResultSpool(WorkerFiles.spool(root.configFile()));
        int pending = spool.pending().size();
        row(out, "version", Version.current());
        row(out, "config", store.file().toString());
        row(out, "studio", StudioEndpoints.parse(config.apiBaseUrl().toString()).toString());
        row(out, "registration", registration);
        row(out, "engine", config.engine());
        row(out, "models root", ConfigPaths.modelsRoot(config).toString());
        row(out, "undelivered", pending + (pending == 1 ? " result" : " results") + " in " + spool.directory());
        row(out, "update", new UpdateStateFile(WorkerFiles.updateState(root.configFile()))
                .statusLine(config.autoUpdateEnabled()));
        return ExitCodes.OK;
    }

    private static void row(PrintWriter out, String name, String value) {
        out.printf("%-13s %s%n", name + ":", value);
    }
}
