package dev.hfc.campaign.send;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.hfc.campaign.content.CampaignTemplates;
import dev.hfc.campaign.delivery.SmtpMailer;
import dev.hfc.campaign.delivery.SmtpSettings;
import dev.hfc.core.config.DbSettings;
import dev.hfc.core.segment.Segment;
import dev.hfc.core.week.Week;
import dev.hfc.schema.Database;
import dev.hfc.schema.SchemaMigrator;
import dev.hfc.testkit.CampaignTargets;
import dev.hfc.testkit.PostgresExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The sender against a real SMTP server (GreenMail, in-process) and real PostgreSQL. */
class CampaignSenderIT {

    @RegisterExtension
    static final PostgresExtension POSTGRES = new PostgresExtension();

    private static final Week W = Week.parse("2026-W53");
    private static final String LINK = "https://shop.example/resume?week={{week}}&user={{user_id}}";
    static final dev.hfc.campaign.consent.Unsubscribe UNSUBSCRIBE = new dev.hfc.campaign.consent.Unsubscribe(
            new dev.hfc.campaign.consent.UnsubscribeTokens(
                    "a test secret of at least 32 bytes!".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                    Duration.ofDays(90),
                    java.time.Clock.systemUTC()),
            java.net.URI.create("https://shop.example/hfc/unsubscribe"),
            "unsubscribe@shop.example",
            "pause-campaign.shop.example",
            "Paused deliveries");

    @Test
    void everyUnsentRowOfTheWeekGetsExactlyOneMessageWithItsSegmentsContent() throws Exception {
        DbSettings db = schema("one_each");
        Map<String, Segment> expected = new HashMap<>();
        String[] emails = {
            "low@example.com",
            "o'neil+meals@example.com",
            "\"comma,quote\"@example.com",
            "back\\slash@example.com",
            "MiXeD.Case@Example.NET",
            "plain.high@example.org"
        };
        for (int i = 0; i < emails.length; i++) {
            Segment s = Segment.values()[i % 3];
            insert(db, W, UUID.randomUUID(), emails[i], s, s == Segment.LOW ? 1 : s == Segment.MEDIUM ? 3 : 4, false);
            expected.put(emails[i], s);
        }
        insert(db, W.plus(1), UUID.randomUUID(), "next-week@example.com", Segment.HIGH, 4, false);
        insert(db, W, UUID.randomUUID(), "already-sent@example.com", Segment.LOW, 1, true);

        try (SmtpServer smtp = smtp(freePort())) {
            SendReport report;
            try (CampaignSender sender = sender(db, smtp, 2, Duration.ofSeconds(5))) {
                report = sender.send(W);
            }
            assertThat(report.sentTotal()).isEqualTo(emails.length);
            assertThat(report.complete()).isTrue();
            assertThat(report.sent())
                    .containsEntry(Segment.LOW, 2L)
                    .containsEntry(Segment.MEDIUM, 2L)
                    .containsEntry(Segment.HIGH, 2L);

            MimeMessage[] received = smtp.mail().getReceivedMessages();
            assertThat(received).hasSize(emails.length);
            Map<String, MimeMessage> byRecipient = new HashMap<>();
            for (MimeMessage m : received) {
                InternetAddress to = (InternetAddress) m.getAllRecipients()[0];
                assertThat(m.getAllRecipients()).hasSize(1);
                assertThat(byRecipient.put(to.getAddress(), m))
                        .as("one message per address")
                        .isNull();
            }
            List<String> expectedAddresses = new ArrayList<>();
            for (String email : expected.keySet()) {
                expectedAddresses.add(normalized(email));
            }
            assertThat(byRecipient.keySet()).containsExactlyInAnyOrderElementsOf(expectedAddresses);
            for (Map.Entry<String, Segment> e : expected.entrySet()) {
                MimeMessage m = byRecipient.get(normalized(e.getKey()));
                String subject = m.getSubject();
                switch (e.getValue()) {
                    case LOW -> assertThat(subject).isEqualTo("We will miss you next week");
                    case MEDIUM -> assertThat(subject).startsWith("Your box is on hold for 3 weeks");
                    case HIGH -> assertThat(subject).startsWith("We would love to have you back: 4 weeks");
                }
                assertThat(m.getHeader("Message-ID")[0])
                        .startsWith("<hfc-campaign.2026-W53.")
                        .endsWith("@shop.example>");
                MimeMultipart parts = (MimeMultipart) m.getContent();
                assertThat(parts.getCount()).isEqualTo(2);
                assertThat(parts.getBodyPart(0).isMimeType("text/plain")).isTrue();
                assertThat((String) parts.getBodyPart(0).getContent())
                        .contains("(2026-W53)")
                        .contains(e.getKey());
                assertThat(parts.getBodyPart(1).isMimeType("text/html")).isTrue();
            }
        }
        assertThat(unsent(db, W)).isZero();
        assertThat(unsent(db, W.plus(1))).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM hfc_campaign_deliveries")).isEqualTo(emails.length);

        // A second run finds nothing to send.
        try (SmtpServer smtp = smtp(freePort());
                CampaignSender sender = sender(db, smtp, 10, Duration.ofSeconds(5))) {
            assertThat(sender.send(W).sentTotal()).isZero();
            assertThat(smtp.mail().getReceivedMessages()).isEmpty();
        }
    }

    @Test
    void severalConnectionsSendEveryRowOnceWithItsOwnMessageId() throws Exception {
        DbSettings db = schema("connections");
        int n = 60;
        for (int i = 0; i < n; i++) {
            insert(db, W, UUID.randomUUID(), "many" + i + "@example.com", Segment.values()[i % 3], 1 + i % 3, false);
        }
        try (SmtpServer smtp = smtp(freePort());
                CampaignSender sender = sender(db, smtp.port(), 20, 0, Duration.ofSeconds(5), 4)) {
            SendReport report = sender.send(W);
            assertThat(report.sentTotal()).isEqualTo(n);
            assertThat(report.complete()).isTrue();
            MimeMessage[] received = smtp.mail().getReceivedMessages();
            assertThat(recipients(List.of(received))).hasSize(n).doesNotHaveDuplicates();
            Map<String, String> ids = new HashMap<>();
            for (MimeMessage m : received) {
                assertThat(ids.put(m.getHeader("Message-ID")[0], m.getAllRecipients()[0].toString()))
                        .isNull();
            }
        }
        assertThat(unsent(db, W)).isZero();
        assertThat(count(db, "SELECT count(*) FROM hfc_campaign_deliveries")).isEqualTo(n);
    }

    @Test
    void aDeliveryOnRecordFromACrashedSenderIsMarkedWithoutSendingAgain() throws Exception {
        DbSettings db = schema("recorded");
        UUID delivered = UUID.randomUUID();
        insert(db, W, delivered, "delivered@example.com", Segment.MEDIUM, 2, false);
        insert(db, W, UUID.randomUUID(), "fresh@example.com", Segment.LOW, 1, false);
        exec(
                db,
                "INSERT INTO hfc_campaign_deliveries (subscription_week, user_id, email, segment, message_id) VALUES ('"
                        + W + "', '" + delivered + "', 'delivered@example.com', 'medium', '<x@shop.example>')");
        try (SmtpServer smtp = smtp(freePort());
                CampaignSender sender = sender(db, smtp, 10, Duration.ofSeconds(5))) {
            SendReport report = sender.send(W);
            assertThat(report.sentTotal()).isEqualTo(1);
            assertThat(report.alreadyDelivered()).isEqualTo(1);
            assertThat(recipients(List.of(smtp.mail().getReceivedMessages()))).containsExactly("fresh@example.com");
        }
        assertThat(unsent(db, W)).isZero();
    }

    @Test
    void anInvalidAddressIsRecordedAndNotTriedAgainInLaterWeeks() throws Exception {
        DbSettings db = schema("suppressed");
        insert(db, W, UUID.randomUUID(), "no-at-sign.example.com", Segment.LOW, 1, false);
        insert(db, W, UUID.randomUUID(), "good@example.com", Segment.LOW, 1, false);
        try (SmtpServer smtp = smtp(freePort());
                CampaignSender sender = sender(db, smtp, 10, Duration.ofSeconds(5))) {
            SendReport report = sender.send(W);
            assertThat(report.sentTotal()).isEqualTo(1);
            assertThat(report.addressRejected()).isEqualTo(1);
            assertThat(report.complete()).isTrue();
            assertThat(smtp.mail().getReceivedMessages()).hasSize(1);
        }
        assertThat(count(db, "SELECT count(*) FROM hfc_campaign_suppressions WHERE email = 'no-at-sign.example.com'"))
                .isEqualTo(1);
        // Not marked sent (nothing was sent), and skipped the next week without another attempt.
        assertThat(unsent(db, W)).isEqualTo(1);
        insert(db, W.plus(1), UUID.randomUUID(), "no-at-sign.example.com", Segment.HIGH, 4, false);
        try (SmtpServer smtp = smtp(freePort());
                CampaignSender sender = sender(db, smtp, 10, Duration.ofSeconds(5))) {
            SendReport report = sender.send(W.plus(1));
            assertThat(report.sentTotal()).isZero();
            assertThat(report.addressRejected()).isZero();
        }
    }

    @Test
    void aServerThatStaysDownStopsTheRunAndMarksNothing() throws Exception {
        DbSettings db = schema("down");
        for (int i = 0; i < 3; i++) {
            insert(db, W, UUID.randomUUID(), "u" + i + "@example.com", Segment.MEDIUM, 2, false);
        }
        int port = freePort(); // nothing listens there
        try (CampaignSender sender = sender(db, port, 10, 0, Duration.ofMillis(800))) {
            SendReport report = sender.send(W);
            assertThat(report.aborted()).contains("mail server stayed unavailable");
            assertThat(report.complete()).isFalse();
            assertThat(report.sentTotal()).isZero();
        }
        assertThat(unsent(db, W)).isEqualTo(3);
        assertThat(count(db, "SELECT count(*) FROM hfc_campaign_deliveries")).isZero();
    }

    @Test
    void anOutageMidRunIsRetriedAndOnlyAcceptedMessagesAreMarked() throws Exception {
        DbSettings db = schema("outage");
        int rows = 30;
        for (int i = 0; i < rows; i++) {
            insert(db, W, UUID.randomUUID(), "user" + i + "@example.com", Segment.values()[i % 3], 1 + i % 3, false);
        }
        int port = freePort();
        List<MimeMessage> received = new ArrayList<>();
        SmtpServer first = smtp(port);
        CompletableFuture<SendReport> run;
        CampaignSender sender =
                sender(db, port, 5, 20, Duration.ofSeconds(30), 3); // three connections through the outage
        run = CompletableFuture.supplyAsync(() -> {
            try {
                return sender.send(W);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(20)).until(() -> first.mail().getReceivedMessages().length >= 8);
        first.mail().getSmtp().stopService(); // the SMTP port closes; what it received stays readable
        received.addAll(List.of(first.mail().getReceivedMessages()));
        first.close();
        // While the server is down: every marked row has a message the server accepted.
        assertThat(sentUsers(db)).isSubsetOf(recipients(received));
        Thread.sleep(1_500); // the outage lasts a while, not a synchronisation: the sender must retry through it
        // Still true after it: a batch whose messages went out before the stop may commit its marks later, but no row
        // is marked for a message the server did not accept.
        assertThat(sentUsers(db)).isSubsetOf(recipients(received));
        try (SmtpServer second = smtp(port)) {
            SendReport report = run.get(60, java.util.concurrent.TimeUnit.SECONDS);
            received.addAll(List.of(second.mail().getReceivedMessages()));
            assertThat(report.complete()).isTrue();
        } finally {
            sender.close();
        }
        assertThat(unsent(db, W)).isZero();
        assertThat(recipients(received)).containsAll(sentUsers(db));
        // A message in flight when the server went away may have been received and then re-sent: same Message-ID.
        Map<String, String> idByRecipient = new HashMap<>();
        for (MimeMessage m : received) {
            String to = m.getAllRecipients()[0].toString();
            String id = m.getHeader("Message-ID")[0];
            assertThat(idByRecipient.putIfAbsent(to, id)).isIn(null, id);
        }
        assertThat(idByRecipient).hasSize(rows);
    }

    @Test
    void aNonAsciiLocalPartGoesOnlyToAServerWithSmtpUtf8AndAnIdnDomainGoesAsPunycode() throws Exception {
        DbSettings db = schema("smtputf8");
        String utf8Local = "ullanov\u00e1k.hx5@post.example.co.uk";
        String idnDomain = "anna@b\u00fccher.example";
        UUID utf8User = UUID.randomUUID();
        insert(db, W, utf8User, utf8Local, Segment.MEDIUM, 2, false);
        insert(db, W, UUID.randomUUID(), idnDomain, Segment.LOW, 1, false);
        insert(db, W, UUID.randomUUID(), "plain@example.com", Segment.HIGH, 4, false);

        // GreenMail does not announce SMTPUTF8 and reads commands as ASCII.
        try (SmtpServer smtp = smtp(freePort());
                CampaignSender sender = sender(db, smtp, 10, Duration.ofSeconds(5))) {
            SendReport report = sender.send(W);
            assertThat(report.sentTotal()).isEqualTo(2);
            assertThat(report.unsupported()).isEqualTo(1);
            assertThat(report.complete())
                    .as("a row left unsent makes the run incomplete")
                    .isFalse();
            assertThat(report.summary()).contains("1 left unsent: non-ASCII addresses and the server has no SMTPUTF8");
            assertThat(recipients(List.of(smtp.mail().getReceivedMessages())))
                    .containsExactlyInAnyOrder("plain@example.com", "anna@xn--bcher-kva.example");
        }
        assertThat(count(db, "SELECT count(*) FROM hfc_campaign_suppressions"))
                .as("nobody suppressed")
                .isZero();
        assertThat(unsentUsers(db, W)).containsExactly(utf8User);

        // A relay with SMTPUTF8 (SubEtha SMTP) takes it, byte for byte.
        List<String> envelope = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<byte[]> data = new java.util.concurrent.CopyOnWriteArrayList<>();
        org.subethamail.smtp.server.SMTPServer relay = org.subethamail.smtp.server.SMTPServer.port(0)
                .bindAddress(java.net.InetAddress.getByName("127.0.0.1"))
                .messageHandler((context, from, to, bytes) -> {
                    envelope.add(to);
                    data.add(bytes);
                })
                .build();
        relay.start();
        try (CampaignSender sender = sender(db, relay.getPortAllocated(), 10, 0, Duration.ofSeconds(5))) {
            SendReport report = sender.send(W);
            assertThat(report.sentTotal()).isEqualTo(1);
            assertThat(report.complete()).isTrue();
        } finally {
            relay.stop();
        }
        assertThat(envelope).containsExactly(utf8Local);
        String message = new String(data.get(0), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(message).contains("To: " + utf8Local);
        assertThat(unsent(db, W)).isZero();
    }

    @Test
    void aRelayThatRefusesTheSenderStopsTheRunSuppressesNobodyAndMarksNothing() throws Exception {
        DbSettings db = schema("relay_denied");
        for (int i = 0; i < 20; i++) {
            insert(
                    db,
                    W,
                    UUID.randomUUID(),
                    "customer" + i + "@example.com",
                    Segment.values()[i % 3],
                    1 + i % 3,
                    false);
        }
        // Postfix's answer to a sender it does not relay for: a forgotten --smtp-user, a changed IP.
        try (RefusingRelay relay = new RefusingRelay(to -> "554 5.7.1 <" + to + ">: Relay access denied");
                CampaignSender sender = sender(db, relay.port(), 5, 0, Duration.ofSeconds(5))) {
            SendReport report = sender.send(W);
            assertThat(report.complete()).isFalse();
            assertThat(report.sentTotal()).isZero();
            assertThat(report.senderRefused()).isEqualTo(CampaignSender.SENDER_REFUSALS_TO_STOP);
            assertThat(report.aborted()).contains("Relay access denied").contains("3 times in a row");
            assertThat(relay.accepted()).isEmpty();
        }
        assertThat(count(db, "SELECT count(*) FROM hfc_campaign_suppressions")).isZero();
        assertThat(unsent(db, W)).isEqualTo(20);
    }

    @Test
    void onlyAnAddressTheServerCallsBadIsSuppressed() throws Exception {
        DbSettings db = schema("bad_mailbox");
        insert(db, W, UUID.randomUUID(), "gone@example.com", Segment.LOW, 1, false);
        insert(db, W, UUID.randomUUID(), "full@example.com", Segment.LOW, 1, false);
        insert(db, W, UUID.randomUUID(), "here@example.com", Segment.HIGH, 4, false);
        try (RefusingRelay relay = new RefusingRelay(to -> switch (to) {
                    case "gone@example.com" -> "550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown";
                    case "full@example.com" -> "552 5.2.2 <full@example.com>: mailbox full";
                    default -> null;
                });
                CampaignSender sender = sender(db, relay.port(), 10, 0, Duration.ofSeconds(5))) {
            SendReport report = sender.send(W);
            assertThat(report.sentTotal()).isEqualTo(1);
            assertThat(report.addressRejected()).isEqualTo(1);
            assertThat(report.refused()).isEqualTo(1);
            assertThat(report.senderRefused()).isZero();
            assertThat(relay.accepted()).containsExactly("here@example.com");
        }
        assertThat(
                        count(
                                db,
                                "SELECT count(*) FROM hfc_campaign_suppressions WHERE email = 'gone@example.com' AND smtp_code = 550"))
                .isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM hfc_campaign_suppressions")).isEqualTo(1);
        assertThat(count(db, "SELECT count(*) FROM hfc_campaign_assignments WHERE subscription_week = '" + W + "'"))
                .as("every target claimed to be emailed is in the treatment arm, whatever the server said")
                .isEqualTo(3);
    }

    @Test
    void aFullMailboxDefersOnlyItsRowAndTheRowIsSentWhenItsNextAttemptIsDue() throws Exception {
        DbSettings db = schema("deferred");
        // A deferral is tried again only until its week's end, by the clock: the coming target week, not a fixed one
        // (with the fixed W, 2026-W53, it would fail from 2027-01-04 on).
        Week week = Week.target(java.time.Instant.now(), java.time.ZoneOffset.UTC);
        // The lowest user id is claimed first: the full mailbox must not stop the others behind it.
        insert(
                db,
                week,
                UUID.fromString("00000000-0000-0000-0000-000000000001"),
                "full@example.com",
                Segment.LOW,
                1,
                false);
        for (int i = 0; i < 20; i++) {
            insert(
                    db,
                    week,
                    UUID.randomUUID(),
                    "customer" + i + "@example.com",
                    Segment.values()[i % 3],
                    1 + i % 3,
                    false);
        }
        java.util.concurrent.atomic.AtomicBoolean full = new java.util.concurrent.atomic.AtomicBoolean(true);
        try (RefusingRelay relay = new RefusingRelay(to ->
                full.get() && to.equals("full@example.com") ? "452 4.2.2 <full@example.com>: Mailbox full" : null)) {
            // Long enough that the rerun below comes before the next attempt is due, on a slow machine too.
            DeferralPolicy soon = new DeferralPolicy(Duration.ofSeconds(5), Duration.ofSeconds(10));
            try (CampaignSender sender = sender(db, relay.port(), 5, 0, Duration.ofSeconds(5), 1, soon)) {
                SendReport report = sender.send(week);
                assertThat(report.sentTotal()).as(report.summary()).isEqualTo(20);
                assertThat(report.deferredNow()).isEqualTo(1);
                assertThat(report.deferredWaiting()).isEqualTo(1);
                assertThat(report.nextDeferredAttempt()).isNotNull();
                assertThat(report.aborted()).isNull();
                assertThat(report.complete())
                        .as("a deferral within the week is handled")
                        .isTrue();
                assertThat(report.summary()).contains("1 deferred by the recipient's server");
                // Not due yet: a rerun right away leaves it alone.
                assertThat(sender.send(week).deferredNow()).isZero();
            }
            assertThat(count(
                            db,
                            "SELECT count(*) FROM hfc_campaign_deferrals WHERE email = 'full@example.com' AND attempts = 1 "
                                    + "AND last_reply LIKE '452 4.2.2%' AND NOT expired"))
                    .isEqualTo(1);
            assertThat(unsent(db, week)).isEqualTo(1);
            full.set(false);
            await().atMost(Duration.ofSeconds(15))
                    .until(() -> count(db, "SELECT count(*) FROM hfc_campaign_deferrals WHERE next_attempt_at <= now()")
                            == 1);
            try (CampaignSender sender = sender(db, relay.port(), 5, 0, Duration.ofSeconds(5), 1, soon)) {
                SendReport later = sender.send(week);
                assertThat(later.sentTotal()).isEqualTo(1);
                assertThat(later.deferredWaiting()).isZero();
            }
            assertThat(unsent(db, week)).isZero();
            assertThat(relay.accepted()).hasSize(21).doesNotHaveDuplicates();
        }
        assertThat(count(db, "SELECT count(*) FROM hfc_campaign_suppressions"))
                .as("a full mailbox is not a bad address")
                .isZero();
    }

    @Test
    void aRowDeferredPastTheWeeksEndIsGivenUpAndReported() throws Exception {
        DbSettings db = schema("deferred_expired");
        insert(db, W, UUID.randomUUID(), "greylisted@example.com", Segment.LOW, 1, false);
        insert(db, W, UUID.randomUUID(), "fine@example.com", Segment.LOW, 1, false);
        DeferralPolicy tooLate = new DeferralPolicy(Duration.ofDays(60), Duration.ofDays(60));
        try (RefusingRelay relay = new RefusingRelay(to -> to.startsWith("greylisted")
                        ? "450 4.7.1 <greylisted@example.com>: Recipient address rejected: Greylisted, try again later"
                        : null);
                CampaignSender sender = sender(db, relay.port(), 5, 0, Duration.ofSeconds(5), 1, tooLate)) {
            SendReport report = sender.send(W);
            assertThat(report.sentTotal()).isEqualTo(1);
            assertThat(report.deferredExpired()).isEqualTo(1);
            assertThat(report.complete()).isFalse();
            assertThat(report.summary()).contains("given up: deferred past the week's end");
            assertThat(sender.send(W).sentTotal())
                    .as("never claimed again for the week")
                    .isZero();
        }
    }

    @Test
    void anOptOutCommittedAfterTheClaimIsHonouredBeforeTheNextMessage() throws Exception {
        DbSettings db = schema("optout_mid_batch");
        UUID first = UUID.fromString("00000000-0000-0000-0000-000000000001");
        UUID second = UUID.fromString("00000000-0000-0000-0000-000000000002");
        UUID third = UUID.fromString("00000000-0000-0000-0000-000000000003");
        insert(db, W, first, "first@example.com", Segment.LOW, 1, false);
        insert(db, W, second, "Second@Example.com", Segment.LOW, 1, false);
        insert(db, W, third, "third@example.com", Segment.LOW, 1, false);
        dev.hfc.campaign.consent.ConsentStore consent = new dev.hfc.campaign.consent.ConsentStore(db);
        try (RefusingRelay relay = new RefusingRelay(to -> {
                    if (to.equals("first@example.com")) {
                        // While the first message of the batch is on the wire, the second customer unsubscribes (by id,
                        // via
                        // the one-click link) and the third's address is opted out by the provider, in another case.
                        try {
                            consent.optOut(second, null, dev.hfc.campaign.consent.ConsentStore.How.ONE_CLICK, null);
                            consent.optOut(
                                    "THIRD@example.com", dev.hfc.campaign.consent.ConsentStore.How.WEBHOOK, null);
                        } catch (java.sql.SQLException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    return null;
                });
                CampaignSender sender = sender(db, relay.port(), 10, 0, Duration.ofSeconds(5))) {
            SendReport report = sender.send(W);
            assertThat(relay.accepted()).containsExactly("first@example.com");
            assertThat(report.optedOut()).isEqualTo(2);
            assertThat(report.summary()).contains("2 skipped: opted out");
        }
    }

    @Test
    void aDeliveryRecordedAfterTheClaimMarksTheRowWithoutSendingItAgain() throws Exception {
        DbSettings db = schema("delivered_meanwhile");
        UUID first = UUID.fromString("00000000-0000-0000-0000-000000000001");
        UUID second = UUID.fromString("00000000-0000-0000-0000-000000000002");
        insert(db, W, first, "first@example.com", Segment.LOW, 1, false);
        insert(db, W, second, "second@example.com", Segment.LOW, 1, false);
        // What another sender whose claim rolled back leaves behind: its delivery of the second row, recorded after
        // this claim's snapshot was taken.
        try (RefusingRelay relay = new RefusingRelay(to -> {
                    if (to.equals("first@example.com")) {
                        try {
                            exec(
                                    db,
                                    "INSERT INTO hfc_campaign_deliveries (subscription_week, user_id, email, segment, message_id) "
                                            + "VALUES ('" + W + "', '" + second
                                            + "', 'second@example.com', 'low', '<elsewhere@shop.example>')");
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    return null;
                });
                CampaignSender sender = sender(db, relay.port(), 10, 0, Duration.ofSeconds(5))) {
            SendReport report = sender.send(W);
            assertThat(relay.accepted()).containsExactly("first@example.com");
            assertThat(report.alreadyDelivered()).isEqualTo(1);
        }
        assertThat(unsent(db, W)).isZero();
    }

    @Test
    void anOptOutDuringAnSmtpRetryIsHonouredBeforeTheNextAttempt() throws Exception {
        DbSettings db = schema("optout_during_retry");
        UUID user = UUID.randomUUID();
        insert(db, W, user, "busy@example.com", Segment.LOW, 1, false);
        dev.hfc.campaign.consent.ConsentStore consent = new dev.hfc.campaign.consent.ConsentStore(db);
        java.util.concurrent.atomic.AtomicInteger attempts = new java.util.concurrent.atomic.AtomicInteger();
        try (RefusingRelay relay = new RefusingRelay(to -> {
                    if (attempts.incrementAndGet() == 1) {
                        try {
                            consent.optOut(user, null, dev.hfc.campaign.consent.ConsentStore.How.ONE_CLICK, null);
                        } catch (java.sql.SQLException e) {
                            throw new IllegalStateException(e);
                        }
                        return "421 4.7.0 Try again later, closing connection";
                    }
                    return null;
                });
                CampaignSender sender = sender(db, relay.port(), 10, 0, Duration.ofSeconds(10))) {
            SendReport report = sender.send(W);
            assertThat(relay.accepted()).isEmpty();
            assertThat(attempts).hasValue(1);
            assertThat(report.optedOut()).isEqualTo(1);
        }
    }

    @Test
    void terminatedDatabaseConnectionsStopTheBatchAndRepeatAtMostOneMessagePerConnection() throws Exception {
        DbSettings db = schema("terminated");
        int rows = 40;
        for (int i = 0; i < rows; i++) {
            insert(db, W, UUID.randomUUID(), "user" + i + "@example.com", Segment.values()[i % 3], 1 + i % 3, false);
        }
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
        List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (RefusingRelay relay = new RefusingRelay(to -> {
                    int n = seen.incrementAndGet();
                    if (n == 7 || n == 23) {
                        // Mid-batch, while a message is in the server's hands: every connection of the sender is cut.
                        try {
                            exec(
                                    db,
                                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                                            + "AND pid <> pg_backend_pid()");
                        } catch (Exception e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    sleep(50); // a slow relay
                    return null;
                });
                CampaignSender sender =
                        sender(db, relay.port(), 10, 0, Duration.ofSeconds(5), 2, DeferralPolicy.DEFAULT)) {
            SendReport report = sender.send(W);
            received.addAll(relay.accepted());
            assertThat(report.complete()).as(report.summary()).isTrue();
        }
        assertThat(unsent(db, W)).isZero();
        Map<String, Long> copies = received.stream()
                .collect(java.util.stream.Collectors.groupingBy(r -> r, java.util.stream.Collectors.counting()));
        assertThat(copies).hasSize(rows);
        long repeats = copies.values().stream().mapToLong(c -> c - 1).sum();
        System.out.println("terminated connections: " + rows + " rows, " + received.size() + " messages, " + repeats
                + " repeated");
        // Two cuts, two SMTP connections: at most one repeated message per connection per cut.
        assertThat(repeats).isLessThanOrEqualTo(4);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aRowWithoutPauseWeeksIsSentWhenItsContentDoesNotNeedItAndOtherwiseFailsTheRun() throws Exception {
        DbSettings db = schema("no_pause_weeks");
        insert(db, W, UUID.randomUUID(), "low-old-row@example.com", Segment.LOW, null, false);
        UUID high = UUID.randomUUID();
        insert(db, W, high, "high-old-row@example.com", Segment.HIGH, null, false);
        insert(db, W, UUID.randomUUID(), "high-new-row@example.com", Segment.HIGH, 4, false);
        try (SmtpServer smtp = smtp(freePort());
                CampaignSender sender = sender(db, smtp, 10, Duration.ofSeconds(5))) {
            SendReport report = sender.send(W);
            assertThat(recipients(List.of(smtp.mail().getReceivedMessages())))
                    .containsExactlyInAnyOrder("low-old-row@example.com", "high-new-row@example.com");
            assertThat(report.withoutPauseWeeks()).isEqualTo(1);
            assertThat(report.complete())
                    .as("a sendable row left behind fails the run")
                    .isFalse();
            assertThat(report.summary()).contains("1 rows left unsent: no pause_weeks");
        }
        assertThat(unsentUsers(db, W)).containsExactly(high);
    }

    @Test
    void aRowHeldByAnotherTransactionAtClaimTimeIsStillSentInTheSameRun() throws Exception {
        DbSettings db = schema("held_row");
        UUID held = UUID.randomUUID();
        insert(db, W, held, "held@example.com", Segment.MEDIUM, 2, false);
        for (int i = 0; i < 5; i++) {
            insert(db, W, UUID.randomUUID(), "free" + i + "@example.com", Segment.LOW, 1, false);
        }
        try (SmtpServer smtp = smtp(freePort());
                Connection sink = Database.connect(db)) {
            // What the sink's open batch does: it holds the row, here while rewriting its email.
            sink.setAutoCommit(false);
            try (Statement s = sink.createStatement()) {
                s.executeUpdate("UPDATE rec_campaigns_weekly SET email = 'held.new@example.com' WHERE user_id = '"
                        + held + "'");
            }
            CampaignSender sender = sender(db, smtp, 2, Duration.ofSeconds(5));
            CompletableFuture<SendReport> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return sender.send(W);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> smtp.mail().getReceivedMessages().length == 5);
            assertThat(run)
                    .as("the run waits for the held row instead of ending without it")
                    .isNotDone();
            sink.commit();
            SendReport report = run.get(20, java.util.concurrent.TimeUnit.SECONDS);
            sender.close();
            assertThat(report.sentTotal()).isEqualTo(6);
            assertThat(report.complete()).isTrue();
            assertThat(recipients(List.of(smtp.mail().getReceivedMessages()))).contains("held.new@example.com");
        }
        assertThat(unsent(db, W)).isZero();
    }

    @Test
    void aRunIsHeldWhileTheSinkLagsAndRefusedWhenItStaysBehindOrIsGone() throws Exception {
        DbSettings db = schema("sink_lag");
        for (int i = 0; i < 3; i++) {
            insert(db, W, UUID.randomUUID(), "lag" + i + "@example.com", Segment.LOW, 1, false);
        }
        try (SmtpServer smtp = smtp(freePort())) {
            // No sink has ever reported into this schema.
            try (CampaignSender sender = checkingSender(db, smtp, Duration.ofMillis(300))) {
                SendReport report = sender.send(W);
                assertThat(report.aborted()).contains("no sink consumer reported progress");
                assertThat(report.sentTotal()).isZero();
            }
            // A consumer that is behind, and one whose last report is old (killed): refused, nothing sent.
            exec(db, "INSERT INTO hfc_sink_progress (group_id, member, lag_records) VALUES ('hfc-sink', 'a#0', 120)");
            exec(
                    db,
                    "INSERT INTO hfc_sink_progress (group_id, member, lag_records, updated_at) "
                            + "VALUES ('hfc-sink', 'killed#1', 0, now() - interval '1 hour')");
            try (CampaignSender sender = checkingSender(db, smtp, Duration.ofMillis(300))) {
                SendReport report = sender.send(W);
                assertThat(report.aborted()).contains("120 records of its topic not yet in the table");
                assertThat(report.complete()).isFalse();
            }
            assertThat(smtp.mail().getReceivedMessages()).isEmpty();
            assertThat(unsent(db, W)).isEqualTo(3);
            // Held: the sink catches up while the run waits, then it sends everything.
            CampaignSender sender = checkingSender(db, smtp, Duration.ofSeconds(30));
            CompletableFuture<SendReport> run = CompletableFuture.supplyAsync(() -> {
                try {
                    return sender.send(W);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().during(Duration.ofMillis(1500))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> smtp.mail().getReceivedMessages().length == 0 && !run.isDone());
            exec(db, "UPDATE hfc_sink_progress SET lag_records = 0, updated_at = now() WHERE member = 'a#0'");
            SendReport report = run.get(20, java.util.concurrent.TimeUnit.SECONDS);
            sender.close();
            assertThat(report.complete()).isTrue();
            assertThat(report.sentTotal()).isEqualTo(3);
        }
    }

    private static CampaignSender checkingSender(DbSettings db, SmtpServer smtp, Duration sinkWait) {
        SmtpSettings settings = new SmtpSettings(
                "127.0.0.1",
                smtp.port(),
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
                        db,
                        10,
                        0,
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(10),
                        settings.messageIdDomain(),
                        new PipelineFreshness(db, Duration.ofSeconds(10), null, sinkWait),
                        1,
                        DeferralPolicy.DEFAULT),
                CampaignTemplates.defaults(LINK),
                UNSUBSCRIBE,
                () -> new SmtpMailer(settings),
                new CampaignMetrics(new SimpleMeterRegistry()));
    }

    /** A real SMTP server (SubEtha SMTP) that answers RCPT TO with {@code refusal.apply(address)} when not null. */
    static final class RefusingRelay implements AutoCloseable {
        private final org.subethamail.smtp.server.SMTPServer server;
        private final List<String> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();

        RefusingRelay(java.util.function.Function<String, String> refusal) throws Exception {
            server = org.subethamail.smtp.server.SMTPServer.port(0)
                    .bindAddress(java.net.InetAddress.getByName("127.0.0.1"))
                    .messageHandlerFactory(context -> new org.subethamail.smtp.MessageHandler() {
                        private String recipient;

                        @Override
                        public void from(String from) {}

                        @Override
                        public void recipient(String to) throws org.subethamail.smtp.RejectException {
                            String reply = refusal.apply(to);
                            if (reply != null) {
                                throw new org.subethamail.smtp.RejectException(
                                        Integer.parseInt(reply.substring(0, 3)), reply.substring(4));
                            }
                            recipient = to;
                        }

                        @Override
                        public String data(java.io.InputStream data) throws java.io.IOException {
                            data.readAllBytes();
                            accepted.add(recipient);
                            return null;
                        }

                        @Override
                        public void done() {}
                    })
                    .build();
            server.start();
        }

        int port() {
            return server.getPortAllocated();
        }

        List<String> accepted() {
            return accepted;
        }

        @Override
        public void close() {
            server.stop();
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private static String normalized(String email) throws Exception {
        return new InternetAddress(email, true).getAddress();
    }

    private static List<String> recipients(List<MimeMessage> messages) throws Exception {
        List<String> to = new ArrayList<>();
        for (MimeMessage m : messages) {
            to.add(m.getAllRecipients()[0].toString());
        }
        return to;
    }

    private static List<String> sentUsers(DbSettings db) throws Exception {
        List<String> emails = new ArrayList<>();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT email FROM rec_campaigns_weekly WHERE campaign_sent")) {
            while (rs.next()) {
                emails.add(rs.getString(1));
            }
        }
        return emails;
    }

    /** An in-process SMTP server on a port of the test's choosing (so that it can come back on the same one). */
    record SmtpServer(GreenMail mail) implements AutoCloseable {
        int port() {
            return mail.getSmtp().getPort();
        }

        @Override
        public void close() {
            mail.stop();
        }
    }

    static SmtpServer smtp(int port) {
        GreenMail mail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
        return new SmtpServer(mail);
    }

    static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static CampaignSender sender(DbSettings db, SmtpServer smtp, int batchSize, Duration smtpRetry) {
        return sender(db, smtp.port(), batchSize, 0, smtpRetry);
    }

    private static CampaignSender sender(DbSettings db, int port, int batchSize, double rate, Duration smtpRetry) {
        return sender(db, port, batchSize, rate, smtpRetry, 1);
    }

    private static CampaignSender sender(
            DbSettings db, int port, int batchSize, double rate, Duration smtpRetry, int connections) {
        return sender(db, port, batchSize, rate, smtpRetry, connections, DeferralPolicy.DEFAULT);
    }

    private static CampaignSender sender(
            DbSettings db,
            int port,
            int batchSize,
            double rate,
            Duration smtpRetry,
            int connections,
            DeferralPolicy deferral) {
        SmtpSettings smtp = new SmtpSettings(
                "127.0.0.1",
                port,
                SmtpSettings.Security.NONE,
                null,
                null,
                "Meal kits <campaigns@shop.example>",
                null,
                rate,
                Duration.ofSeconds(5),
                smtpRetry);
        return new CampaignSender(
                new CampaignSender.Settings(
                        db,
                        batchSize,
                        rate,
                        smtpRetry,
                        Duration.ofSeconds(10),
                        smtp.messageIdDomain(),
                        Freshness.none(),
                        connections,
                        deferral),
                CampaignTemplates.defaults(LINK),
                UNSUBSCRIBE,
                () -> new SmtpMailer(smtp),
                new CampaignMetrics(new SimpleMeterRegistry()));
    }

    private static DbSettings schema(String name) {
        DbSettings db = POSTGRES.db("campaign_" + name);
        SchemaMigrator.migrate(db, false);
        return db;
    }

    static void insert(
            DbSettings db, Week week, UUID user, String email, Segment segment, Integer pauseWeeks, boolean sent)
            throws Exception {
        CampaignTargets.insert(db, week, user, email, segment, pauseWeeks, sent);
    }

    private static List<UUID> unsentUsers(DbSettings db, Week week) throws Exception {
        List<UUID> users = new ArrayList<>();
        try (Connection c = Database.connect(db);
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT user_id FROM rec_campaigns_weekly WHERE NOT campaign_sent AND subscription_week = '"
                                + week + "'")) {
            while (rs.next()) {
                users.add(rs.getObject(1, UUID.class));
            }
        }
        return users;
    }

    private static long unsent(DbSettings db, Week week) throws Exception {
        return count(
                db,
                "SELECT count(*) FROM rec_campaigns_weekly WHERE NOT campaign_sent AND subscription_week = '" + week
                        + "'");
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
