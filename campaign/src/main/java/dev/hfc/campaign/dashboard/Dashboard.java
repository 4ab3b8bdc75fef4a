package dev.hfc.campaign.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.hfc.campaign.report.CampaignReport;
import dev.hfc.campaign.report.ReportFormat;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.http.HttpResponse;
import dev.hfc.core.http.Route;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import dev.hfc.schema.Tables;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The campaign's read-only dashboard, served on the campaign service's HTTP port: {@code GET /dashboard} (one
 * page; its script, styles and charts are inline, nothing is loaded from elsewhere) and
 * {@code GET /dashboard/data.json} (what the page draws). The report's numbers come from
 * {@link CampaignReport}, the same query as {@code hfc campaign report}. It shows aggregates only; the operator's
 * listener guards it with the operator token ({@link dev.hfc.core.ops.OpsServer}).
 */
public final class Dashboard {

    private static final Logger LOG = LoggerFactory.getLogger(Dashboard.class);
    /** Target weeks shown: the target week and the ones before it. */
    static final int WEEKS = 8;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final DbSettings db;
    private final ZoneId zone;
    private final Clock clock;
    private final DlqCounts dlq;
    private final byte[] page;

    /** @param dlq counts of the dead-letter topic, or null when the dashboard is not given Kafka */
    public Dashboard(DbSettings db, ZoneId zone, Clock clock, DlqCounts dlq) {
        this.db = db;
        this.zone = zone;
        this.clock = clock;
        this.dlq = dlq;
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard.html")) {
            if (in == null) {
                throw new IllegalStateException("dashboard.html is missing from the jar");
            }
            this.page = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The page and its data, as read-only routes of the ops listener. */
    public Map<String, Route> routes() {
        Route page = request -> request.isRead()
                ? secured(HttpResponse.bytes(200, HttpResponse.HTML, this.page))
                : HttpResponse.methodNotAllowed("GET", "HEAD");
        Route data = request -> {
            if (!request.isRead()) {
                return HttpResponse.methodNotAllowed("GET", "HEAD");
            }
            try {
                return secured(HttpResponse.bytes(
                        200,
                        "application/json",
                        JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(data())));
            } catch (SQLException e) {
                LOG.warn("dashboard: cannot read the campaign tables: {}", e.getMessage());
                return HttpResponse.text(503, "cannot read the campaign tables: " + e.getMessage());
            }
        };
        Map<String, Route> routes = new java.util.LinkedHashMap<>();
        routes.put("/dashboard", page);
        routes.put("/dashboard/", page);
        routes.put("/dashboard/data.json", data);
        return routes;
    }

    /** Everything the page needs is in it: forbid anything from elsewhere. */
    private static HttpResponse secured(HttpResponse response) {
        return response.withHeader(
                "Content-Security-Policy",
                "default-src 'none'; connect-src 'self'; img-src 'self' data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                        + "frame-ancestors 'none'");
    }

    /** What the page shows, as JSON. */
    public ObjectNode data() throws SQLException {
        Week target = Week.target(clock.instant(), zone);
        Week from = target.minus(WEEKS - 1);
        CampaignReport all = CampaignReport.read(db, null);
        List<CampaignReport.Line> shown = all.lines().stream()
                .filter(l -> !l.week().isBefore(from) && !l.week().isAfter(target))
                .toList();
        ObjectNode root = JSON.createObjectNode();
        root.put("generated_at", clock.instant().toString());
        root.put("target_week", target.toString());
        root.put(
                "access",
                "read-only aggregates on the operator's listener: open on this host when no operator token is "
                        + "configured; otherwise, and always when reachable from other hosts, it needs the operator token");
        ArrayNode weeks = root.putArray("weeks");
        for (Week w = from; !w.isAfter(target); w = w.plus(1)) {
            weeks.add(w.toString());
        }
        root.set("report", ReportFormat.json(new CampaignReport(shown)));
        root.set("sending", sending(target));
        root.set("sink", sink());
        root.set("dlq", dlq());
        return root;
    }

    private ObjectNode sending(Week week) throws SQLException {
        String sql = "SELECT count(*), count(*) FILTER (WHERE r.campaign_sent), "
                + "count(*) FILTER (WHERE NOT r.campaign_sent AND NOT EXISTS (SELECT 1 FROM "
                + db.qualified(Tables.CAMPAIGN_CONTROL)
                + " k WHERE k.subscription_week = r.subscription_week AND k.user_id = r.user_id)), "
                + "(SELECT count(*) FROM " + db.qualified(Tables.CAMPAIGN_DELIVERIES)
                + " WHERE subscription_week = ?), "
                + "(SELECT count(*) FROM " + db.qualified(Tables.CAMPAIGN_CONTROL) + " WHERE subscription_week = ?) "
                + "FROM " + db.qualified(Tables.CAMPAIGN_TARGETS) + " r WHERE r.subscription_week = ?";
        ObjectNode n = JSON.createObjectNode();
        n.put("week", week.toString());
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, week.toString());
            ps.setString(2, week.toString());
            ps.setString(3, week.toString());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                n.put("rows", rs.getLong(1));
                n.put("rows_sent", rs.getLong(2));
                n.put("left", rs.getLong(3));
                n.put("emailed", rs.getLong(4));
                n.put("control", rs.getLong(5));
            }
        }
        return n;
    }

    private ArrayNode sink() throws SQLException {
        ArrayNode members = JSON.createArrayNode();
        try (Connection c = Database.connect(db);
                PreparedStatement ps = c.prepareStatement(
                        "SELECT group_id, member, lag_records, extract(epoch FROM now() - updated_at) FROM "
                                + db.qualified(Tables.SINK_PROGRESS) + " ORDER BY group_id, member");
                ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                ObjectNode m = members.addObject();
                m.put("group", rs.getString(1));
                m.put("member", rs.getString(2));
                long lag = rs.getLong(3);
                if (rs.wasNull()) {
                    m.putNull("lag_records");
                } else {
                    m.put("lag_records", lag);
                }
                m.put("reported_s_ago", Math.round(rs.getDouble(4)));
            }
        }
        return members;
    }

    private ObjectNode dlq() {
        ObjectNode n = JSON.createObjectNode();
        if (dlq == null) {
            n.put("enabled", false);
            n.put("error", "not counted: start the campaign service with --dashboard-dlq (and the Kafka options)");
            return n;
        }
        DlqCounts.Snapshot s = dlq.snapshot();
        n.put("enabled", true);
        if (s.error() == null) {
            n.putNull("error");
        } else {
            n.put("error", s.error());
        }
        ObjectNode reasons = n.putObject("by_reason");
        s.byReason().forEach(reasons::put);
        n.put("total", s.total());
        return n;
    }
}
