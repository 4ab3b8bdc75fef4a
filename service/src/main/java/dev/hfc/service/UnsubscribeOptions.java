package dev.hfc.service;

import dev.hfc.campaign.consent.Unsubscribe;
import dev.hfc.campaign.consent.UnsubscribeTokens;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.core.config.DbSettings;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** How recipients leave: the one-click URL, its token secret, the mailto address and the List-Id. */
final class UnsubscribeOptions {
    @Option(
            names = "--unsubscribe-url",
            paramLabel = "URL",
            defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_URL}",
            description =
                    "The unsubscribe endpoint as recipients reach it, https: 'hfc campaign run' serves it at /unsubscribe "
                            + "on its public listener (--public-port), behind your TLS proxy. Required to send; an explicit http:// URL "
                            + "is taken for local tests (env HFC_CAMPAIGN_UNSUBSCRIBE_URL; no default).")
    String url;

    @Option(
            names = "--unsubscribe-mailto",
            paramLabel = "ADDRESS",
            defaultValue = "${env:HFC_CAMPAIGN_UNSUBSCRIBE_MAILTO}",
            description =
                    "Address in List-Unsubscribe's mailto, advertised only when set: mails to it are yours to read and apply "
                            + "with 'hfc campaign unsubscribe --token' (env HFC_CAMPAIGN_UNSUBSCRIBE_MAILTO; default none: one-click only).")
    String mailto;

    @Option(
            names = "--list-id",
            paramLabel = "ID",
            defaultValue = "${env:HFC_CAMPAIGN_LIST_ID}",
            description =
                    "List-Id of the campaign (env HFC_CAMPAIGN_LIST_ID; default: pause-campaign. the From domain).")
    String listId;

    @Mixin
    UnsubscribeTokenOptions keys;

    UnsubscribeTokens tokens(DbSettings db) {
        return keys.tokens(db);
    }

    /**
     * How messages say to leave. Sending to real recipients needs the URL, https; an explicit http:// is taken
     * (local tests, the demo) with a warning.
     */
    void requireUrl() {
        if (url == null || url.isBlank()) {
            throw Cli.usage(
                    "--unsubscribe-url",
                    "HFC_CAMPAIGN_UNSUBSCRIBE_URL",
                    "is required to send: the https URL at which "
                            + "recipients reach /unsubscribe of 'hfc campaign run' (its public listener, behind your TLS proxy)");
        }
    }

    Unsubscribe unsubscribe(UnsubscribeTokens tokens, SmtpSettings smtp) {
        requireUrl();
        String address = smtp.fromAddress().getAddress();
        String domain = address.substring(address.lastIndexOf('@') + 1);
        var u = Cli.check(
                "--unsubscribe-url / --unsubscribe-mailto / --list-id",
                "HFC_CAMPAIGN_UNSUBSCRIBE_URL / HFC_CAMPAIGN_UNSUBSCRIBE_MAILTO / HFC_CAMPAIGN_LIST_ID",
                () -> new Unsubscribe(
                        tokens,
                        java.net.URI.create(url.trim()),
                        mailto == null || mailto.isBlank() ? null : mailto.trim(),
                        listId == null ? "pause-campaign." + domain : listId.trim(),
                        "Paused deliveries"));
        if (!u.isHttps()) {
            LoggerFactory.getLogger(CampaignOptions.class)
                    .warn(
                            "campaign: the unsubscribe URL {} is not https: fine for a "
                                    + "local test, but Gmail and Yahoo expect an https one-click URL from bulk senders (--unsubscribe-url)",
                            u.urlBase());
        }
        return u;
    }
}
