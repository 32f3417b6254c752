package gg.minis.studio.worker.runner.localapi;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * The DNS-rebinding and cross-site guard: a browser page on another site can reach a loopback port, but it cannot
 * make the request's {@code Host} (or its {@code Origin}) say loopback. So both must name 127.0.0.1, localhost or
 * [::1] (any port).
 */
final class LoopbackGuard {
    private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

    private LoopbackGuard() {}

    /** Null when the request may pass; otherwise why not. */
    static String refusal(String host, String origin) {
        if (host == null || host.isBlank()) {
            return "the Host header is missing";
        }
        if (!isLoopbackAuthority(host.strip())) {
            return "Host '" + shorten(host) + "' is not a loopback address; the local API only answers 127.0.0.1, "
                    + "localhost and [::1]";
        }
        if (origin != null && !isLoopbackOrigin(origin.strip())) {
            return "Origin '" + shorten(origin) + "' is not a loopback origin";
        }
        return null;
    }

    /** {@code host}, {@code host:port}, {@code [v6]} or {@code [v6]:port}. */
    static boolean isLoopbackAuthority(String authority) {
        String a = authority.toLowerCase(Locale.ROOT);
        String host;
        String port = null;
        if (a.startsWith("[")) {
            int end = a.indexOf(']');
            if (end < 0) {
                return false;
            }
            host = a.substring(0, end + 1);
            String rest = a.substring(end + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return false;
                }
                port = rest.substring(1);
            }
        } else {
            int colon = a.indexOf(':');
            host = colon < 0 ? a : a.substring(0, colon);
            port = colon < 0 ? null : a.substring(colon + 1);
        }
        if (host.endsWith(".") && !host.startsWith("[")) {
            host = host.substring(0, host.length() - 1); // "localhost." is the same name
        }
        return LOOPBACK.contains(host) && (port == null || port.matches("[0-9]{1,5}"));
    }

    /** {@code scheme://host[:port]}; the literal {@code null} origin (sandboxed frames, files) is refused. */
    static boolean isLoopbackOrigin(String origin) {
        try {
            URI uri = new URI(origin);
            String authority = uri.getRawAuthority();
            return uri.getScheme() != null && authority != null && !authority.contains("@")
                    && isLoopbackAuthority(authority);
        } catch (URISyntaxException e) {
            return false;
        }
    }

    private static String shorten(String s) {
        String t = s.replaceAll("[\\p{Cntrl}]", "?");
        return t.length() > 100 ? t.substring(0, 100) + "..." : t;
    }
}
