package dev.hfc.campaign.consent;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.delivery.SmtpMailer;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.campaign.send.CampaignMetrics;
import dev.hfc.campaign.send.CampaignSender;
import dev.hfc.campaign.send.SendReport;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.http.HttpListener;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.CampaignTargets;
import dev.hfc.testkit.PostgresExtension;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One-click unsubscribe end to end: the headers as a real SMTP server received them, the URL POSTed over
 * HTTP to the running endpoint as a mail client does (RFC 8058), the customer gone from the next claim; and
 * the bounce webhook with its signature.
 */
class UnsubscribeIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final Week W = Week.parse("2026-W53");
    private static final byte[] SECRET = "unsubscribe-it secret, 32 bytes or more".getBytes(StandardCharsets.US_ASCII);
    private static final String WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final StandardWebhooks WEBHOOKS =
            new StandardWebhooks(StandardWebhooks.secret(WEBHOOK_SECRET), StandardWebhooks.DEFAULT_TOLERANCE);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final CampaignMetrics metrics = new CampaignMetrics(registry);

    @Test
    void aMessagesOneClickUrlPostedToTheServiceExcludesTheCustomerFromTheNextClaim() throws Exception {
        DbSettings db = schema("one_click");
        UUID anna = UUID.randomUUID();
        UUID ben = UUID.randomUUID();
        for (Week w : List.of(W, W.plus(1))) {
            CampaignTargets.insert(db, w, anna, "anna@example.com", Segment.LOW, 1);
            CampaignTargets.insert(db, w, ben, "ben@example.com", Segment.LOW, 1);
        }
        UnsubscribeTokens tokens = new UnsubscribeTokens(SECRET, Duration.ofDays(90), Clock.systemUTC());
        ConsentStore store = new ConsentStore(db);
        try (HttpListener http = listen(new ConsentEndpoints(
                        tokens,
                        store,
                        metrics,
                        WEBHOOKS,
                        new ConsentEndpoints.SoftBounces(3, Duration.ofDays(30)),
                        Clock.systemUTC()));
                Smtp smtp = smtp()) {
            String base = "http://127.0.0.1:" + http.port() + "/unsubscribe";
            Unsubscribe unsubscribe = new Unsubscribe(
                    tokens,
                    URI.create(base),
                    "unsubscribe@shop.example",
                    "pause-campaign.shop.example",
                    "Paused deliveries");
            try (CampaignSender sender = sender(db, smtp, unsubscribe)) {
                assertThat(sender.send(W).sentTotal()).isEqualTo(2);
            }
            Map<String, MimeMessage> byRecipient = new HashMap<>();
            for (MimeMessage m : smtp.getReceivedMessages()) {
                byRecipient.put(m.getAllRecipients()[0].toString(), m);
            }
            MimeMessage toAnna = byRecipient.get("anna@example.com");
            String listUnsubscribe = toAnna.getHeader("List-Unsubscribe")[0];
            Matcher urls = Pattern.compile("^<(http://[^>]+)>, <(mailto:[^>]+)>$")
                    .matcher(listUnsubscribe.replaceAll("\\s+", " "));
            assertThat(urls.matches()).as(listUnsubscribe).isTrue();
            String url = urls.group(1);
            assertThat(url).startsWith(base + "?t=").doesNotContain(anna.toString());
            assertThat(urls.group(2)).startsWith("mailto:unsubscribe@shop.example?subject=unsubscribe%20");
            assertThat(toAnna.getHeader("List-Unsubscribe-Post")).containsExactly("List-Unsubscribe=One-Click");
            assertThat(toAnna.getHeader("List-Id"))
                    .containsExactly("\"Paused deliveries\" <pause-campaign.shop.example>");
            MimeMultipart parts = (MimeMultipart) toAnna.getContent();
            assertThat((String) parts.getBodyPart(0).getContent()).contains(url);
            assertThat((String) parts.getBodyPart(1).getContent()).contains("href=\"" + url + "\"");

            // A link scanner's GET shows a page and unsubscribes nobody.
            HttpResponse<String> page = HTTP.send(
                    HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("<form method=\"post\"").contains("List-Unsubscribe");
            assertThat(count(db, "SELECT count(*) FROM hfc_campaign_optouts")).isZero();

            // The mail client's one-click POST, then the next claim.
            long start = System.nanoTime();
            HttpResponse<String> posted = oneClick(url);
            SendReport next;
            try (CampaignSender sender = sender(db, smtp, unsubscribe)) {
                next = sender.dryRun(W.plus(1));
            }
            Duration postToExclusion = Duration.ofNanos(System.nanoTime() - start);
            assertThat(posted.statusCode()).isEqualTo(200);
            assertThat(next.sentTotal()).as("only ben is left").isEqualTo(1);
            assertThat(postToExclusion).isLessThan(Duration.ofSeconds(1));
            System.out.println(
                    "unsubscribe: POST to exclusion from the next claim in " + postToExclusion.toMillis() + " ms");
            assertThat(oneClick(url).statusCode()).as("a repeat is fine").isEqualTo(200);
            assertThat(count(
                            db,
                            "SELECT count(*) FROM hfc_campaign_optouts WHERE user_id = '" + anna
                                    + "' AND how = 'one-click'"))
                    .isEqualTo(1);
            try (CampaignSender sender = sender(db, smtp, unsubscribe)) {
                SendReport report = sender.send(W.plus(1));
                assertThat(report.sentTotal()).isEqualTo(1);
            }
            assertThat(smtp.getReceivedMessages())
                    .extracting(m -> m.getAllRecipients()[0].toString())
                    .containsExactlyInAnyOrder("anna@example.com", "ben@example.com", "ben@example.com");
            assertThat(registry.find("hfc.campaign.feedback")
                            .tag("kind", "unsubscribed")
                            .tag("week", W.toString())
                            .tag("segment", "low")
                            .counter()
                            .count())
                    .isEqualTo(1);

            // Forged, expired and foreign tokens: 400, and the answer names nobody.
            String token = url.substring(url.indexOf("?t=") + 3);
            char[] flipped = token.toCharArray();
            flipped[20] = flipped[20] == 'A' ? 'B' : 'A';
            String forged = base + "?t=" + new String(flipped);
            String expired = base + "?t="
                    + new UnsubscribeTokens(
                                    SECRET,
                                    Duration.ofDays(90),
                                    Clock.fixed(Instant.now().minus(Duration.ofDays(91)), ZoneOffset.UTC))
                            .issue(ben);
            String foreign = base + "?t="
                    + new UnsubscribeTokens(
                                    "another secret of thirty-two bytes or more".getBytes(StandardCharsets.US_ASCII),
                                    Duration.ofDays(90),
                                    Clock.systemUTC())
                            .issue(ben);
            for (String bad : List.of(forged, expired, foreign, base, base + "?t=%00")) {
                HttpResponse<String> answer = oneClick(bad);
                assertThat(answer.statusCode()).as(bad).isEqualTo(400);
                assertThat(answer.body()).doesNotContain(ben.toString()).doesNotContain("ben@");
                assertThat(HTTP.send(
                                        HttpRequest.newBuilder(URI.create(bad))
                                                .GET()
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString())
                                .statusCode())
                        .isEqualTo(400);
            }
            assertThat(count(db, "SELECT count(*) FROM hfc_campaign_optouts")).isEqualTo(1);
        }
    }

    @Test
    void theBounceWebhookIsAuthenticatedAsStandardWebhooksSaysAndSuppressesHardBouncesComplaintsAndRepeatedSoftBounces()
            throws Exception {
        DbSettings db = schema("bounces");
        UUID carl = UUID.randomUUID();
        CampaignTargets.insert(db, W, carl, "carl@example.com", Segment.LOW, 1);
        exec(
                db,
                "INSERT INTO hfc_campaign_deliveries (subscription_week, user_id, email, segment, message_id) VALUES ('"
                        + W + "', '" + carl + "', 'carl@example.com', 'low', '<m1@shop.example>')");
        UnsubscribeTokens tokens = new UnsubscribeTokens(SECRET, Duration.ofDays(90), Clock.systemUTC());
        try (HttpListener http = listen(new ConsentEndpoints(
                tokens,
                new ConsentStore(db),
                metrics,
                WEBHOOKS,
                new ConsentEndpoints.SoftBounces(3, Duration.ofDays(30)),
                Clock.systemUTC()))) {
            URI hook = URI.create("http://127.0.0.1:" + http.port() + "/webhooks/bounces");
            String hard = "{\"email\":\"carl@example.com\",\"type\":\"hard\",\"message_id\":\"<m1@shop.example>\","
                    + "\"reason\":\"550 5.1.1 user unknown\"}";
            long now = Instant.now().getEpochSecond();
            assertThat(post(hook, hard, null, now, null).statusCode())
                    .as("unsigned")
                    .isEqualTo(401);
            assertThat(post(
                                    hook,
                                    hard,
                                    "msg_1",
                                    now,
                                    "v1," + java.util.Base64.getEncoder().encodeToString(new byte[32]))
                            .statusCode())
                    .as("wrong signature")
                    .isEqualTo(401);
            assertThat(post(
                                    hook,
                                    hard,
                                    "msg_1",
                                    now,
                                    WEBHOOKS.sign(
                                            "msg_1",
                                            now,
                                            hard.replace("hard", "soft").getBytes(StandardCharsets.UTF_8)))
                            .statusCode())
                    .as("signature of another body")
                    .isEqualTo(401);
            assertThat(send(hook, hard, "msg_1", now - 360).statusCode())
                    .as("signed, but older than the tolerance")
                    .isEqualTo(401);
            assertThat(send(hook, hard, "msg_1", now + 360).statusCode())
                    .as("signed, from the future")
                    .isEqualTo(401);
            assertThat(count(db, "SELECT count(*) FROM hfc_campaign_bounces")).isZero();

            assertThat(send(hook, hard, "msg_1", now).body()).contains("\"effect\":\"suppressed\"");
            assertThat(send(hook, hard, "msg_1", now).body())
                    .as("the same message replayed")
                    .contains("\"effect\":\"duplicate\"");
            assertThat(count(
                            db,
                            "SELECT count(*) FROM hfc_campaign_suppressions WHERE email = 'carl@example.com' "
                                    + "AND subscription_week = '" + W + "' AND user_id = '" + carl + "'"))
                    .isEqualTo(1);

            String complaint = "{\"email\":\"dora@example.com\",\"type\":\"complaint\",\"event_id\":\"c-1\"}";
            assertThat(send(hook, complaint, "msg_2", now).body()).contains("\"effect\":\"suppressed\"");

            // Soft bounces without an event id of their own still count once each (by their webhook id).
            for (int i = 1; i <= 3; i++) {
                String soft = "{\"email\":\"erik@example.com\",\"type\":\"soft\",\"reason\":\"mailbox full\"}";
                assertThat(send(hook, soft, "msg_soft_" + i, now).body())
                        .contains(i < 3 ? "\"effect\":\"recorded\"" : "\"effect\":\"suppressed\"");
                assertThat(count(db, "SELECT count(*) FROM hfc_campaign_suppressions WHERE email = 'erik@example.com'"))
                        .isEqualTo(i < 3 ? 0 : 1);
            }
            String optOut = "{\"email\":\"Fay@Example.COM\",\"type\":\"unsubscribe\"}";
            assertThat(send(hook, optOut, "msg_fay", now).body()).contains("\"effect\":\"unsubscribed\"");
            assertThat(
                            count(
                                    db,
                                    "SELECT count(*) FROM hfc_campaign_optouts WHERE email = 'fay@example.com' AND how = 'webhook'"))
                    .as("stored in canonical form")
                    .isEqualTo(1);
            // The customer resubscribes; a captured copy of the unsubscribe, replayed within the window, changes
            // nothing.
            new ConsentStore(db).resubscribe(null, "fay@example.com");
            assertThat(send(hook, optOut, "msg_fay", now).body()).contains("\"effect\":\"duplicate\"");
            assertThat(count(db, "SELECT count(*) FROM hfc_campaign_optouts WHERE email = 'fay@example.com'"))
                    .isZero();

            String bad = "{\"email\":\"x@example.com\",\"type\":\"bounced\"}";
            assertThat(send(hook, bad, "msg_bad", now).statusCode()).isEqualTo(400);
            String noAddress = "{\"email\":\"not-an-address\",\"type\":\"hard\"}";
            assertThat(send(hook, noAddress, "msg_bad2", now).statusCode()).isEqualTo(400);
            assertThat(registry.find("hfc.campaign.feedback")
                            .tag("kind", "bounced")
                            .tag("week", W.toString())
                            .counter()
                            .count())
                    .isEqualTo(1);
            assertThat(registry.find("hfc.campaign.feedback")
                            .tag("kind", "complained")
                            .tag("week", "unknown")
                            .counter()
                            .count())
                    .isEqualTo(1);
            assertThat(registry.find("hfc.campaign.webhook.refused")
                            .tag("reason", "outside_tolerance")
                            .counter()
                            .count())
                    .isEqualTo(2);
        }
        // Suppressed by a bounce: not sent.
        try (Smtp smtp = smtp();
                CampaignSender sender = sender(
                        db,
                        smtp,
                        new Unsubscribe(
                                new UnsubscribeTokens(SECRET, Duration.ofDays(90), Clock.systemUTC()),
                                URI.create("https://shop.example/u"),
                                "unsubscribe@shop.example",
                                "pause-campaign.shop.example",
                                "Paused deliveries"))) {
            assertThat(sender.send(W).sentTotal()).isZero();
        }
    }

    @Test
    void aComplaintForThePunycodeFormSuppressesTheUnicodeRowAndCaseDoesNotMatter() throws Exception {
        DbSettings db = schema("canonical");
        UUID anna = UUID.randomUUID();
        UUID jamie = UUID.randomUUID();
        UUID kim = UUID.randomUUID();
        CampaignTargets.insert(db, W, anna, "anna@bücher.example", Segment.LOW, 1);
        CampaignTargets.insert(db, W, jamie, "Jamie@X.com", Segment.LOW, 1);
        CampaignTargets.insert(db, W, kim, "kim@example.com", Segment.LOW, 1);
        UnsubscribeTokens tokens = new UnsubscribeTokens(SECRET, Duration.ofDays(90), Clock.systemUTC());
        try (HttpListener http = listen(new ConsentEndpoints(
                tokens,
                new ConsentStore(db),
                metrics,
                WEBHOOKS,
                new ConsentEndpoints.SoftBounces(3, Duration.ofDays(30)),
                Clock.systemUTC()))) {
            URI hook = URI.create("http://127.0.0.1:" + http.port() + "/webhooks/bounces");
            long now = Instant.now().getEpochSecond();
            // How the relay saw it: hfc sends IDN domains as punycode.
            String complaint = "{\"email\":\"anna@xn--bcher-kva.example\",\"type\":\"complaint\",\"event_id\":\"c-9\"}";
            assertThat(send(hook, complaint, "msg_c9", now).body()).contains("\"effect\":\"suppressed\"");
            String optOut = "{\"email\":\"jamie@x.com\",\"type\":\"unsubscribe\"}";
            assertThat(send(hook, optOut, "msg_j", now).body()).contains("\"effect\":\"unsubscribed\"");
        }
        try (Smtp smtp = smtp();
                CampaignSender sender = sender(
                        db,
                        smtp,
                        new Unsubscribe(
                                tokens,
                                URI.create("https://shop.example/u"),
                                null,
                                "pause-campaign.shop.example",
                                "Paused deliveries"))) {
            SendReport report = sender.send(W);
            assertThat(report.sentTotal()).as(report.summary()).isEqualTo(1);
            assertThat(smtp.getReceivedMessages())
                    .extracting(m -> m.getAllRecipients()[0].toString())
                    .containsExactly("kim@example.com");
        }
    }

    private static HttpListener listen(ConsentEndpoints endpoints) {
        return HttpListener.start(
                HttpListener.Settings.defaults(
                        "public", new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0)),
                endpoints.routes());
    }

    /** A webhook as the provider sends it: signed, with its id and timestamp. */
    private static HttpResponse<String> send(URI uri, String body, String id, long timestamp) throws Exception {
        return post(uri, body, id, timestamp, WEBHOOKS.sign(id, timestamp, body.getBytes(StandardCharsets.UTF_8)));
    }

    private static HttpResponse<String> post(URI uri, String body, String id, long timestamp, String signature)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (signature != null) {
            b.header(StandardWebhooks.SIGNATURE_HEADER, signature);
            b.header(StandardWebhooks.ID_HEADER, id);
            b.header(StandardWebhooks.TIMESTAMP_HEADER, Long.toString(timestamp));
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> oneClick(String url) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("List-Unsubscribe=One-Click"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private CampaignSender sender(DbSettings db, Smtp smtp, Unsubscribe unsubscribe) {
        SmtpSettings settings = new SmtpSettings(
                "127.0.0.1",
                smtp.getSmtp().getPort(),
                SmtpSettings.Security.NONE,
                null,
                null,
                "Meal kits <campaigns@shop.example>",
                null,
                0,
                Duration.ofSeconds(5),
                Duration.ofSeconds(5));
        return new CampaignSender(
                new CampaignSender.Settings(
                        db, 10, 0, Duration.ofSeconds(5), Duration.ofSeconds(10), settings.messageIdDomain()),
                CampaignTemplates.defaults("https://shop.example/resume?u={{user_id}}"),
                unsubscribe,
                () -> new SmtpMailer(settings),
                metrics);
    }

    /** GreenMail, closeable. */
    private record Smtp(GreenMail mail) implements AutoCloseable {
        MimeMessage[] getReceivedMessages() {
            return mail.getReceivedMessages();
        }

        com.icegreen.greenmail.smtp.SmtpServer getSmtp() {
            return mail.getSmtp();
        }

        @Override
        public void close() {
            mail.stop();
        }
    }

    private static Smtp smtp() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        GreenMail mail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
        return new Smtp(mail);
    }

    private static DbSettings schema(String name) {
        DbSettings db = POSTGRES.db("consent_" + name);
        SchemaMigrator.migrate(db, false);
        return db;
    }

    private static long count(DbSettings db, String sql) throws Exception {
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void exec(DbSettings db, String sql) throws Exception {
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
