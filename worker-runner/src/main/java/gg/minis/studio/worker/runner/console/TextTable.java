package gg.minis.studio.worker.runner.console;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/** Plain text columns, padded to the widest cell; the last column is never padded. */
final class TextTable {
    private final List<String[]> rows = new ArrayList<>();

    TextTable(String... header) {
        rows.add(header);
    }

    TextTable row(String... cells) {
        rows.add(cells);
        return this;
    }

    boolean isEmpty() {
        return rows.size() <= 1;
    }

    void print(PrintWriter out) {
        int columns = rows.stream().mapToInt(r -> r.length).max().orElse(0);
        int[] widths = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                widths[i] = Math.max(widths[i], text(r[i]).length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                String cell = text(r[i]);
                line.append(cell);
                if (i < r.length - 1) {
                    line.repeat(' ', widths[i] - cell.length() + 2);
                }
            }
            out.println(line.toString().stripTrailing());
        }
    }

    /** {@code name} padded to {@code width}, then {@code value}: the label-value lines of status and help. */
    static void pair(PrintWriter out, int width, String name, String value) {
        out.println((name + " ".repeat(Math.max(1, width - name.length())) + value).stripTrailing());
    }

    private static String text(String s) {
        return s == null ? "-" : s;
    }
}
