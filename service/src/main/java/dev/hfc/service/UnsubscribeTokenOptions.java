package dev.hfc.service;

import dev.hfc.campaign.consent.ConsentStore;
import dev.hfc.campaign.consent.UnsubscribeTokens;
import dev.hfc.core.config.DbSettings;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** The key of the unsubscribe tokens, and how long a token keeps working. */
final class UnsubscribeTokenOptions {
    @Option(
            names = "--unsubscribe-secret",
            paramLabel = "SECRET",
            defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_SECRET}",
            description = "Key of the unsubscribe tokens, at least 32 characters (env HFC_CAMPAIGN_UNSUBSCRIBE_SECRET; "
                    + "default: one generated once and kept in hfc_campaign_secrets). Never logged.")
    String secret;

    @Option(
            names = "--unsubscribe-token-days",
            paramLabel = "DAYS",
            defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_TOKEN_DAYS:-180}",
            description =
                    "How long an unsubscribe link keeps working (env HFC_CAMPAIGN_UNSUBSCRIBE_TOKEN_DAYS; default ${DEFAULT-VALUE}).")
    int tokenDays;

    UnsubscribeTokens tokens(DbSettings db) {
        if (tokenDays < 1) {
            throw Cli.usage("--unsubscribe-token-days", "HFC_CAMPAIGN_UNSUBSCRIBE_TOKEN_DAYS", "must be at least 1");
        }
        byte[] key;
        if (secret != null && !secret.isBlank()) {
            key = secret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            if (key.length < 32) {
                throw Cli.usage(
                        "--unsubscribe-secret",
                        "HFC_CAMPAIGN_UNSUBSCRIBE_SECRET",
                        "must be at least 32 characters long");
            }
        } else {
            try {
                var stored = new ConsentStore(db).secret("unsubscribe-token", 32);
                key = stored.value();
                LoggerFactory.getLogger(CampaignOptions.class)
                        .info(
                                "campaign: no --unsubscribe-secret; using the "
                                        + "token key {} in {} (set one to share it with other systems)",
                                stored.created() ? "generated now and kept" : "generated earlier and kept",
                                db.qualified("hfc_campaign_secrets"));
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException("cannot read or store the unsubscribe token key: " + e.getMessage(), e);
            }
        }
        return new UnsubscribeTokens(key, Duration.ofDays(tokenDays), Clock.systemUTC());
    }
}
