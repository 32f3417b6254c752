package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.engines.synthetic.SyntheticEngine;
import gg.minis.studio.worker.runner.CapabilitiesSource;
import gg.minis.studio.worker.runner.Version;
import gg.minis.studio.worker.runner.config.ConfigException;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import gg.minis.studio.worker.runner.registration.ConfigRegistrationStore;
import gg.minis.studio.worker.runner.registration.Registrar;
import gg.minis.studio.worker.runner.registration.RegistrationState;
import gg.minis.studio.worker.runner.studio.StudioEndpoints;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "register", mixinStandardHelpOptions = true,
        description = {"Register this worker with the studio and wait for an operator to approve it.",
            "With --reset, forget the local registration (worker id, token, request, secret) instead."})
final class RegisterCommand implements Callable<Integer> {
    @ParentCommand
    RunnerMain root;

    @Spec
    CommandSpec spec;

    @Option(names = "--reset", description = "Clear the local registration state and say what was cleared.")
    boolean reset;

    @Option(names = "--no-wait", description = "Make one request or poll, print the state and exit.")
    boolean noWait;

    @Option(names = "--poll-interval", paramLabel = "SECONDS", hidden = true, defaultValue = "30")
    long pollSeconds;

    @Override
    public Integer call() throws ConfigException, Exception {
        PrintWriter out = spec.commandLine().getOut();
        ConfigStore store = new ConfigStore(root.configFile());
        WorkerConfig config = store.loadOrCreate();
        ConfigRegistrationStore registration = new ConfigRegistrationStore(store);
        if (reset) {
            return reset(out, store);
        }
        StudioEndpoints endpoints = StudioEndpoints.parse(config.apiBaseUrl().toString());
        var capabilities = CapabilitiesSource.probe(SyntheticEngine.create(), config.vramThresholdGb(),
                config.autoStart());
        Registrar registrar = new Registrar(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(15)).build(),
                endpoints, registration, capabilities, Version.userAgent());
        RegistrationState state = registrar.state();
        String announced = null;
        while (state.phase() == RegistrationState.Phase.PRISTINE || state.phase() == RegistrationState.Phase.PENDING) {
            state = registrar.tick();
            if (state.phase() == RegistrationState.Phase.PENDING && !state.requestId().equals(announced)) {
                announced = state.requestId();
                out.println("waiting for the operator to approve request " + announced
                        + " on the studio dashboard (" + endpoints + ")");
            }
            if (state.phase() == RegistrationState.Phase.APPROVED || state.phase() == RegistrationState.Phase.REJECTED) {
                break;
            }
            if (noWait) {
                if (state.phase() == RegistrationState.Phase.PRISTINE) {
                    out.println("registration request not sent: the studio at " + endpoints
                            + " did not accept it (see the log above); try again later");
                    return ExitCodes.FAILURE;
                }
                return ExitCodes.OK;
            }
            Thread.sleep(Duration.ofSeconds(pollSeconds));
        }
        if (state.phase() == RegistrationState.Phase.REJECTED) {
            throw new UserError(ExitCodes.REGISTRATION_REJECTED, "the studio rejected this worker ("
                    + state.rejectedReason() + "); run 'runner register --reset' to start over");
        }
        out.println("registered: this install is worker " + state.workerId() + " at " + endpoints);
        return ExitCodes.OK;
    }

    private int reset(PrintWriter out, ConfigStore store) throws ConfigException {
        ConfigRegistrationStore.Reset reset = ConfigRegistrationStore.reset(store);
        List<String> cleared = new ArrayList<>();
        for (String key : reset.clearedKeys()) {
            cleared.add(switch (key) {
                case "worker_id" -> key + " (" + reset.before().workerId() + ")";
                case "registration_request_id" -> key + " (" + reset.before().registrationRequestId() + ")";
                default -> key;
            });
        }
        out.println(cleared.isEmpty()
                ? "nothing to clear: this install was not registered (install_id kept)"
                : "cleared " + String.join(", ", cleared) + " in " + store.file()
                        + " (install_id kept); run 'runner register' to register again");
        return ExitCodes.OK;
    }
}
