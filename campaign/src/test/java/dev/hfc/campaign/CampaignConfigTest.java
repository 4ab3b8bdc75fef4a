package dev.hfc.campaign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.campaign.consent.ConsentEndpoints;
import dev.hfc.campaign.consent.StandardWebhooks;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.campaign.schedule.CutoffSchedule;
import dev.hfc.campaign.send.DeferralPolicy;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.config.KafkaSettings;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class CampaignConfigTest {

    private static final SmtpSettings SMTP = new SmtpSettings(
            "localhost",
            25,
            SmtpSettings.Security.NONE,
            null,
            null,
            "Meal kits <campaigns@shop.example>",
            null,
            20,
            Duration.ofSeconds(10),
            Duration.ofSeconds(60));
    private static final CampaignTemplates TEMPLATES =
            CampaignTemplates.defaults("https://shop.example/resume?week={{week}}&user={{user_id}}");
    private static final SenderConfig.Unsubscribing LEAVING = new SenderConfig.Unsubscribing(
            URI.create("https://shop.example/hfc/unsubscribe"), null, "pause-campaign.shop.example");
    private static final SenderConfig SENDER = SenderConfig.defaults(SMTP, TEMPLATES, LEAVING);
    private static final KafkaSettings KAFKA = KafkaSettings.of("localhost:9092");
    private static final ConsentEndpoints.SoftBounces SOFT = new ConsentEndpoints.SoftBounces(3, Duration.ofDays(30));
    private static final CutoffSchedule CUTOFF = CutoffSchedule.DEFAULT;

    @Test
    void theDefaultsAreTheCommandsAndAgreeWithTheRecordsTheyStandFor() {
        assertThat(SENDER.batchSize()).isEqualTo(25);
        assertThat(SENDER.dbRetryTimeout()).isEqualTo(Duration.ofMinutes(1));
        assertThat(SENDER.connections()).isEqualTo(1);
        assertThat(SENDER.control().isEmpty()).isTrue();
        assertThat(SENDER.deferral()).isEqualTo(DeferralPolicy.DEFAULT);
        assertThat(new DeferralPolicy(
                        Duration.ofMillis(CampaignConfig.DEFAULT_DEFERRAL_FIRST_MS),
                        Duration.ofMillis(CampaignConfig.DEFAULT_DEFERRAL_MAX_MS)))
                .as("the flags' deferral defaults")
                .isEqualTo(DeferralPolicy.DEFAULT);
        assertThat(Duration.ofSeconds(CampaignConfig.DEFAULT_WEBHOOK_TOLERANCE_S))
                .isEqualTo(StandardWebhooks.DEFAULT_TOLERANCE);
        assertThat(CampaignConfig.Consent.DEFAULT.webhookSecret()).isNull();
        assertThat(CampaignConfig.Consent.DEFAULT.softBounces()).isEqualTo(SOFT);
        CampaignConfig.Schedule schedule = CampaignConfig.Schedule.defaults(ZoneId.of("UTC"));
        assertThat(schedule.cutoff()).isEqualTo(CutoffSchedule.DEFAULT);
        assertThat(schedule.retryInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(schedule.maxDeferred()).isEqualTo(100);
        assertThat(CampaignConfig.FreshnessGuard.OFF.isOff()).isTrue();
    }

    @Test
    void aSendersBatchSizeConnectionsAndDatabaseRetryAreChecked() {
        SenderConfig widest = SENDER.withBatchSize(10_000).withConnections(64).withDbRetryTimeout(Duration.ZERO);
        assertThat(widest.batchSize()).isEqualTo(10_000);
        assertThat(widest.connections()).isEqualTo(64);
        assertThatThrownBy(() -> SENDER.withBatchSize(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batch size must be 1..10000, got 0");
        assertThatThrownBy(() -> SENDER.withBatchSize(10_001)).hasMessageContaining("got 10001");
        assertThatThrownBy(() -> SENDER.withConnections(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SMTP connections must be 1..64, got 0");
        assertThatThrownBy(() -> SENDER.withConnections(65)).hasMessageContaining("got 65");
        assertThatThrownBy(() -> SENDER.withDbRetryTimeout(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("database retry timeout must not be negative");
    }

    @Test
    void unsubscribingIsCheckedAsTheHeadersCheckIt() {
        assertThat(LEAVING.isHttps()).isTrue();
        assertThat(new SenderConfig.Unsubscribing(URI.create("http://127.0.0.1:8080/unsubscribe"), null, "a.example")
                        .isHttps())
                .isFalse();
        assertThatThrownBy(() -> new SenderConfig.Unsubscribing(URI.create("ftp://shop.example/u"), null, "a.example"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("absolute http(s) URL");
        assertThatThrownBy(() ->
                        new SenderConfig.Unsubscribing(URI.create("https://shop.example/u?x=1"), null, "a.example"))
                .hasMessageContaining("no query or fragment");
        assertThatThrownBy(() -> new SenderConfig.Unsubscribing(LEAVING.url(), "not an address", "a.example"))
                .hasMessageContaining("mailto must be a plain address");
        assertThatThrownBy(() -> new SenderConfig.Unsubscribing(LEAVING.url(), null, "nodots"))
                .hasMessageContaining("List-Id must be a dot-atom");
        assertThat(SenderConfig.Unsubscribing.defaultListId(SMTP)).isEqualTo("pause-campaign.shop.example");
        assertThat(SenderConfig.Unsubscribing.DRY_RUN_SAMPLE.url())
                .isEqualTo(URI.create("https://shop.example/hfc/unsubscribe"));
    }

    @Test
    void theTokenKeyIsLongEnoughAndNeverShown() {
        assertThat(new CampaignConfig.Tokens("  ", 180).secret())
                .as("blank: the stored key")
                .isNull();
        String secret = "x".repeat(32);
        assertThat(new CampaignConfig.Tokens(secret, 1).toString()).doesNotContain(secret);
        assertThat(new CampaignConfig.Tokens("\u00e9".repeat(16), 1).secret())
                .as("32 bytes in UTF-8")
                .isNotNull();
        assertThatThrownBy(() -> new CampaignConfig.Tokens("x".repeat(31), 180))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be at least 32 characters long")
                .hasMessageNotContaining("xxxx");
        assertThatThrownBy(() -> new CampaignConfig.Tokens(null, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be at least 1, got 0");
    }

    @Test
    void theFreshnessGuardRefusesNegativeBoundsAndASegmenterCheckWhenOff() {
        var segmenter = new CampaignConfig.SegmenterCheck(KAFKA, "hfc-segmenter", 0);
        var on = new CampaignConfig.FreshnessGuard(Duration.ofMinutes(1), Duration.ZERO, null).withSegmenter(segmenter);
        assertThat(on.isOff()).isFalse();
        assertThat(on.segmenter()).isEqualTo(segmenter);
        assertThatThrownBy(() -> new CampaignConfig.FreshnessGuard(Duration.ofMillis(-1), Duration.ZERO, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> new CampaignConfig.FreshnessGuard(Duration.ofMinutes(1), Duration.ofMillis(-1), null))
                .hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> CampaignConfig.FreshnessGuard.OFF.withSegmenter(segmenter))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is off");
        assertThatThrownBy(() -> new CampaignConfig.SegmenterCheck(KAFKA, " ", 1_000))
                .hasMessageContaining("application id");
        assertThatThrownBy(() -> new CampaignConfig.SegmenterCheck(KAFKA, "hfc-segmenter", -1))
                .hasMessageContaining("max lag must not be negative");
    }

    @Test
    void theWebhookNeedsAToleranceOfASecondAndAKeyOfEnoughBytesNeverShown() {
        assertThat(new CampaignConfig.Consent(" ", Duration.ofSeconds(1), SOFT).webhookSecret())
                .isNull();
        String key = "k".repeat(StandardWebhooks.MIN_SECRET_BYTES);
        assertThat(new CampaignConfig.Consent(key, Duration.ofSeconds(1), SOFT).toString())
                .doesNotContain(key);
        assertThatThrownBy(() -> new CampaignConfig.Consent(null, Duration.ofMillis(999), SOFT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be at least 1 s");
        assertThatThrownBy(() -> new CampaignConfig.Consent("short-webhook-key", Duration.ofSeconds(300), SOFT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least " + StandardWebhooks.MIN_SECRET_BYTES + " bytes")
                .hasMessageNotContaining("short-webhook-key");
    }

    @Test
    void theScheduleRetriesAfterASecondAtLeastAndAllowsNoNegativeDeferred() {
        assertThat(new CampaignConfig.Schedule(CUTOFF, Duration.ofSeconds(1), 0).maxDeferred())
                .isZero();
        assertThatThrownBy(() -> new CampaignConfig.Schedule(CUTOFF, Duration.ofMillis(999), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be at least 1 s");
        assertThatThrownBy(() -> new CampaignConfig.Schedule(CUTOFF, Duration.ofSeconds(60), -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must not be negative, got -1");
    }

    @Test
    void theWholeNeedsItsPartsButMayLeaveTheSenderToEachRun() {
        DbSettings db = new DbSettings(DbSettings.DEFAULT_URL, "postgres", "", "public");
        var tokens = new CampaignConfig.Tokens(null, 180);
        var schedule = CampaignConfig.Schedule.defaults(ZoneId.of("UTC"));
        var config = new CampaignConfig(
                db, null, tokens, CampaignConfig.FreshnessGuard.OFF, CampaignConfig.Consent.DEFAULT, schedule, null);
        assertThat(config.sender()).isNull();
        var off = CampaignConfig.FreshnessGuard.OFF;
        assertThatThrownBy(
                        () -> new CampaignConfig(db, SENDER, null, off, CampaignConfig.Consent.DEFAULT, schedule, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessage("tokens");
        assertThatThrownBy(() -> new CampaignConfig.DashboardDlq(KAFKA, " "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dead-letter topic");
    }
}
