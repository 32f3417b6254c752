package gg.minis.studio.worker.runner.console;

import gg.minis.studio.worker.runner.config.WorkerConfig;
import java.util.List;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * Tab completion: command names first, then {@code config}'s and {@code cache}'s subcommands, config keys ({@code set} offers the user
 * settings, {@code get} every key), {@code logs -f}, and command names after {@code help}. Needs no network.
 */
final class ConsoleCompleter implements Completer {
    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
        List<String> words = line.words();
        int index = line.wordIndex();
        List<String> options = options(index <= 0 ? List.of() : words.subList(0, Math.min(index, words.size())));
        options.forEach(o -> candidates.add(new Candidate(o)));
    }

    /** What may follow {@code before} (the words left of the one being completed). */
    static List<String> options(List<String> before) {
        if (before.isEmpty()) {
            return Commands.NAMES;
        }
        String command = before.getFirst();
        return switch (before.size()) {
            case 1 -> switch (command) {
                case "config" -> Commands.CONFIG_SUBCOMMANDS;
                case "cache" -> Commands.CACHE_SUBCOMMANDS;
                case "logs" -> List.of("-f");
                case "help" -> Commands.NAMES;
                default -> List.of();
            };
            case 2 -> command.equals("cache") ? (before.get(1).equals("prune") ? List.of("--yes") : List.of())
                    : !command.equals("config") ? List.of() : switch (before.get(1)) {
                case "get" -> WorkerConfig.keys();
                case "set" -> WorkerConfig.keys().stream().filter(k -> !WorkerConfig.isInternal(k)).toList();
                default -> List.of();
            };
            default -> List.of();
        };
    }
}
