package dev.hfc.service;

import dev.hfc.campaign.SenderConfig;
import dev.hfc.campaign.delivery.SmtpSettings;
import java.net.URI;
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

    /**
     * The flags' unsubscribe URL, mailto and List-Id (by default {@code pause-campaign.} and the From domain); for a
     * dry run without a URL, the sample link of the previews.
     */
    SenderConfig.Unsubscribing unsubscribing(boolean dryRun, SmtpSettings smtp) {
        if (dryRun && (url == null || url.isBlank())) {
            return SenderConfig.Unsubscribing.DRY_RUN_SAMPLE;
        }
        requireUrl();
        var u = Cli.check(
                "--unsubscribe-url / --unsubscribe-mailto / --list-id",
                "HFC_CAMPAIGN_UNSUBSCRIBE_URL / HFC_CAMPAIGN_UNSUBSCRIBE_MAILTO / HFC_CAMPAIGN_LIST_ID",
                () -> new SenderConfig.Unsubscribing(
                        URI.create(url.trim()),
                        mailto == null || mailto.isBlank() ? null : mailto.trim(),
                        listId == null ? SenderConfig.Unsubscribing.defaultListId(smtp) : listId.trim()));
        if (!u.isHttps()) {
            LoggerFactory.getLogger(CampaignOptions.class)
                    .warn(
                            "campaign: the unsubscribe URL {} is not https: fine for a "
                                    + "local test, but Gmail and Yahoo expect an https one-click URL from bulk senders (--unsubscribe-url)",
                            u.url());
        }
        return u;
    }
}
