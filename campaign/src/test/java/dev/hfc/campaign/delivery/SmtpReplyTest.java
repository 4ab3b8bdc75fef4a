package dev.hfc.campaign.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.campaign.delivery.SmtpReply.Kind;
import dev.hfc.campaign.delivery.SmtpReply.Stage;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Real answers of Postfix, Exim, Gmail, Outlook and Yahoo, and whose problem each is. */
class SmtpReplyTest {

    @ParameterizedTest(name = "{1} {0} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                // the address is bad: suppress
                "550 5.1.1 <x@example.com>: Recipient address rejected: User unknown in local recipient table | RCPT_TO | BAD_ADDRESS",
                "550-5.1.1 The email account that you tried to reach does not exist.                  | RCPT_TO | BAD_ADDRESS",
                "550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup   | RCPT_TO | BAD_ADDRESS",
                "553 5.1.3 The recipient address <a b@x> is not a valid RFC-5321 address.              | RCPT_TO | BAD_ADDRESS",
                "550 5.2.1 The email account that you tried to reach is disabled.                      | RCPT_TO | BAD_ADDRESS",
                "550 Requested action not taken: mailbox unavailable (no such user)                    | RCPT_TO | BAD_ADDRESS",
                "550 unknown user                                                                      | RCPT_TO | BAD_ADDRESS",
                // the server will not take mail from us: suppress nobody
                "554 5.7.1 <x@example.com>: Relay access denied                                        | RCPT_TO | SENDER_REFUSED",
                "550 5.7.1 Unauthenticated email from shop.example is not accepted due to DMARC policy | DATA    | SENDER_REFUSED",
                "550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender    | DATA    | SENDER_REFUSED",
                "530 5.7.0 Must issue a STARTTLS command first                                           | MAIL_FROM | SENDER_REFUSED",
                "535 5.7.8 Username and Password not accepted                                           | CONNECT | SENDER_REFUSED",
                "554 Relay access denied                                                                | RCPT_TO | SENDER_REFUSED",
                "550 Service unavailable; Client host [203.0.113.9] blocked using zen.spamhaus.org       | RCPT_TO | SENDER_REFUSED",
                "553 5.1.8 <campaigns@shop.example>: Sender address rejected: Domain not found          | RCPT_TO | SENDER_REFUSED",
                "550 5.3.0 Mail system not accepting network messages                                   | RCPT_TO | SENDER_REFUSED",
                "503 5.5.1 Error: need MAIL command                                                     | RCPT_TO | SENDER_REFUSED",
                "553 sorry, that domain isn't in my list of allowed rcpthosts                           | MAIL_FROM | SENDER_REFUSED",
                // this message only: report, leave unsent
                "552 5.2.2 The email account that you tried to reach is over quota                      | RCPT_TO | MESSAGE_REFUSED",
                "554 5.6.0 Message content rejected                                                     | DATA    | MESSAGE_REFUSED",
                "552 5.3.4 Message size exceeds fixed limit                                             | DATA    | MESSAGE_REFUSED",
                "550 Requested action not taken                                                         | RCPT_TO | MESSAGE_REFUSED",
                // later, for this recipient alone: defer the row, go on with the others
                "450 4.2.1 The user you are trying to contact is receiving mail too quickly             | RCPT_TO | RECIPIENT_DEFERRED",
                "452 4.2.2 <anna@example.com>: Mailbox full                                             | RCPT_TO | RECIPIENT_DEFERRED",
                "450 4.7.1 <x@example.com>: Recipient address rejected: Greylisted, try again later     | RCPT_TO | RECIPIENT_DEFERRED",
                "451 4.4.1 No answer from host for the recipient's domain                               | RCPT_TO | RECIPIENT_DEFERRED",
                "450 Mailbox busy                                                                        | RCPT_TO | RECIPIENT_DEFERRED",
                "452 4.2.2 Over quota                                                                    | DATA    | RECIPIENT_DEFERRED",
                // later, for everyone: the server, the connection or the sender
                "451 4.3.0 Requested action aborted: local error in processing                          | DATA    | TRANSIENT",
                "452 4.3.1 Insufficient system storage                                                  | RCPT_TO | TRANSIENT",
                "421 4.7.0 Try again later, closing connection                                          | MAIL_FROM | TRANSIENT",
                "421 4.7.28 Our system has detected an unusual rate of mail, closing connection         | RCPT_TO | TRANSIENT",
                "451 4.7.1 Sender temporarily blocked                                                   | MAIL_FROM | TRANSIENT",
                "452 4.5.3 Too many recipients                                                          | RCPT_TO | TRANSIENT",
            })
    void aRefusalIsTheProblemOfWhomTheServerSays(String text, Stage stage, Kind kind) {
        assertThat(SmtpReply.parse(0, text, stage).kind()).isEqualTo(kind);
    }

    /** Seen in CampaignSenderIT: the server went away mid-transaction and the row was deferred for 15 minutes. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(
            value = Stage.class,
            names = {"RCPT_TO", "DATA"})
    void noReplyAtAllIsTheConnectionsFailureNotARecipientDeferral(Stage stage) {
        assertThat(SmtpReply.parse(-1, "[EOF]", stage).kind()).isEqualTo(Kind.TRANSIENT);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "554 5.7.1 <x@y>: Relay access denied | 554 | 5.7.1",
                "550-5.1.1 The email account          | 550 | 5.1.1",
                "550 unknown user                     | 550 |",
                "Relay access denied                  | 554 |",
                "550 mailbox 5.1.1 gone               | 550 | 5.1.1",
                "550 see 4.2.1 elsewhere              | 550 |",
            })
    void theCodeAndEnhancedStatusAreReadFromTheReply(String text, int code, String enhanced) {
        SmtpReply reply = SmtpReply.parse(554, text, Stage.RCPT_TO);
        assertThat(reply.code()).isEqualTo(code);
        assertThat(reply.enhancedStatus()).isEqualTo(enhanced);
        assertThat(reply.text())
                .startsWith(Integer.toString(code))
                .contains(text.replaceFirst("^\\d{3}[ -]?", "").strip());
    }
}
