package dev.hfc.campaign.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/** How {@code hfc campaign report} prints a {@link CampaignReport}. */
public enum ReportFormat {
    TABLE,
    JSON,
    CSV;

    /** The method named in every format, so a reader knows what the interval is. */
    public static final String METHOD =
            "uplift = resumed rate of the assigned (claimed to be emailed, whatever came of it: "
                    + "intention to treat) - of the control; 95% CI by Newcombe's hybrid "
                    + "score method (Wilson score intervals of the two rates combined; Newcombe 1998, method 10)";

    private static final ObjectMapper JSON_MAPPER = new ObjectMapper();

    public static ReportFormat parse(String value) {
        for (ReportFormat f : values()) {
            if (f.name().equalsIgnoreCase(value)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown format '" + value + "' (table, json or csv)");
    }

    public String render(CampaignReport report) {
        return switch (this) {
            case TABLE -> table(report);
            case JSON -> json(report).toPrettyString() + "\n";
            case CSV -> csv(report);
        };
    }

    /** The report as a JSON tree (also what the dashboard reads). */
    public static ObjectNode json(CampaignReport report) {
        ObjectNode root = JSON_MAPPER.createObjectNode();
        root.put("method", METHOD);
        ArrayNode lines = root.putArray("lines");
        for (CampaignReport.Line l : report.lines()) {
            ObjectNode n = lines.addObject();
            n.put("week", l.week().toString());
            n.put("segment", l.segment().wire());
            n.put("targeted", l.targeted());
            n.put("emailed", l.emailed());
            n.put("control", l.control());
            n.put("unsubscribed", l.unsubscribed());
            n.put("bounced", l.bounced());
            n.put("resumed_emailed", l.resumedEmailed());
            n.put("resumed_control", l.resumedControl());
            n.put("assigned", l.assigned());
            n.put("resumed_assigned", l.resumedAssigned());
            number(n, "resumed_rate_emailed", l.emailedRate());
            number(n, "resumed_rate_assigned", l.assignedRate());
            number(n, "resumed_rate_control", l.controlRate());
            Uplift u = l.uplift();
            number(n, "uplift", u.difference());
            number(n, "uplift_ci95_lower", u.lower());
            number(n, "uplift_ci95_upper", u.upper());
            if (l.medianResumeSeconds() == null) {
                n.putNull("median_resume_latency_s");
            } else {
                n.put("median_resume_latency_s", l.medianResumeSeconds());
            }
        }
        return root;
    }

    private static void number(ObjectNode n, String field, double v) {
        if (Double.isNaN(v)) {
            n.putNull(field);
        } else {
            n.put(field, v);
        }
    }

    private static String csv(CampaignReport report) {
        StringBuilder b =
                new StringBuilder("week,segment,targeted,emailed,control,unsubscribed,bounced,resumed_emailed,"
                        + "resumed_control,resumed_rate_emailed,resumed_rate_control,uplift,uplift_ci95_lower,uplift_ci95_upper,"
                        + "median_resume_latency_s,assigned,resumed_assigned\n");
        for (CampaignReport.Line l : report.lines()) {
            Uplift u = l.uplift();
            b.append(l.week())
                    .append(',')
                    .append(l.segment().wire())
                    .append(',')
                    .append(l.targeted())
                    .append(',')
                    .append(l.emailed())
                    .append(',')
                    .append(l.control())
                    .append(',')
                    .append(l.unsubscribed())
                    .append(',')
                    .append(l.bounced())
                    .append(',')
                    .append(l.resumedEmailed())
                    .append(',')
                    .append(l.resumedControl())
                    .append(',')
                    .append(plain(l.emailedRate()))
                    .append(',')
                    .append(plain(l.controlRate()))
                    .append(',')
                    .append(plain(u.difference()))
                    .append(',')
                    .append(plain(u.lower()))
                    .append(',')
                    .append(plain(u.upper()))
                    .append(',')
                    .append(l.medianResumeSeconds() == null ? "" : plain(l.medianResumeSeconds()))
                    .append(',')
                    .append(l.assigned())
                    .append(',')
                    .append(l.resumedAssigned())
                    .append('\n');
        }
        return b.toString();
    }

    private static String plain(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }

    private static String table(CampaignReport report) {
        StringBuilder b = new StringBuilder();
        String head = "%-8s  %-6s  %8s  %8s  %8s  %7s  %6s  %7s  %15s  %15s  %-26s  %s%n";
        b.append(String.format(
                Locale.ROOT,
                head,
                "week",
                "segment",
                "targeted",
                "assigned",
                "emailed",
                "control",
                "unsub",
                "bounced",
                "resumed assign.",
                "resumed control",
                "uplift (95% CI)",
                "median resume after email"));
        for (CampaignReport.Line l : report.lines()) {
            Uplift u = l.uplift();
            String uplift = u.defined()
                    ? String.format(
                            Locale.ROOT,
                            "%+.1f pp (%+.1f to %+.1f)%s",
                            100 * u.difference(),
                            100 * u.lower(),
                            100 * u.upper(),
                            u.significant() ? " *" : "")
                    : "- (no control or no email)";
            b.append(String.format(
                    Locale.ROOT,
                    head,
                    l.week(),
                    l.segment().wire(),
                    l.targeted(),
                    l.assigned(),
                    l.emailed(),
                    l.control(),
                    l.unsubscribed(),
                    l.bounced(),
                    rate(l.resumedAssigned(), l.assigned()),
                    rate(l.resumedControl(), l.control()),
                    uplift,
                    latency(l.medianResumeSeconds())));
        }
        if (report.lines().isEmpty()) {
            b.append("(no targets on record)\n");
        }
        b.append(METHOD).append("; * the interval excludes 0\n");
        return b.toString();
    }

    private static String rate(long x, long n) {
        return n == 0 ? "-" : String.format(Locale.ROOT, "%d (%.1f%%)", x, 100.0 * x / n);
    }

    static String latency(Double seconds) {
        if (seconds == null) {
            return "-";
        }
        long s = Math.round(seconds);
        if (s < 120) {
            return s + " s";
        }
        if (s < 7_200) {
            return String.format(Locale.ROOT, "%.1f min", s / 60.0);
        }
        if (s < 172_800) {
            return String.format(Locale.ROOT, "%.1f h", s / 3600.0);
        }
        return String.format(Locale.ROOT, "%.1f d", s / 86400.0);
    }
}
