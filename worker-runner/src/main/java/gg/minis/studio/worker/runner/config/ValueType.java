package gg.minis.studio.worker.runner.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * How one config key's value is read from TOML or from text ({@code config set}), checked, and written back.
 * Kept separate from the keys so that the TOML file, the CLI and the record constructor share one set of rules.
 */
abstract class ValueType<T> {
    /** Thrown when a value does not fit; the caller words the message, since only it knows the key and if it is secret. */
    static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid() {
            super(null, null, false, false); // control flow only: no message, no stack
        }
    }

    private final String expected;
    private final boolean optional;

    ValueType(String expected, boolean optional) {
        this.expected = expected;
        this.optional = optional;
    }

    /** What a valid value looks like, e.g. {@code expected a number >= 0}. */
    final String expected() {
        return expected;
    }

    final boolean optional() {
        return optional;
    }

    /** A TOML value; an empty string unsets an optional key so that hand-edited files can blank a value. */
    final T parse(JsonNode node) throws Invalid {
        if (optional && node.isTextual() && node.textValue().isBlank()) {
            return null;
        }
        return checked(fromNode(node));
    }

    /** A value typed by the user; surrounding blanks are dropped, and an empty text unsets an optional key. */
    final T parse(String text) throws Invalid {
        String t = text == null ? "" : text.strip();
        if (optional && t.isEmpty()) {
            return null;
        }
        return checked(fromText(t));
    }

    /** True when {@code value} (null meaning unset) is acceptable; used by the record constructor. */
    final boolean valid(T value) {
        return value == null ? optional : check(value);
    }

    /** The value as TOML wants it (a String, Number or Boolean). */
    Object toToml(T value) {
        return value;
    }

    /** The value as {@code config get} prints it and {@code config set} accepts it; empty for unset. */
    String toText(T value) {
        return value == null ? "" : value.toString();
    }

    abstract T fromNode(JsonNode node) throws Invalid;

    abstract T fromText(String text) throws Invalid;

    boolean check(T value) {
        return true;
    }

    private T checked(T value) throws Invalid {
        if (value == null || !check(value)) {
            throw new Invalid();
        }
        return value;
    }

    private static String textOf(JsonNode node) throws Invalid {
        if (!node.isTextual()) {
            throw new Invalid();
        }
        return node.textValue();
    }

    // ---- the kinds of values the config has ----

    static ValueType<Boolean> bool() {
        return new ValueType<>("expected true or false", false) {
            @Override
            Boolean fromNode(JsonNode node) throws Invalid {
                if (!node.isBoolean()) {
                    throw new Invalid();
                }
                return node.booleanValue();
            }

            @Override
            Boolean fromText(String text) throws Invalid {
                return switch (text.toLowerCase(Locale.ROOT)) {
                    case "true" -> true;
                    case "false" -> false;
                    default -> throw new Invalid();
                };
            }
        };
    }

    /** An int in {@code [min, max]}; TOML floats are refused rather than truncated. */
    static ValueType<Integer> integer(int min, int max) {
        String expected = max == Integer.MAX_VALUE
                ? "expected an integer >= " + min
                : "expected an integer from " + min + " to " + max;
        return new ValueType<>(expected, false) {
            @Override
            Integer fromNode(JsonNode node) throws Invalid {
                if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                    throw new Invalid();
                }
                return node.intValue();
            }

            @Override
            Integer fromText(String text) throws Invalid {
                try {
                    return Integer.parseInt(text);
                } catch (NumberFormatException e) {
                    throw new Invalid();
                }
            }

            @Override
            boolean check(Integer value) {
                return value >= min && value <= max;
            }
        };
    }

    /** Plain decimal notation only: Double.parseDouble would also take "NaN", "0x1p3" and "1d". */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

    /** A finite double >= min; TOML integers are accepted ({@code vram_threshold_gb = 12}). */
    static ValueType<Double> number(double min) {
        return new ValueType<>("expected a number >= " + trimZero(min), false) {
            @Override
            Double fromNode(JsonNode node) throws Invalid {
                if (!node.isNumber()) {
                    throw new Invalid();
                }
                return node.doubleValue();
            }

            @Override
            Double fromText(String text) throws Invalid {
                if (!DECIMAL.matcher(text).matches()) {
                    throw new Invalid();
                }
                return Double.parseDouble(text);
            }

            @Override
            boolean check(Double value) {
                return Double.isFinite(value) && value >= min;
            }
        };
    }

    /** An absolute URL with a host and one of {@code schemes}; the scheme is compared without case, as RFC 3986 says. */
    static ValueType<URI> url(List<String> schemes) {
        String names = schemes.size() == 1 ? schemes.getFirst()
                : String.join(", ", schemes.subList(0, schemes.size() - 1)) + " or " + schemes.getLast();
        Set<String> allowed = Set.copyOf(schemes);
        return new ValueType<>("expected an absolute " + names + " URL with a host", false) {
            @Override
            URI fromNode(JsonNode node) throws Invalid {
                return fromText(textOf(node).strip());
            }

            @Override
            URI fromText(String text) throws Invalid {
                try {
                    return new URI(text);
                } catch (URISyntaxException e) {
                    throw new Invalid();
                }
            }

            @Override
            boolean check(URI value) {
                return value.isAbsolute()
                        && allowed.contains(value.getScheme().toLowerCase(Locale.ROOT))
                        && value.getHost() != null;
            }
        };
    }

    /** One of a fixed set of lowercase names. */
    static ValueType<String> choice(List<String> choices) {
        return new ValueType<>("expected one of " + String.join(", ", choices), false) {
            @Override
            String fromNode(JsonNode node) throws Invalid {
                return fromText(textOf(node).strip());
            }

            @Override
            String fromText(String text) {
                return text.toLowerCase(Locale.ROOT);
            }

            @Override
            boolean check(String value) {
                return choices.contains(value);
            }
        };
    }

    /** Free text; a required one must not be blank, an optional one that is blank means unset. */
    static ValueType<String> text(String expected, boolean optional) {
        return textWhere(expected, optional, value -> !value.isBlank());
    }

    /** Canonical 8-4-4-4-12 form only: UUID.fromString also takes short forms like "1-1-1-1-1". */
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    static ValueType<UUID> uuid(boolean optional) {
        return new ValueType<>("expected a UUID", optional) {
            @Override
            UUID fromNode(JsonNode node) throws Invalid {
                return fromText(textOf(node).strip());
            }

            @Override
            UUID fromText(String text) throws Invalid {
                if (!UUID_TEXT.matcher(text).matches()) {
                    throw new Invalid();
                }
                return UUID.fromString(text);
            }

            @Override
            Object toToml(UUID value) {
                return value == null ? null : value.toString();
            }
        };
    }

    /** A text matching {@code pattern} exactly, e.g. the 64-hex-char registration secret. */
    static ValueType<String> pattern(Pattern pattern, String expected, boolean optional) {
        return textWhere(expected, optional, value -> pattern.matcher(value).matches());
    }

    /** A text value that is valid when {@code valid} says so. */
    private static ValueType<String> textWhere(String expected, boolean optional,
            java.util.function.Predicate<String> valid) {
        return new ValueType<>(expected, optional) {
            @Override
            String fromNode(JsonNode node) throws Invalid {
                return textOf(node);
            }

            @Override
            String fromText(String text) {
                return text;
            }

            @Override
            boolean check(String value) {
                return valid.test(value);
            }
        };
    }

    private static String trimZero(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }
}
