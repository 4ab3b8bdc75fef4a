package dev.hfc.service;

import dev.hfc.campaign.CampaignApplication;
import dev.hfc.campaign.CampaignConfig;
import dev.hfc.campaign.send.CampaignMetrics;
import dev.hfc.campaign.send.CampaignSender;
import dev.hfc.campaign.send.SendReport;
import dev.hfc.core.week.Week;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc campaign send}: one week's campaign, now, then exit. */
@Command(
        name = "send",
        mixinStandardHelpOptions = true,
        description = "Send the campaign of one week to every unsent row, then exit (0 when every row was handled).")
final class CampaignSendCommand implements Callable<Integer> {
    @Mixin
    CampaignOptions options;

    @Option(
            names = "--week",
            paramLabel = "YYYY-Www",
            description = "Week to send (default: the target week, the one after the current).")
    String week;

    @Option(names = "--dry-run", description = "Render and count what would be sent; send and mark nothing.")
    boolean dryRun;

    @Override
    public Integer call() throws Exception {
        ZoneId zone = options.zone();
        Week w = week == null ? Week.target(Instant.now(), zone) : CampaignCommand.week(week, "--week");
        // One run, then exit: it keeps no schedule and serves nothing, so those parts are the defaults.
        CampaignConfig config =
                options.config(dryRun, CampaignConfig.Schedule.defaults(zone), CampaignConfig.Consent.DEFAULT, false);
        try (CampaignApplication campaign = CampaignApplication.assemble(
                        config, new CampaignMetrics(ServiceRunner.registry("campaign")), Clock.systemUTC());
                CampaignSender sender = campaign.sender()) {
            // On SIGTERM: finish the message in hand, mark what was accepted, then let the JVM exit.
            java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
            Thread hook = new Thread(
                    () -> {
                        sender.stop();
                        try {
                            finished.await(30, java.util.concurrent.TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    "hfc-campaign-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            SendReport report;
            try {
                report = dryRun ? sender.dryRun(w) : sender.send(w);
            } finally {
                finished.countDown();
            }
            System.out.println("campaign " + report.summary());
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // SIGTERM arrived: the hook has already run its course
            }
            return report.complete() ? Hfc.OK : Hfc.FAILED;
        }
    }
}
