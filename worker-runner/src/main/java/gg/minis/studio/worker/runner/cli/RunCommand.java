package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.api.engine.Engine;
import gg.minis.studio.worker.runner.Worker;
import gg.minis.studio.worker.runner.config.ConfigException;
import gg.minis.studio.worker.runner.config.ConfigStore;
import gg.minis.studio.worker.runner.config.WorkerConfig;
import gg.minis.studio.worker.runner.daemon.Daemon;
import gg.minis.studio.worker.runner.localapi.LocalApiServer;
import gg.minis.studio.worker.runner.logging.LogShipper;
import gg.minis.studio.worker.runner.progress.JobProgressLog;
import gg.minis.studio.worker.runner.session.SessionListener;
import gg.minis.studio.worker.runner.session.SessionSettings;
import gg.minis.studio.worker.runner.telemetry.Telemetry;
import gg.minis.studio.worker.runner.update.UpdateCheck;
import gg.minis.studio.worker.runner.update.UpdateChecker;
import gg.minis.studio.worker.runner.update.UpdateStateFile;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Register on first start, then take jobs from the studio until stopped.",
            "Also serves the local API on 127.0.0.1 (port local_api_port, or STUDIO_WORKER_LOCAL_API_PORT; the URL "
                + "and token are in local-api.json beside the config), from the start, before registration.",
            "When the studio side ends (refused token, rejected registration, unreachable) the local API keeps "
                + "serving; a registration reset starts the studio side again.",
            "Ctrl-C or SIGTERM finishes the running job (or fails it after the grace period), then closes cleanly."})
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);
    /** After running out of connect attempts with the local API up, the studio side tries again this much later. */
    static final Duration STUDIO_RETRY_AFTER = Duration.ofMinutes(5);

    @ParentCommand
    RunnerMain root;

    @Option(names = "--paused", description = "Start paused: connected, but rejecting offers.")
    boolean paused;

    @Option(names = "--console", description = "Also open the console (see 'runner console') on this terminal; "
            + "quitting it stops the worker.")
    boolean console;

    @Override
    @SuppressWarnings("try") // the update checker is a resource only to be closed; nothing in the body calls it
    public Integer call() throws ConfigException, Exception {
        ConfigStore store = new ConfigStore(root.configFile());
        WorkerConfig config = store.loadOrCreate();
        LogShipper.global().addSecret(config.authToken());
        LogShipper.global().addSecret(config.registrationSecret());
        SessionSettings settings = SessionSettings.defaults()
                .withReconnectAttempts(config.wsReconnectAttempts())
                .withMaxFrameBytes(config.maxFrameBytes());
        // Both only watch: telemetry does nothing without SENTRY_DSN, the checker only logs what it finds.
        try (Telemetry telemetry = Telemetry.start(System.getenv(), LogShipper.global());
                UpdateChecker updates = config.autoUpdateEnabled() ? UpdateChecker.start(UpdateCheck.of(config)::run,
                        new UpdateStateFile(WorkerFiles.updateState(root.configFile())),
                        UpdateChecker.FIRST_CHECK_DELAY, config.autoUpdateInterval()) : null;
                Engine engine = Engines.fromConfig(config)) {
            Daemon daemon = Daemon.builder(store, engine)
                    .engineFactory(() -> Engines.fromConfig(config)) // replaces a wedged engine
                    .logShipper(LogShipper.global())
                    .listener(SessionListener.all(new JobProgressLog(), telemetry.jobListener(engine.id())))
                    .paused(paused)
                    .build();
            LocalApiServer api = startLocalApi(daemon, config);
            if (api != null) {
                // The local API outlives the studio side: a revoked token or an outage does not stop local work.
                daemon.keepServingLocally(STUDIO_RETRY_AFTER);
            }
            if (console && api == null) {
                throw new UserError(ExitCodes.FAILURE, "--console needs the local API, which did not start (see the "
                        + "log line above)");
            }
            CountDownLatch finished = new CountDownLatch(1);
            Thread hook = new Thread(() -> {
                daemon.shutdown();
                try {
                    finished.await(settings.shutdownGrace().toSeconds() + 15, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            log.info("studio-worker {} starting: studio {}, engine {}, config {}", gg.minis.studio.worker.runner.Version
                    .current(), config.apiBaseUrl(), engine.id(), store.file());
            Worker.Exit exit;
            try {
                exit = console ? ConsoleCommand.runBeside(daemon, api, store.file()) : daemon.run();
            } catch (IOException | RuntimeException e) {
                telemetry.captureUnexpected(e);
                throw e;
            } finally {
                if (api != null) {
                    api.close();
                }
                daemon.engine().close(); // a replacement engine, if a wedged one was replaced
                finished.countDown();
            }
            return switch (exit) {
                case STOPPED -> ExitCodes.OK;
                case AUTH_FAILED -> ExitCodes.AUTH_FAILED;
                case REGISTRATION_REJECTED -> ExitCodes.REGISTRATION_REJECTED;
                case OUT_OF_ATTEMPTS -> ExitCodes.UNREACHABLE;
            };
        }
    }

    /** The local API is a convenience: the worker still serves the studio when it cannot listen. */
    private static LocalApiServer startLocalApi(Daemon daemon, WorkerConfig config) {
        try {
            return LocalApiServer.start(daemon, LocalApiServer.Options.of(config, daemon.configStore().file(),
                    System.getenv()));
        } catch (IOException | RuntimeException e) {
            log.error("local API not started: {}", e.getMessage());
            return null;
        }
    }
}
