package gg.minis.studio.worker.runner.telemetry;

import gg.minis.studio.worker.api.job.JobClaim;
import gg.minis.studio.worker.api.task.ImageTask;
import gg.minis.studio.worker.api.task.LlmTask;
import gg.minis.studio.worker.api.task.SttTask;
import gg.minis.studio.worker.api.task.TtsTask;
import gg.minis.studio.worker.api.task.VideoTask;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes out of a text what must never leave the machine in an error report: the credentials (via the log
 * shipper's registered secrets), the prompts and texts of recent jobs (by value), and anything that looks like a
 * {@code prompt}/{@code messages}/{@code text}/token/secret field (by key, in JSON, {@code key=value} and
 * {@code key: value} forms) whatever its value.
 */
final class Redactor {
    static final String REDACTED = "<redacted>";
    /** Job texts shorter than this are not replaced by value: "a" would shred every message. */
    private static final int MIN_TEXT = 3;
    private static final int REMEMBERED_JOBS = 32;

    private static final String KEYS = "prompt|negative_prompt|negativePrompt|messages|text|content|system"
            + "|auth_token|authToken|registration_secret|registrationSecret|token|secret|password|authorization";
    private static final Pattern JSON_KEY = Pattern.compile("\"(?:" + KEYS + ")\"\\s*:\\s*", Pattern.CASE_INSENSITIVE);
    private static final Pattern ASSIGN_KEY = Pattern.compile("\\b(?:" + KEYS + ")=", Pattern.CASE_INSENSITIVE);
    private static final Pattern COLON_KEY = Pattern.compile("\\b(?:" + KEYS + "):[ \\t]*(?=\\S)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern BEARER = Pattern.compile("(?i)\\b(Bearer|Basic)\\s+[A-Za-z0-9._~+/=-]+");
    private static final Pattern NEXT_ASSIGNMENT = Pattern.compile(", *[A-Za-z_][A-Za-z0-9_]*=");

    private final UnaryOperator<String> secrets;
    private final Deque<List<String>> recentJobs = new ArrayDeque<>();

    Redactor(UnaryOperator<String> secrets) {
        this.secrets = secrets;
    }

    /** Remembers a job's texts so that they are taken out of any later report, wherever they turn up. */
    synchronized void remember(JobClaim claim) {
        List<String> texts = new ArrayList<>();
        texts.add(claim.prompt());
        texts.add(claim.fullPrompt());
        switch (claim.task()) {
            case ImageTask t -> texts.addAll(java.util.Arrays.asList(t.prompt(), t.negativePrompt()));
            case VideoTask t -> texts.addAll(java.util.Arrays.asList(t.prompt(), t.negativePrompt()));
            case LlmTask t -> {
                texts.add(t.system());
                t.messages().forEach(m -> texts.add(m.content()));
            }
            case TtsTask t -> texts.add(t.text());
            case SttTask t -> texts.add(t.prompt());
        }
        List<String> kept = texts.stream().filter(s -> s != null && s.strip().length() >= MIN_TEXT)
                .map(String::strip).distinct().toList();
        recentJobs.remove(kept);
        recentJobs.addFirst(kept);
        while (recentJobs.size() > REMEMBERED_JOBS) {
            recentJobs.removeLast();
        }
    }

    String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String s = text;
        List<String> known;
        synchronized (this) {
            // Longest first, so that a prompt containing another remembered text goes as a whole.
            known = recentJobs.stream().flatMap(List::stream).distinct()
                    .sorted(Comparator.comparingInt(String::length).reversed()).toList();
        }
        for (String value : known) {
            s = s.replace(value, REDACTED);
        }
        s = secrets.apply(s);
        s = BEARER.matcher(s).replaceAll("$1 " + REDACTED);
        s = redactValues(s, JSON_KEY, Redactor::endOfJsonValue, true);
        s = redactValues(s, ASSIGN_KEY, Redactor::endOfAssignedValue, false);
        s = redactValues(s, COLON_KEY, Redactor::endOfLine, false);
        return s;
    }

    private interface ValueEnd {
        int find(String s, int start);
    }

    /** {@code json}: the replacement is a JSON string, so that redacted JSON stays JSON. */
    private static String redactValues(String s, Pattern key, ValueEnd end, boolean json) {
        StringBuilder out = new StringBuilder();
        Matcher m = key.matcher(s);
        int pos = 0;
        while (pos < s.length() && m.find(pos)) {
            int valueStart = m.end();
            int valueEnd = end.find(s, valueStart);
            out.append(s, pos, valueStart);
            if (valueEnd > valueStart) {
                out.append(json ? "\"" + REDACTED + "\"" : REDACTED);
            }
            pos = Math.max(valueEnd, valueStart);
            if (pos == valueStart && pos < s.length()) { // nothing to take: step on, or find() would loop
                out.append(s.charAt(pos));
                pos++;
            }
        }
        out.append(s, Math.min(pos, s.length()), s.length());
        return out.toString();
    }

    /** One JSON value: a string, a bracketed array/object (strings inside respected), or a bare word. */
    private static int endOfJsonValue(String s, int i) {
        if (i >= s.length()) {
            return i;
        }
        char c = s.charAt(i);
        if (c == '"') {
            return endOfString(s, i);
        }
        if (c == '[' || c == '{') {
            int depth = 0;
            for (int j = i; j < s.length(); j++) {
                char d = s.charAt(j);
                if (d == '"') {
                    j = endOfString(s, j) - 1;
                } else if (d == '[' || d == '{') {
                    depth++;
                } else if ((d == ']' || d == '}') && --depth == 0) {
                    return j + 1;
                }
            }
            return s.length(); // unterminated: take the rest rather than leak it
        }
        int j = i;
        while (j < s.length() && ",}] \t\r\n".indexOf(s.charAt(j)) < 0) {
            j++;
        }
        return j;
    }

    private static int endOfString(String s, int quote) {
        for (int j = quote + 1; j < s.length(); j++) {
            char d = s.charAt(j);
            if (d == '\\') {
                j++;
            } else if (d == '"') {
                return j + 1;
            }
        }
        return s.length();
    }

    /** A record-style {@code key=value}: up to the next {@code , name=}, an unmatched closing bracket or line end. */
    private static int endOfAssignedValue(String s, int i) {
        int depth = 0;
        for (int j = i; j < s.length(); j++) {
            char d = s.charAt(j);
            if (d == '\n' || d == '\r') {
                return j;
            }
            if (d == '[' || d == '{' || d == '(') {
                depth++;
            } else if (d == ']' || d == '}' || d == ')') {
                if (depth == 0) {
                    return j;
                }
                depth--;
            } else if (d == ',' && depth == 0 && NEXT_ASSIGNMENT.matcher(s).region(j, s.length()).lookingAt()) {
                return j;
            }
        }
        return s.length();
    }

    private static int endOfLine(String s, int i) {
        int j = i;
        while (j < s.length() && s.charAt(j) != '\n' && s.charAt(j) != '\r') {
            j++;
        }
        return j;
    }
}
