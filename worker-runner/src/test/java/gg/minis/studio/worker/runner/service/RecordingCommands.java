package gg.minis.studio.worker.runner.service;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** Records every command instead of running it; answers from a rule (default: success, no output). */
final class RecordingCommands implements CommandRunner {
    final List<List<String>> commands = new ArrayList<>();
    private final Function<List<String>, Result> answer;

    RecordingCommands() {
        this(c -> new Result(0, ""));
    }

    RecordingCommands(Function<List<String>, Result> answer) {
        this.answer = answer;
    }

    @Override
    public synchronized Result run(List<String> command) {
        commands.add(List.copyOf(command));
        return answer.apply(command);
    }
}
