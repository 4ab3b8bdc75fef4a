package dev.hfc.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.local.postgres.EmbeddedPostgresServer;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.CampaignTargets;
import jakarta.mail.internet.MimeMessage;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The public face of {@code hfc campaign run}, as recipients and attackers meet it: the link of a real message
 * opened and confirmed in headless Chromium (also while the database is down: the "try again" page, then
 * success once it is back), and both listeners answering within a second while 50 slow clients hold
 * connections to each.
 */
@Tag("processes")
class UnsubscribeBrowserIT {

    @Test
    void aRecipientUnsubscribesInABrowserEvenAfterADatabaseOutageAndSlowClientsSilenceNothing() throws Exception {
        Week target = Week.target(Instant.now(), ZoneOffset.UTC);
        int pgPort = freePort();
        Path data = Files.createTempDirectory("hfc-browser-pg");
        EmbeddedPostgresServer[] pg = {EmbeddedPostgresServer.start(pgPort, data.resolve("pgdata"))};
        GreenMail smtp = new GreenMail(new ServerSetup(freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        smtp.start();
        try {
            DbSettings db = new DbSettings(pg[0].jdbcUrl("postgres"), EmbeddedPostgresServer.SUPERUSER, "", "browser");
            SchemaMigrator.migrate(db, false);
            Map<String, UUID> users = new HashMap<>();
            for (String name : List.of("anna", "ben", "carl")) {
                users.put(name, UUID.randomUUID());
                CampaignTargets.insert(db, target, users.get(name), name + "@example.com", Segment.MEDIUM, 2);
            }
            int publicPort = freePort();
            int opsPort = freePort();
            Map<String, String> env = new HashMap<>(Map.of(
                    "HFC_DB_URL",
                    db.url(),
                    "HFC_DB_USER",
                    db.user(),
                    "HFC_DB_PASSWORD",
                    "",
                    "HFC_DB_SCHEMA",
                    db.schema(),
                    "HFC_SMTP_HOST",
                    "127.0.0.1",
                    "HFC_SMTP_PORT",
                    Integer.toString(smtp.getSmtp().getPort()),
                    "HFC_CAMPAIGN_FROM",
                    "Meal kits <campaigns@shop.example>",
                    "HFC_CAMPAIGN_MAX_SINK_LAG_MS",
                    "0",
                    // How recipients reach the public listener; http only because this is a local test.
                    "HFC_CAMPAIGN_UNSUBSCRIBE_URL",
                    "http://127.0.0.1:" + publicPort + "/unsubscribe"));
            String today = LocalDate.now(ZoneOffset.UTC).getDayOfWeek().name();
            try (HfcProcess run = HfcProcess.start(
                    env,
                    "campaign",
                    "run",
                    "--cutoff-day",
                    today,
                    "--cutoff-time",
                    "00:00",
                    "--public-port",
                    Integer.toString(publicPort),
                    "--ops-port",
                    Integer.toString(opsPort))) {
                await().atMost(Duration.ofSeconds(60)).until(() -> smtp.getReceivedMessages().length == 3);
                Map<String, String> links = new HashMap<>();
                for (MimeMessage m : smtp.getReceivedMessages()) {
                    String to = m.getAllRecipients()[0].toString();
                    Matcher url = Pattern.compile("<(http://[^>]+)>").matcher(m.getHeader("List-Unsubscribe")[0]);
                    assertThat(url.find()).isTrue();
                    assertThat(m.getHeader("List-Unsubscribe")[0])
                            .as("no mailto unless one is configured")
                            .doesNotContain("mailto:");
                    links.put(to.substring(0, to.indexOf('@')), url.group(1));
                }
                assertThat(run.stderr())
                        .contains("public listener (/unsubscribe, /webhooks/bounces) on 0.0.0.0:" + publicPort)
                        .contains("ops listener")
                        .contains("on 127.0.0.1:" + opsPort);

                // 50 slow clients on each listener: a byte of a request line, or headers promising a body that never
                // comes.
                List<Socket> slow = new ArrayList<>();
                HttpClient http = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(2))
                        .build();
                try {
                    for (int port : List.of(publicPort, opsPort)) {
                        for (int i = 0; i < 50; i++) {
                            Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
                            s.getOutputStream()
                                    .write((i % 2 == 0
                                                    ? "P"
                                                    : "POST /unsubscribe HTTP/1.1\r\nHost: x\r\n"
                                                            + "Content-Length: 500\r\n\r\nList-Unsub")
                                            .getBytes(StandardCharsets.US_ASCII));
                            s.getOutputStream().flush();
                            slow.add(s);
                        }
                    }
                    long start = System.nanoTime();
                    HttpResponse<String> health = http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + opsPort + "/health"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    long healthMs = (System.nanoTime() - start) / 1_000_000;
                    start = System.nanoTime();
                    HttpResponse<String> oneClick = http.send(
                            HttpRequest.newBuilder(URI.create(links.get("ben")))
                                    .header("Content-Type", "application/x-www-form-urlencoded")
                                    .timeout(Duration.ofSeconds(5))
                                    .POST(HttpRequest.BodyPublishers.ofString("List-Unsubscribe=One-Click"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    long oneClickMs = (System.nanoTime() - start) / 1_000_000;
                    System.out.println("slow clients: 50 per listener; GET /health in " + healthMs
                            + " ms, one-click POST in " + oneClickMs + " ms");
                    assertThat(health.statusCode()).isEqualTo(200);
                    assertThat(healthMs).isLessThan(1_000);
                    assertThat(oneClick.statusCode()).isEqualTo(200);
                    assertThat(oneClickMs).isLessThan(1_000);
                } finally {
                    for (Socket s : slow) {
                        s.close();
                    }
                }
                assertThat(optedOut(db, users.get("ben"), "one-click")).isTrue();

                ChromeDriver browser = DashboardIT.chromium();
                try {
                    WebDriverWait wait = DashboardIT.pageWait(browser);
                    // Anna follows the link of her message: a page asks, the button confirms.
                    browser.get(links.get("anna"));
                    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Unsubscribe");
                    assertThat(optedOut(db, users.get("anna"), "link"))
                            .as("opening the link changes nothing")
                            .isFalse();
                    browser.findElement(By.tagName("button")).click();
                    wait.until(d -> d.findElement(By.tagName("h1")).getText().equals("Unsubscribed"));
                    assertThat(optedOut(db, users.get("anna"), "link")).isTrue();

                    // Carl opens his link, and the database goes down before he confirms: he is told to try again.
                    browser.get(links.get("carl"));
                    assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Unsubscribe");
                    pg[0].close();
                    browser.findElement(By.tagName("button")).click();
                    wait.until(d -> d.findElement(By.tagName("h1")).getText().equals("Try again"));
                    assertThat(browser.findElement(By.tagName("body")).getText())
                            .contains("could not record this just now");
                    pg[0] = EmbeddedPostgresServer.start(pgPort, data.resolve("pgdata"));
                    browser.navigate().back();
                    wait.until(d -> d.findElement(By.tagName("h1")).getText().equals("Unsubscribe"));
                    browser.findElement(By.tagName("button")).click();
                    wait.until(d -> d.findElement(By.tagName("h1")).getText().equals("Unsubscribed"));
                    assertThat(optedOut(db, users.get("carl"), "link")).isTrue();
                } finally {
                    browser.quit();
                }
                assertThat(run.stderr()).contains("could not be stored");
                assertThat(run.terminate(Duration.ofSeconds(60))).isIn(0, 143);
            }
        } finally {
            smtp.stop();
            pg[0].close();
        }
    }

    private static boolean optedOut(DbSettings db, UUID user, String how) throws Exception {
        try (Connection c = Database.connect(db);
                PreparedStatement ps =
                        c.prepareStatement("SELECT count(*) FROM hfc_campaign_optouts WHERE user_id = ? AND how = ?")) {
            ps.setObject(1, user);
            ps.setString(2, how);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 1;
            }
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
