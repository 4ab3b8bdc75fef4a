package dev.hfc.service;

import dev.hfc.campaign.content.CampaignRecipient;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.content.RenderedEmail;
import dev.hfc.campaign.report.CampaignReport;
import dev.hfc.campaign.report.ReportFormat;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.schema.SchemaMigrator;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc campaign preview} and {@code report}: what a message looks like, and what the campaign did. */
final class CampaignInfoCommands {

    private CampaignInfoCommands() {}

    @Command(
            name = "preview",
            mixinStandardHelpOptions = true,
            description =
                    "Print the message a customer of a segment would get (subject, text and HTML), with sample values.")
    static final class Preview implements Callable<Integer> {
        @Mixin
        CampaignContentOptions content;

        @Option(
                names = "--segment",
                required = true,
                paramLabel = "low|medium|high",
                description = "The segment to render.")
        String segment;

        @Option(
                names = "--email",
                paramLabel = "ADDRESS",
                description = "The recipient shown (default: a sample address).")
        String email;

        @Option(
                names = "--week",
                paramLabel = "YYYY-Www",
                description = "The target week shown (default: a sample week).")
        String week;

        @Option(
                names = "--pause-weeks",
                paramLabel = "N",
                description = "The pause length shown (default: typical for the segment).")
        Integer pauseWeeks;

        @Override
        public Integer call() {
            Segment s = Segment.fromWire(segment.trim().toLowerCase(Locale.ROOT))
                    .orElseThrow(() -> Cli.usage("--segment", null, "'" + segment + "' is not low, medium or high"));
            CampaignRecipient sample = CampaignTemplates.sample(s);
            CampaignRecipient r = Cli.check(
                    "--email / --week / --pause-weeks",
                    null,
                    () -> new CampaignRecipient(
                            sample.userId(),
                            email == null ? sample.email() : email,
                            week == null ? sample.week() : CampaignCommand.week(week, "--week"),
                            s,
                            pauseWeeks == null ? sample.pauseWeeks() : pauseWeeks,
                            sample.subscriptionId()));
            RenderedEmail rendered = content.templates().render(r, CampaignTemplates.SAMPLE_UNSUBSCRIBE_LINK);
            System.out.println("Subject: " + rendered.subject());
            System.out.println();
            System.out.println("--- text/plain ---");
            System.out.println(rendered.text());
            System.out.println("--- text/html ---");
            System.out.println(rendered.html());
            return Hfc.OK;
        }
    }

    @Command(
            name = "report",
            mixinStandardHelpOptions = true,
            description =
                    "Did the win-back work: per target week and segment, targeted, emailed, control, unsubscribed, "
                            + "bounced, resumed among the emailed and among the control group, the uplift with its 95% confidence "
                            + "interval, and the median time from the email to the resume. Reads only the output database.")
    static final class Report implements Callable<Integer> {
        @Mixin
        DbOptions db;

        @Option(
                names = "--week",
                paramLabel = "YYYY-Www",
                description = "Only this target week (default: every week on record).")
        String week;

        @Option(
                names = "--format",
                paramLabel = "table|json|csv",
                defaultValue = "table",
                description = "Output format (default ${DEFAULT-VALUE}).")
        String format;

        @Override
        public Integer call() throws Exception {
            ReportFormat f = Cli.check("--format", null, () -> ReportFormat.parse(format.trim()));
            Week w = week == null ? null : CampaignCommand.week(week.trim(), "--week");
            DbSettings dbSettings = db.settings();
            SchemaMigrator.migrate(dbSettings, false);
            System.out.print(f.render(CampaignReport.read(dbSettings, w)));
            return Hfc.OK;
        }
    }
}
