package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hfc.campaign.report.Uplift;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.topic.DeadLetters;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.KafkaExtension;
import dev.hfc.testkit.PostgresExtension;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The campaign dashboard in a real browser: headless Chromium (Debian's {@code chromium} and
 * {@code chromium-driver}, driven by Selenium) loads {@code /dashboard} from a running {@code hfc campaign run}
 * process, and the charts' data must equal {@code hfc campaign report}'s numbers. The screenshot is kept in
 * {@code cli/target/artifacts/dashboard.png}.
 */
class DashboardIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    @RegisterExtension
    static final KafkaExtension KAFKA = new KafkaExtension();

    static final Path SCREENSHOT = Path.of("target", "artifacts", "dashboard.png");

    @Test
    void theDashboardDrawsTheReportsNumbersInABrowser() throws Exception {
        DbSettings db = POSTGRES.db("dashboard");
        SchemaMigrator.migrate(db, false);
        Week target = Week.target(Instant.now(), ZoneOffset.UTC);
        Instant sentAt = Instant.now().minus(Duration.ofDays(1));
        // What the page must show, counted here from what is written (not read back by the report the page uses):
        // per "week segment": targeted, emailed, control, resumed emailed, resumed control.
        Map<String, long[]> expected = new java.util.TreeMap<>();
        try (Connection c = Database.connect(db)) {
            for (int k = 0; k < 3; k++) {
                Week w = target.minus(2 - k);
                for (Segment s : Segment.values()) {
                    int n = 12 + 6 * s.ordinal() + 2 * k;
                    long[] e = expected.computeIfAbsent(w + " " + s.wire(), key -> new long[5]);
                    for (int j = 0; j < n; j++) {
                        target(c, w, s, j, sentAt);
                        boolean held = j % 4 == 0;
                        e[0]++;
                        e[held ? 2 : 1]++;
                        if (held && j % 8 == 0) {
                            e[4]++;
                        } else if (!held && j % 3 == 0) {
                            e[3]++;
                        }
                    }
                }
            }
            for (int j = 0; j < 3; j++) { // left to send in the target week
                row(c, target, UUID.randomUUID(), Segment.LOW, false);
                expected.get(target + " low")[0]++;
            }
            // A sink that is behind: the dashboard shows its lag, and the sender refuses to send from a stale table.
            exec(
                    c,
                    "INSERT INTO hfc_sink_progress (group_id, member, lag_records) VALUES ('hfc-sink', 'sink-host#0', 7)");
        }
        var topics = KAFKA.freshTopics();
        try (var producer = new KafkaProducer<>(
                Map.<String, Object>of("bootstrap.servers", KAFKA.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (RejectReason reason :
                    List.of(RejectReason.INVALID_WEEK, RejectReason.INVALID_WEEK, RejectReason.WRONG_PARTITION)) {
                producer.send(new ProducerRecord<>(
                                topics.dlq().name(),
                                null,
                                null,
                                new byte[] {1},
                                new byte[] {2},
                                DeadLetters.headers(
                                        "segmenter",
                                        new Rejection(reason, "test"),
                                        topics.customers().name(),
                                        0,
                                        1L)))
                        .get();
            }
        }

        int port = freePort();
        Map<String, String> env = ProcessPipeline.of(KAFKA.bootstrapServers(), topics, db)
                .with("HFC_SMTP_HOST", "127.0.0.1")
                .with("HFC_SMTP_PORT", Integer.toString(freePort()))
                .with("HFC_CAMPAIGN_UNSUBSCRIBE_URL", "https://shop.example/hfc/unsubscribe")
                .env();
        try (HfcProcess campaign = HfcProcess.start(
                env,
                "campaign",
                "run",
                "--ops-port",
                Integer.toString(port),
                "--ops-bind-address",
                "127.0.0.1",
                "--dashboard-dlq",
                "--sink-wait-ms",
                "1000")) {
            HttpClient http = HttpClient.newHttpClient();
            // The listener answers: UP, or DOWN from Saturday's default cut-off to the week's end, when the catch-up
            // run at start is stopped by the lagging sink.
            await().atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> List.of(200, 503)
                            .contains(http.send(
                                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .statusCode()));
            assertThat(campaign.stderr())
                    .contains("ops listener (/health, /metrics")
                    .contains("on 127.0.0.1:" + port);
            HttpResponse<String> page = http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/dashboard"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(page.headers().firstValue("Content-Security-Policy"))
                    .hasValueSatisfying(csp -> assertThat(csp).contains("default-src 'none'"));

            ChromeDriver browser = chromium();
            try {
                browser.get("http://127.0.0.1:" + port + "/dashboard");
                pageWait(browser)
                        .until(d -> !"false"
                                .equals(d.findElement(By.tagName("body")).getAttribute("data-loaded")));
                assertThat(browser.findElement(By.tagName("body")).getAttribute("data-loaded"))
                        .as(() -> browser.findElement(By.tagName("main")).getText())
                        .isEqualTo("true");

                // Segment sizes: one bar part per (week, segment), equal to the report's targeted.
                Map<String, Long> sizes = new HashMap<>();
                for (WebElement r : browser.findElements(By.cssSelector("#segment-sizes rect.size"))) {
                    sizes.put(
                            r.getAttribute("data-week") + " " + r.getAttribute("data-segment"),
                            Long.parseLong(r.getAttribute("data-value")));
                }
                assertThat(sizes).hasSize(8 * 3);
                assertThat(expected).hasSize(9);
                expected.forEach((key, e) -> assertThat(sizes.get(key)).as(key).isEqualTo(e[0]));
                assertThat(sizes.values().stream().mapToLong(Long::longValue).sum())
                        .isEqualTo(
                                expected.values().stream().mapToLong(e -> e[0]).sum());

                // Uplift: one point per (week, segment), with the report's interval.
                List<WebElement> points = browser.findElements(By.cssSelector("#uplift circle.uplift"));
                assertThat(points).hasSize(9);
                for (WebElement p : points) {
                    long[] e = expected.get(p.getAttribute("data-week") + " " + p.getAttribute("data-segment"));
                    Uplift u = Uplift.of(e[3], e[1], e[4], e[2]); // every emailed target was assigned
                    assertThat(Double.parseDouble(p.getAttribute("data-uplift")))
                            .isEqualTo(u.difference());
                    assertThat(Double.parseDouble(p.getAttribute("data-lower"))).isEqualTo(u.lower());
                    assertThat(Double.parseDouble(p.getAttribute("data-upper"))).isEqualTo(u.upper());
                }

                // This week's sending, the report table, the sink's lag and the DLQ by reason.
                WebElement sending = browser.findElement(By.id("sending"));
                long[] thisWeekLow = expected.get(target + " low");
                long emailed = expected.entrySet().stream()
                        .filter(x -> x.getKey().startsWith(target + " "))
                        .mapToLong(x -> x.getValue()[1])
                        .sum();
                long control = expected.entrySet().stream()
                        .filter(x -> x.getKey().startsWith(target + " "))
                        .mapToLong(x -> x.getValue()[2])
                        .sum();
                assertThat(sending.getAttribute("data-emailed")).isEqualTo(Long.toString(emailed));
                assertThat(sending.getAttribute("data-control")).isEqualTo(Long.toString(control));
                assertThat(sending.getAttribute("data-left")).isEqualTo("3");
                WebElement row = browser.findElement(
                        By.cssSelector("#report tr[data-week='" + target + "'][data-segment='low']"));
                List<String> cells = row.findElements(By.tagName("td")).stream()
                        .map(WebElement::getText)
                        .toList();
                assertThat(cells.subList(2, 7))
                        .containsExactly(
                                Long.toString(thisWeekLow[0]),
                                Long.toString(thisWeekLow[1]),
                                Long.toString(thisWeekLow[2]),
                                "0",
                                "0");
                assertThat(browser.findElement(By.id("sink")).getText())
                        .contains("sink-host#0")
                        .contains("7");
                Map<String, String> dlq = new HashMap<>();
                for (WebElement r : browser.findElements(By.cssSelector("#dlq tr[data-reason]"))) {
                    dlq.put(r.getAttribute("data-reason"), r.getAttribute("data-count"));
                }
                assertThat(dlq).containsExactlyInAnyOrderEntriesOf(Map.of("invalid-week", "2", "wrong-partition", "1"));
                assertThat(browser.findElement(By.id("access")).getText()).contains("operator token");

                // Everything came from the service itself: no CDN, no external font.
                @SuppressWarnings("unchecked")
                List<String> resources = (List<String>) ((JavascriptExecutor) browser)
                        .executeScript("return performance.getEntriesByType('resource').map(e => e.name)");
                assertThat(resources)
                        .isNotEmpty()
                        .allSatisfy(r -> assertThat(r).startsWith("http://127.0.0.1:" + port + "/"));

                Files.createDirectories(SCREENSHOT.getParent());
                byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
                Files.write(SCREENSHOT, png);
                assertThat(png).startsWith(0x89, 'P', 'N', 'G');
                assertThat(png.length).isGreaterThan(20_000);
                System.out.println("dashboard: screenshot in " + SCREENSHOT.toAbsolutePath());
            } finally {
                browser.quit();
            }
            assertThat(campaign.terminate(Duration.ofSeconds(60))).isIn(0, 143);
        }
    }

    /** Headless Debian Chromium with the flags this closed network needs; no driver download. */
    static ChromeDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        String binary = System.getenv().getOrDefault("HFC_TEST_CHROMIUM", "/usr/bin/chromium");
        options.setBinary(binary);
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-dev-shm-usage",
                "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(
                        Path.of(System.getenv().getOrDefault("HFC_TEST_CHROMEDRIVER", "/usr/bin/chromedriver"))
                                .toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    /**
     * A wait for what a page shows, up to 30 s. A condition reads elements of a page that may be replaced between
     * finding an element and reading it (a form posts, the browser goes back): such a stale element means "not yet",
     * not a failure, so the wait ignores it as it ignores an element not found yet.
     */
    static WebDriverWait pageWait(ChromeDriver browser) {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    /** A target of the week: every fourth held back, the rest emailed; some of each resume an hour later. */
    private static void target(Connection c, Week w, Segment s, int j, Instant sentAt) throws Exception {
        UUID user = UUID.randomUUID();
        boolean held = j % 4 == 0;
        row(c, w, user, s, !held);
        String email = "u" + user.toString().substring(0, 8) + "@example.com";
        if (held) {
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO hfc_campaign_control (subscription_week, user_id, email, "
                            + "segment, held_at) VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, w.toString());
                ps.setObject(2, user);
                ps.setString(3, email);
                ps.setString(4, s.wire());
                ps.setTimestamp(5, Timestamp.from(sentAt));
                ps.executeUpdate();
            }
        } else {
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO hfc_campaign_deliveries (subscription_week, user_id, email, "
                            + "segment, message_id, sent_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, w.toString());
                ps.setObject(2, user);
                ps.setString(3, email);
                ps.setString(4, s.wire());
                ps.setString(5, "<m." + user + "@example.com>");
                ps.setTimestamp(6, Timestamp.from(sentAt));
                ps.executeUpdate();
            }
        }
        if ((held && j % 8 == 0) || (!held && j % 3 == 0)) {
            try (PreparedStatement ps =
                    c.prepareStatement("INSERT INTO hfc_campaign_outcomes (subscription_week, user_id, segment, "
                            + "outcome, outcome_at) VALUES (?, ?, ?, 'resumed', ?)")) {
                ps.setString(1, w.toString());
                ps.setObject(2, user);
                ps.setString(3, s.wire());
                ps.setTimestamp(4, Timestamp.from(sentAt.plus(Duration.ofHours(1))));
                ps.executeUpdate();
            }
        }
    }

    private static void row(Connection c, Week w, UUID user, Segment s, boolean sent) throws Exception {
        try (PreparedStatement ps =
                c.prepareStatement("INSERT INTO rec_campaigns_weekly (user_id, email, segment, campaign_sent, "
                        + "subscription_week, subscription_id, pause_weeks) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setObject(1, user);
            ps.setString(2, "u" + user.toString().substring(0, 8) + "@example.com");
            ps.setString(3, s.wire());
            ps.setBoolean(4, sent);
            ps.setString(5, w.toString());
            ps.setObject(6, UUID.randomUUID());
            ps.setInt(7, s == Segment.LOW ? 1 : s == Segment.MEDIUM ? 2 : 4);
            ps.executeUpdate();
        }
    }

    private static void exec(Connection c, String sql) throws Exception {
        try (var s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
