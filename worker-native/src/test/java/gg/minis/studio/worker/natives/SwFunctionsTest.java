package gg.minis.studio.worker.natives;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-bound function table must match the prototypes in studio_worker.h (jextract does not bind them). */
class SwFunctionsTest {
    private static final Pattern PROTOTYPE =
            Pattern.compile("SW_API\\s+([A-Za-z_][\\w\\s*]*?)\\s*\\b(sw_\\w+)\\s*\\(([^)]*)\\)\\s*;");

    @Test
    void descriptorsMatchHeaderPrototypes() throws Exception {
        String header = Files.readString(TestBackend.moduleDir().resolve("../native/include/studio_worker.h"))
                .replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", " ");
        Map<String, String> fromHeader = new TreeMap<>();
        Matcher m = PROTOTYPE.matcher(header);
        while (m.find()) {
            fromHeader.put(m.group(2), signature(m.group(1), m.group(3)));
        }
        Map<String, String> bound = new TreeMap<>();
        SwFunctions.DESCRIPTORS.forEach((name, desc) -> bound.put(name, signature(desc)));

        assertThat(fromHeader).hasSizeGreaterThanOrEqualTo(12);
        assertThat(bound).as("SwFunctions.DESCRIPTORS vs studio_worker.h").isEqualTo(fromHeader);
    }

    private static String signature(String ret, String args) {
        List<String> kinds = new ArrayList<>();
        String a = args.trim();
        if (!a.isEmpty() && !a.equals("void")) {
            for (String arg : a.split(",")) {
                String t = arg.trim();
                // drop the parameter name
                String type = t.replaceAll("\\b\\w+$", "").trim();
                kinds.add(kind(type.isEmpty() ? t : type));
            }
        }
        return kind(ret.trim()) + "(" + String.join(",", kinds) + ")";
    }

    private static String kind(String cType) {
        if (cType.contains("*") || cType.endsWith("_fn")) {
            return "ptr";
        }
        return switch (cType.replace("const", "").trim()) {
            case "void" -> "void";
            case "int32_t", "uint32_t", "int" -> "i32";
            case "int64_t", "uint64_t" -> "i64";
            case "size_t" -> "size_t";
            default -> throw new AssertionError("unmapped C type in studio_worker.h: " + cType);
        };
    }

    private static String signature(FunctionDescriptor d) {
        List<String> kinds = new ArrayList<>();
        for (MemoryLayout l : d.argumentLayouts()) {
            kinds.add(kind(l));
        }
        return d.returnLayout().map(SwFunctionsTest::kind).orElse("void") + "(" + String.join(",", kinds) + ")";
    }

    private static String kind(MemoryLayout l) {
        if (l == SwFunctions.SIZE_T) {
            return "size_t";
        }
        if (l instanceof java.lang.foreign.AddressLayout) {
            return "ptr";
        }
        if (l instanceof ValueLayout v && v.carrier() == int.class) {
            return "i32";
        }
        if (l instanceof ValueLayout v && v.carrier() == long.class) {
            return "i64";
        }
        throw new AssertionError("unmapped layout " + l);
    }
}
