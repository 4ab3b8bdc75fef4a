package dev.hfc.service;

import dev.hfc.campaign.CampaignConfig;
import dev.hfc.campaign.delivery.SmtpSettings;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Where and how fast mail goes out: the SMTP server, its credentials and timeouts, the sender address and the rate. */
final class SmtpOptions {
    @Option(
            names = "--smtp-host",
            paramLabel = "HOST",
            defaultValue = "${env:HFC_SMTP_HOST:-localhost}",
            description = "SMTP server (env HFC_SMTP_HOST; default ${DEFAULT-VALUE}).")
    String host;

    @Option(
            names = "--smtp-port",
            paramLabel = "PORT",
            defaultValue = "${env:HFC_SMTP_PORT:-25}",
            description = "SMTP port (env HFC_SMTP_PORT; default ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--smtp-security",
            paramLabel = "none|starttls|tls",
            defaultValue = "${env:HFC_SMTP_SECURITY:-none}",
            description =
                    "none, starttls (required upgrade) or tls (SMTPS) (env HFC_SMTP_SECURITY; default ${DEFAULT-VALUE}).")
    String security;

    @Option(
            names = "--smtp-user",
            paramLabel = "USER",
            defaultValue = "${env:HFC_SMTP_USER}",
            description = "SMTP user; no authentication when unset (env HFC_SMTP_USER).")
    String user;

    @Option(
            names = "--smtp-password",
            paramLabel = "PASSWORD",
            defaultValue = "${env:HFC_SMTP_PASSWORD:-}",
            description = "SMTP password (env HFC_SMTP_PASSWORD). Never logged.")
    String password;

    @Option(
            names = "--smtp-timeout-ms",
            paramLabel = "MS",
            defaultValue = "${env:HFC_SMTP_TIMEOUT_MS:-10000}",
            description = "Connect, read and write timeout (env HFC_SMTP_TIMEOUT_MS; default ${DEFAULT-VALUE}).")
    long timeoutMs;

    @Option(
            names = "--smtp-retry-timeout-ms",
            paramLabel = "MS",
            defaultValue = "${env:HFC_SMTP_RETRY_TIMEOUT_MS:-60000}",
            description = "How long one message is retried while the server is unreachable or answers 4xx "
                    + "(env HFC_SMTP_RETRY_TIMEOUT_MS; default ${DEFAULT-VALUE}).")
    long retryTimeoutMs;

    @Option(
            names = "--from",
            paramLabel = "ADDRESS",
            defaultValue = "${env:HFC_CAMPAIGN_FROM:-Meal kits <campaigns@example.com>}",
            description = "Sender address (env HFC_CAMPAIGN_FROM; default ${DEFAULT-VALUE}).")
    String from;

    @Option(
            names = "--message-id-domain",
            paramLabel = "DOMAIN",
            defaultValue = "${env:HFC_CAMPAIGN_MESSAGE_ID_DOMAIN}",
            description =
                    "Right-hand side of the Message-IDs (env HFC_CAMPAIGN_MESSAGE_ID_DOMAIN; default: the From domain).")
    String messageIdDomain;

    @Option(
            names = "--smtp-connections",
            paramLabel = "N",
            defaultValue = "${env:HFC_SMTP_CONNECTIONS:-" + CampaignConfig.DEFAULT_SMTP_CONNECTIONS + "}",
            description = "SMTP connections sending at once (1..64); each message still goes out once "
                    + "(env HFC_SMTP_CONNECTIONS; default ${DEFAULT-VALUE}).")
    int connections;

    @Option(
            names = "--rate",
            paramLabel = "PER_S",
            defaultValue = "${env:HFC_CAMPAIGN_RATE:-20}",
            description =
                    "Highest send rate in messages per second, 0 for no limit (env HFC_CAMPAIGN_RATE; default ${DEFAULT-VALUE}).")
    double rate;

    SmtpSettings settings() {
        SmtpSettings.Security sec =
                Cli.check("--smtp-security", "HFC_SMTP_SECURITY", () -> SmtpSettings.Security.parse(security));
        if (timeoutMs <= 0 || retryTimeoutMs < 0) {
            throw Cli.usage(
                    "--smtp-timeout-ms / --smtp-retry-timeout-ms",
                    "HFC_SMTP_TIMEOUT_MS / HFC_SMTP_RETRY_TIMEOUT_MS",
                    "timeout must be positive and retry timeout not negative");
        }
        return Cli.check(
                "--smtp-host / --smtp-port / --from / --message-id-domain / --rate",
                "HFC_SMTP_* / HFC_CAMPAIGN_*",
                () -> new SmtpSettings(
                        host,
                        port,
                        sec,
                        user,
                        password,
                        from,
                        messageIdDomain,
                        rate,
                        Duration.ofMillis(timeoutMs),
                        Duration.ofMillis(retryTimeoutMs)));
    }
}
