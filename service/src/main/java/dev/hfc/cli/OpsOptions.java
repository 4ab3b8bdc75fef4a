package dev.hfc.cli;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import picocli.CommandLine.Option;

/** The §8 operations endpoint of long-running services, and the address it listens on. */
final class OpsOptions {

    @Option(names = "--ops-port", paramLabel = "PORT", defaultValue = "${env:HFC_OPS_PORT}",
            description = "Serve /health and /metrics (and the campaign's pages) on this port (env HFC_OPS_PORT; default off).")
    Integer opsPort;

    @Option(names = "--ops-bind-address", paramLabel = "ADDRESS", defaultValue = "${env:HFC_OPS_BIND_ADDRESS:-0.0.0.0}",
            description = "Address the ops port listens on: 127.0.0.1 keeps it (and the campaign dashboard, which has no "
                    + "login) to this host; 0.0.0.0 is every interface (env HFC_OPS_BIND_ADDRESS; default ${DEFAULT-VALUE}).")
    String bindAddress;

    Integer port() {
        if (opsPort != null && (opsPort < 0 || opsPort > 65535)) {
            throw Cli.usage("--ops-port", "HFC_OPS_PORT", "port " + opsPort + " is outside 0..65535");
        }
        return opsPort;
    }

    /** Where to serve, or null when no port is set. */
    InetSocketAddress address() {
        Integer port = port();
        if (port == null) {
            return null;
        }
        String host = bindAddress == null ? "" : bindAddress.trim();
        if (host.isEmpty()) {
            throw Cli.usage("--ops-bind-address", "HFC_OPS_BIND_ADDRESS", "must name an address, e.g. 127.0.0.1 or 0.0.0.0");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw Cli.usage("--ops-bind-address", "HFC_OPS_BIND_ADDRESS", "'" + host + "' is not an address of this host");
        }
    }
}
