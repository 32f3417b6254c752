package gg.minis.studio.worker.runner.cli;

import gg.minis.studio.worker.runner.Worker;
import gg.minis.studio.worker.runner.console.Console;
import gg.minis.studio.worker.runner.console.ConsoleException;
import gg.minis.studio.worker.runner.console.LocalApiClient;
import gg.minis.studio.worker.runner.daemon.Daemon;
import gg.minis.studio.worker.runner.localapi.LocalApiServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "console", mixinStandardHelpOptions = true,
        description = {"Diagnose the running worker interactively: status, jobs, logs, pause/resume, engines, models,"
                + " config.",
            "Talks to the worker's local API (URL and token from local-api.json beside the config, loopback only);"
                + " 'help' inside lists the commands. 'runner run --console' runs a worker with the console."})
final class ConsoleCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(ConsoleCommand.class);

    /** Opens the terminal the console runs on. */
    @FunctionalInterface
    interface TerminalFactory {
        Terminal open() throws IOException;
    }

    /**
     * Test seam: the system terminal by default (a dumb one, without JLine's warning, when input is not a terminal:
     * {@code printf 'status\nquit\n' | runner console}); tests swap in a dumb terminal over pipes.
     */
    static volatile TerminalFactory terminals = () -> TerminalBuilder.builder().name("runner console").system(true)
            .dumb(true).build();

    @ParentCommand
    RunnerMain root;

    @Override
    public Integer call() throws IOException {
        Path config = root.configFile();
        LocalApiClient api;
        try {
            api = LocalApiClient.connect(config);
        } catch (ConsoleException e) {
            log.debug("console: cannot connect", e);
            throw new UserError(ExitCodes.FAILURE, e.getMessage());
        }
        try (api; Terminal terminal = terminals.open()) {
            new Console(terminal, api, Console.historyFile(config), false).run();
        }
        return ExitCodes.OK;
    }

    /**
     * {@code run --console}: serves the studio on a worker thread and runs the console here, against the in-process
     * local API like any other client. Quitting the console shuts the worker down gracefully; a worker that stops on
     * its own ends the console. Returns how the worker ended.
     */
    static Worker.Exit runBeside(Daemon daemon, LocalApiServer server, Path configFile) throws Exception {
        CompletableFuture<Worker.Exit> exit = new CompletableFuture<>();
        Thread.ofPlatform().name("worker").start(() -> {
            try {
                exit.complete(daemon.run());
            } catch (Throwable t) {
                exit.completeExceptionally(t);
            }
        });
        try (LocalApiClient api = LocalApiClient.connect(configFile, server.discoveryFile(),
                server.url().toString(), server.token());
                Terminal terminal = terminals.open()) {
            Console console = new Console(terminal, api, Console.historyFile(configFile), true);
            exit.whenComplete((x, t) -> console.stop("the worker stopped" + (x == null ? "" : " (" + x + ")")));
            console.run();
            if (!exit.isDone()) {
                terminal.writer().println("stopping the worker (a running job finishes first)...");
                terminal.flush();
            }
        } catch (ConsoleException | IOException e) {
            log.error("console not started, stopping the worker: {}", e.getMessage());
            log.debug("console", e);
        } finally {
            daemon.shutdown();
        }
        try {
            return exit.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }
}
