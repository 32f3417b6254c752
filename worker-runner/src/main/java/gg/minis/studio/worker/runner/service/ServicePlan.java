package gg.minis.studio.worker.runner.service;

import java.nio.file.Path;
import java.util.List;

/** What installing or uninstalling does, step by step: printed by {@code --dry-run}, carried out otherwise. */
public record ServicePlan(List<Step> steps) {
    public ServicePlan {
        steps = List.copyOf(steps);
    }

    public sealed interface Step permits WriteFile, DeleteFile, Run {}

    public record WriteFile(Path file, String content) implements Step {}

    public record DeleteFile(Path file) implements Step {}

    /**
     * Runs the first of {@code alternatives} that succeeds. When none does and the step is {@code required}, the user
     * is told to run the first one by hand; otherwise (e.g. disabling what is not enabled) the failure is fine.
     */
    public record Run(List<List<String>> alternatives, boolean required) implements Step {
        public Run {
            alternatives = alternatives.stream().map(List::copyOf).toList();
        }

        public static Run required(List<String> command) {
            return new Run(List.of(command), true);
        }

        public static Run optional(List<String> command) {
            return new Run(List.of(command), false);
        }
    }
}
