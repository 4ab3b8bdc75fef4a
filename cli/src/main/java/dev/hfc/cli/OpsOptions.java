package dev.hfc.cli;

import picocli.CommandLine.Option;

/** The §8 operations endpoint of long-running services. */
final class OpsOptions {

    @Option(names = "--ops-port", paramLabel = "PORT", defaultValue = "${env:HFC_OPS_PORT}",
            description = "Serve /health and /metrics on this port (env HFC_OPS_PORT; default off).")
    Integer opsPort;

    Integer port() {
        if (opsPort != null && (opsPort < 0 || opsPort > 65535)) {
            throw Cli.usage("--ops-port", "HFC_OPS_PORT", "port " + opsPort + " is outside 0..65535");
        }
        return opsPort;
    }
}
