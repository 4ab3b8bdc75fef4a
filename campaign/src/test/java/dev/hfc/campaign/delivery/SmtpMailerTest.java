package dev.hfc.campaign.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.week.Week;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.internet.InternetAddress;
import java.time.Duration;
import java.util.UUID;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.util.MailConnectException;
import org.eclipse.angus.mail.util.SocketConnectException;
import org.junit.jupiter.api.Test;

class SmtpMailerTest {

    private static SmtpSettings settings(String from, String password) {
        return new SmtpSettings(
                "mail.example",
                587,
                SmtpSettings.Security.STARTTLS,
                "bot",
                password,
                from,
                null,
                10,
                Duration.ofSeconds(5),
                Duration.ofSeconds(30));
    }

    @Test
    void aRecipientRefusedWith5xxIsRejectedForGoodAnd4xxIsDeferred() throws Exception {
        InternetAddress to = new InternetAddress("x@example.com");
        var permanent = new SendFailedException(
                "Invalid Addresses",
                new SMTPAddressFailedException(to, "RCPT TO", 550, "550 5.1.1 no such user"),
                null,
                null,
                new InternetAddress[] {to});
        var temporary = new SendFailedException(
                "Invalid Addresses",
                new SMTPAddressFailedException(to, "RCPT TO", 452, "452 4.2.2 mailbox full"),
                null,
                null,
                new InternetAddress[] {to});
        assertThat(SmtpMailer.classify(permanent))
                .isInstanceOfSatisfying(
                        SendOutcome.AddressRejected.class,
                        r -> assertThat(r.smtpCode()).isEqualTo(550));
        assertThat(SmtpMailer.classify(temporary))
                .isInstanceOfSatisfying(
                        SendOutcome.RecipientDeferred.class,
                        r -> assertThat(r.smtpCode()).isEqualTo(452));
    }

    @Test
    void aRelayOrPolicyRefusalOfTheRecipientIsTheSendersProblemNotTheAddresses() throws Exception {
        InternetAddress to = new InternetAddress("x@example.com");
        var relay = new SendFailedException(
                "Invalid Addresses",
                new SMTPAddressFailedException(to, "RCPT TO", 554, "554 5.7.1 <x@example.com>: Relay access denied"),
                null,
                null,
                new InternetAddress[] {to});
        assertThat(SmtpMailer.classify(relay))
                .isInstanceOfSatisfying(
                        SendOutcome.SenderRefused.class,
                        r -> assertThat(r.reason()).isEqualTo("554 5.7.1 <x@example.com>: Relay access denied"));
        assertThat(SmtpMailer.classify(new jakarta.mail.AuthenticationFailedException("535 5.7.8 bad credentials")))
                .isInstanceOf(SendOutcome.SenderRefused.class);
    }

    @Test
    void aMessageRefusedWith5xxIsFinalAnd4xxIsTransient() {
        var refused =
                new SMTPSendFailedException("DATA", 554, "554 5.6.0 message content rejected", null, null, null, null);
        var busy = new SMTPSendFailedException("DATA", 451, "451 4.3.0 try later", null, null, null, null);
        assertThat(SmtpMailer.classify(refused)).isInstanceOf(SendOutcome.MessageRefused.class);
        assertThat(SmtpMailer.classify(busy)).isInstanceOf(SendOutcome.Transient.class);
    }

    @Test
    void anUnreachableServerIsTransient() {
        var down = new MailConnectException(
                new SocketConnectException("refused", new java.net.ConnectException(), "h", 25, 100));
        assertThat(SmtpMailer.classify(down)).isInstanceOf(SendOutcome.Transient.class);
        assertThat(SmtpMailer.classify(new MessagingException("connection lost")))
                .isInstanceOf(SendOutcome.Transient.class);
    }

    @Test
    void theMessageIdDependsOnlyOnWeekAndUser() {
        UUID user = UUID.fromString("11111111-2222-4333-8444-555555555555");
        assertThat(MessageIds.of(Week.parse("2026-W49"), user, "shop.example"))
                .isEqualTo("<hfc-campaign.2026-W49.11111111-2222-4333-8444-555555555555@shop.example>")
                .isEqualTo(MessageIds.of(Week.parse("2026-W49"), user, "shop.example"))
                .isNotEqualTo(MessageIds.of(Week.parse("2026-W50"), user, "shop.example"));
    }

    @Test
    void settingsNeverShowThePasswordAndTakeTheMessageIdDomainFromTheSender() {
        SmtpSettings s = settings("Meal kits <campaigns@shop.example>", "s3cr3t-pw");
        assertThat(s.toString()).doesNotContain("s3cr3t-pw").contains("[redacted]");
        assertThat(s.messageIdDomain()).isEqualTo("shop.example");
        assertThat(SmtpMailer.properties(s))
                .containsEntry("mail.smtp.starttls.required", "true")
                .containsEntry("mail.smtp.auth", "true")
                .doesNotContainValue("s3cr3t-pw");
    }

    @Test
    void badSettingsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> settings("not an address", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("From address");
        assertThatThrownBy(() -> new SmtpSettings(
                        "h",
                        70000,
                        SmtpSettings.Security.NONE,
                        null,
                        null,
                        "a@b.c",
                        null,
                        1,
                        Duration.ofSeconds(1),
                        Duration.ZERO))
                .hasMessageContaining("port");
        assertThatThrownBy(() -> new SmtpSettings(
                        "h",
                        25,
                        SmtpSettings.Security.NONE,
                        null,
                        null,
                        "a@b.c",
                        null,
                        -1,
                        Duration.ofSeconds(1),
                        Duration.ZERO))
                .hasMessageContaining("rate");
        assertThatThrownBy(() -> SmtpSettings.Security.parse("ssl")).hasMessageContaining("none, starttls or tls");
    }
}
