package dev.hfc.cli.demo;

import dev.hfc.campaign.report.CampaignReport;
import dev.hfc.campaign.report.ReportFormat;
import dev.hfc.campaign.send.SendReport;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.topic.Topics;
import dev.hfc.core.week.Week;
import dev.hfc.harness.LiveChanges;
import dev.hfc.harness.ReferenceCheck;
import dev.hfc.schema.Database;
import dev.hfc.schema.Tables;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/** What the demo prints at its end: the table per week and segment, the figures, the check and the campaign runs. */
public final class DemoReport {

    private DemoReport() {}

    /** The targeted customers per week and segment, the pipeline's figures, the check's verdict and where to look next. */
    public static void printSummary(
            DbSettings db,
            Week current,
            ReferenceCheck.Outcome check,
            LiveChanges.Applied applied,
            Histogram latency,
            double eventsPerSecond,
            int port,
            Topics topics,
            long begin,
            boolean keepSchema)
            throws SQLException {
        System.out.println();
        System.out.println("Targeted customers per week and segment (rec_campaigns_weekly):");
        System.out.printf("  %-9s %9s %9s %9s %9s%n", "week", "low", "medium", "high", "total");
        Map<String, long[]> byWeek = new TreeMap<>();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT subscription_week, segment, count(*) FROM "
                        + Tables.CAMPAIGN_TARGETS + " GROUP BY 1, 2 ORDER BY 1")) {
            while (rs.next()) {
                long[] counts = byWeek.computeIfAbsent(rs.getString(1), k -> new long[3]);
                counts[
                                switch (rs.getString(2)) {
                                    case "low" -> 0;
                                    case "medium" -> 1;
                                    default -> 2;
                                }] =
                        rs.getLong(3);
            }
        }
        byWeek.forEach((week, n) -> System.out.printf(
                "  %-9s %,9d %,9d %,9d %,9d%s%n",
                week,
                n[0],
                n[1],
                n[2],
                n[0] + n[1] + n[2],
                week.equals(current.plus(1).toString()) ? "   <- target week" : ""));
        System.out.println();
        System.out.printf(
                "Pipeline: %,.0f events/s through producer, segmenter and sink on the initial load.%n",
                eventsPerSecond);
        if (applied != null) {
            System.out.printf(
                    "Live changes: %,d applied in %.1f s (%d pauses, %d resumes, %d cancellations, %d email changes, "
                            + "%d customer deletes, %d new customers).%n",
                    applied.total(),
                    applied.seconds(),
                    applied.pauses(),
                    applied.resumes(),
                    applied.cancellations(),
                    applied.emailChanges(),
                    applied.deletes(),
                    applied.newCustomers());
            if (latency != null && latency.getTotalCount() > 0) {
                System.out.printf(
                        "Latency from a pause committed in PostgreSQL to its row in the table: p50 %d ms, p99 %d ms, "
                                + "max %d ms (%d samples).%n",
                        latency.getValueAtPercentile(50),
                        latency.getValueAtPercentile(99),
                        latency.getMaxValue(),
                        latency.getTotalCount());
            }
        }
        System.out.println();
        if (check.matches()) {
            System.out.printf(
                    "CHECK PASSED: rec_campaigns_weekly equals the reference SQL computation for every target week "
                            + "from %s on (%,d rows).%n",
                    current, check.actualRows());
        } else {
            System.out.printf(
                    "CHECK FAILED: %,d differences between rec_campaigns_weekly (%,d rows) and the reference SQL "
                            + "(%,d rows); the first:%n",
                    check.differences(), check.actualRows(), check.expectedRows());
            check.firstDifferences().forEach(d -> System.out.println("  " + d));
        }
        System.out.println();
        System.out.println("Where to look next:");
        System.out.println("  metrics (while it ran): http://127.0.0.1:" + port + "/metrics");
        System.out.println("  topics:  " + topics.subscriptionEvents().name() + ", "
                + topics.customers().name() + ", " + topics.customerSegments().name() + ", "
                + topics.dlq().name());
        System.out.println("  table:   " + db.qualified(Tables.CAMPAIGN_TARGETS)
                + (keepSchema ? " (kept)" : " (dropped; --keep-schema keeps it)"));
        System.out.printf("  total time %.1f s%n", (System.nanoTime() - begin) / 1e9);
    }

    /** One campaign run: what was sent, what the SMTP server received, and the verdict. */
    public static void printCampaign(DemoCampaign.Outcome outcome) {
        SendReport report = outcome.report();
        System.out.println();
        System.out.printf(
                "Campaign for %s, %s, sent to an in-process SMTP server in %.1f s: %,d emails (low %,d, medium %,d, "
                        + "high %,d), %,d held back as the control group; the server received %,d%s.%n",
                report.week(),
                outcome.run(),
                outcome.seconds(),
                report.sentTotal(),
                report.sent().getOrDefault(Segment.LOW, 0L),
                report.sent().getOrDefault(Segment.MEDIUM, 0L),
                report.sent().getOrDefault(Segment.HIGH, 0L),
                report.controlTotal(),
                outcome.received(),
                report.addressRejected() == 0
                        ? ""
                        : String.format(", %,d addresses refused for good", report.addressRejected()));
        System.out.println(
                outcome.ok()
                        ? "CAMPAIGN PASSED: every row of the target week was sent once and marked, or held back."
                        : "CAMPAIGN FAILED: " + report.summary() + "; received " + outcome.received()
                                + ", unsent rows left " + outcome.unsentLeft());
    }

    /** The target week's win-back report, as {@code hfc campaign report} shows it, and where the dashboard was. */
    public static void printWinBack(DbSettings db, Week target, int port) throws SQLException {
        System.out.println();
        System.out.println("Win-back report for " + target + " (hfc campaign report --week " + target + "):");
        System.out.print(ReportFormat.TABLE.render(CampaignReport.read(db, target)));
        System.out.println("The dashboard was at http://127.0.0.1:" + port + "/dashboard while the demo ran "
                + "(hfc campaign run serves it on its --ops-port).");
    }
}
