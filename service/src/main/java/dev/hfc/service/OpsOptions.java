package dev.hfc.service;

import dev.hfc.core.http.Credentials;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The §8 operations listener of long-running services (health, metrics, and the campaign's dashboard and
 * trigger), the address it listens on, and the operator's token.
 */
final class OpsOptions {

    @Option(
            names = "--ops-port",
            paramLabel = "PORT",
            defaultValue = "${env:HFC_OPS_PORT}",
            description = "Serve /health and /metrics (and the campaign's /dashboard and /trigger) on this port "
                    + "(env HFC_OPS_PORT; default off).")
    Integer opsPort;

    @Option(
            names = "--ops-bind-address",
            paramLabel = "ADDRESS",
            defaultValue = "${env:HFC_OPS_BIND_ADDRESS:-127.0.0.1}",
            description =
                    "Address the ops listener binds: 127.0.0.1 keeps it to this host; 0.0.0.0 is every interface, "
                            + "for a Prometheus elsewhere (the campaign's dashboard then needs the operator token) "
                            + "(env HFC_OPS_BIND_ADDRESS; default ${DEFAULT-VALUE}).")
    String bindAddress;

    @Option(
            names = "--operator-token",
            paramLabel = "TOKEN",
            defaultValue = "${env:HFC_OPERATOR_TOKEN}",
            description =
                    "Bearer token that operator actions (POST /trigger) need, at least 32 characters; without one they "
                            + "are refused (env HFC_OPERATOR_TOKEN; prefer --operator-token-file). Never logged.")
    String operatorToken;

    @Option(
            names = "--operator-token-file",
            paramLabel = "FILE",
            defaultValue = "${env:HFC_OPERATOR_TOKEN_FILE}",
            description = "File holding the operator token, e.g. a mounted secret (env HFC_OPERATOR_TOKEN_FILE).")
    Path operatorTokenFile;

    /** Where to serve, or null when no port is set. */
    InetSocketAddress address() {
        return ServiceRunner.address(
                opsPort, bindAddress, "--ops-port", "--ops-bind-address", "HFC_OPS_PORT", "HFC_OPS_BIND_ADDRESS");
    }

    /** The operator's credentials, or null when no token is configured. */
    Credentials credentials() {
        if (operatorToken != null && !operatorToken.isBlank() && operatorTokenFile != null) {
            throw Cli.usage(
                    "--operator-token / --operator-token-file",
                    "HFC_OPERATOR_TOKEN / HFC_OPERATOR_TOKEN_FILE",
                    "give the token one way, not both");
        }
        if (operatorTokenFile != null) {
            String token;
            try {
                token = Files.readString(operatorTokenFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw Cli.usage(
                        "--operator-token-file",
                        "HFC_OPERATOR_TOKEN_FILE",
                        "cannot read " + operatorTokenFile + ": " + e);
            }
            return Cli.check("--operator-token-file", "HFC_OPERATOR_TOKEN_FILE", () -> Credentials.bearer(token));
        }
        if (operatorToken == null || operatorToken.isBlank()) {
            return null;
        }
        return Cli.check("--operator-token", "HFC_OPERATOR_TOKEN", () -> Credentials.bearer(operatorToken));
    }
}
