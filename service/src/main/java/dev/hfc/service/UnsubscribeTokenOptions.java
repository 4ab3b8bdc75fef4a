package dev.hfc.service;

import dev.hfc.campaign.CampaignApplication;
import dev.hfc.campaign.CampaignConfig;
import dev.hfc.campaign.consent.UnsubscribeTokens;
import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.Tables;
import java.time.Clock;
import picocli.CommandLine.Option;

/** The key of the unsubscribe tokens, and how long a token keeps working. */
final class UnsubscribeTokenOptions {
    @Option(
            names = "--unsubscribe-secret",
            paramLabel = "SECRET",
            defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_SECRET}",
            description = "Key of the unsubscribe tokens, at least 32 characters (env HFC_CAMPAIGN_UNSUBSCRIBE_SECRET; "
                    + "default: one generated once and kept in " + Tables.CAMPAIGN_SECRETS + "). Never logged.")
    String secret;

    @Option(
            names = "--unsubscribe-token-days",
            paramLabel = "DAYS",
            defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_TOKEN_DAYS:-" + CampaignConfig.DEFAULT_TOKEN_DAYS + "}",
            description =
                    "How long an unsubscribe link keeps working (env HFC_CAMPAIGN_UNSUBSCRIBE_TOKEN_DAYS; default ${DEFAULT-VALUE}).")
    int tokenDays;

    /** The key's settings; the days are checked on their own first, so that a mistake names its flag. */
    CampaignConfig.Tokens config() {
        Cli.check(
                "--unsubscribe-token-days",
                "HFC_CAMPAIGN_UNSUBSCRIBE_TOKEN_DAYS",
                () -> new CampaignConfig.Tokens(null, tokenDays));
        return Cli.check(
                "--unsubscribe-secret",
                "HFC_CAMPAIGN_UNSUBSCRIBE_SECRET",
                () -> new CampaignConfig.Tokens(secret, tokenDays));
    }

    /** The tokens: with --unsubscribe-secret, or with the key kept in the database (migrated already). */
    UnsubscribeTokens tokens(DbSettings db) {
        return CampaignApplication.unsubscribeTokens(config(), db, Clock.systemUTC());
    }
}
