package dev.hfc.service;

import dev.hfc.core.week.InvalidWeekException;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Tables;
import picocli.CommandLine.Command;

/** {@code hfc campaign send|run|preview|report|…}: the weekly campaign emails (§1 part 3) and what they did. */
@Command(
        name = "campaign",
        mixinStandardHelpOptions = true,
        description = "Send the weekly pause campaign from " + Tables.CAMPAIGN_TARGETS + " and mark the rows sent.",
        subcommands = {
            CampaignSendCommand.class,
            CampaignRunCommand.class,
            CampaignInfoCommands.Preview.class,
            CampaignConsentCommands.Unsubscribe.class,
            CampaignConsentCommands.Resubscribe.class,
            CampaignInfoCommands.Report.class
        })
final class CampaignCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(
                spec.commandLine(), "a subcommand is required: send, run, preview, unsubscribe, resubscribe or report");
    }

    static Week week(String label, String flag) {
        try {
            return Week.parse(label);
        } catch (InvalidWeekException e) {
            throw Cli.usage(flag, null, e.getMessage());
        }
    }
}
