package dev.hfc.campaign.delivery;

import dev.hfc.campaign.content.RenderedEmail;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Properties;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers campaign messages over SMTP (Jakarta Mail, Angus Mail) on one connection, reopened after a
 * failure. Each message is {@code multipart/alternative} (plain text, then HTML) with the stable
 * Message-ID it was given.
 */
public final class SmtpMailer implements Mailer {

    private static final Logger LOG = LoggerFactory.getLogger(SmtpMailer.class);

    private final SmtpSettings settings;
    private final Session session;
    private final InternetAddress from;
    private SMTPTransport transport;

    public SmtpMailer(SmtpSettings settings) {
        this.settings = settings;
        this.from = settings.fromAddress();
        this.session = Session.getInstance(properties(settings));
    }

    static Properties properties(SmtpSettings s) {
        String protocol = s.security() == SmtpSettings.Security.TLS ? "smtps" : "smtp";
        String p = "mail." + protocol + ".";
        Properties props = new Properties();
        props.put("mail.transport.protocol", protocol);
        props.put(p + "host", s.host());
        props.put(p + "port", Integer.toString(s.port()));
        props.put(p + "connectiontimeout", Long.toString(s.timeout().toMillis()));
        props.put(p + "timeout", Long.toString(s.timeout().toMillis()));
        props.put(p + "writetimeout", Long.toString(s.timeout().toMillis()));
        props.put(p + "auth", Boolean.toString(s.user() != null));
        if (s.security() == SmtpSettings.Security.STARTTLS) {
            props.put(p + "starttls.enable", "true");
            props.put(p + "starttls.required", "true");
        }
        if (s.security() != SmtpSettings.Security.NONE) {
            props.put(p + "ssl.checkserveridentity", "true");
        }
        // Addresses with non-ASCII letters (RFC 6531). Angus Mail writes UTF-8 on the wire whenever this is set,
        // so send() hands such an address only to a server that announced SMTPUTF8 (see WireAddress).
        props.put("mail.mime.allowutf8", "true");
        return props;
    }

    @Override
    public SendOutcome send(String to, RenderedEmail email, String messageId) {
        try {
            new InternetAddress(to, true);
        } catch (AddressException e) {
            return new SendOutcome.AddressRejected(null, "not a valid address: " + e.getMessage());
        }
        try {
            SMTPTransport t = transport();
            WireAddress wire = WireAddress.of(to, t.supportsExtension("SMTPUTF8"));
            if (wire instanceof WireAddress.NeedsSmtpUtf8 n) {
                return new SendOutcome.AddressUnsupported(n.reason());
            }
            InternetAddress recipient = new InternetAddress(((WireAddress.Sendable) wire).address(), true);
            t.sendMessage(message(recipient, email, messageId), new InternetAddress[] {recipient});
            return new SendOutcome.Accepted();
        } catch (MessagingException e) {
            SendOutcome outcome = classify(e);
            if (!(outcome instanceof SendOutcome.AddressRejected)
                    && !(outcome instanceof SendOutcome.RecipientDeferred)) {
                closeTransport(); // the connection's state is unknown after anything but a recipient refusal
            }
            return outcome;
        } catch (RuntimeException e) {
            closeTransport();
            return new SendOutcome.Transient(null, e.toString());
        }
    }

    /**
     * Which kind of failure an exception from Jakarta Mail is, by the server's reply (see {@link SmtpReply}):
     * only an address-level permanent refusal rejects the address; policy and authentication refusals are
     * the sender's; connection trouble and 4xx are transient.
     */
    static SendOutcome classify(MessagingException e) {
        for (Exception x = e; x != null; x = x instanceof MessagingException m ? m.getNextException() : null) {
            if (x instanceof SMTPAddressFailedException a) {
                return outcome(SmtpReply.parse(a.getReturnCode(), a.getMessage(), SmtpReply.Stage.RCPT_TO));
            }
            if (x instanceof SMTPSenderFailedException f) {
                return outcome(SmtpReply.parse(f.getReturnCode(), f.getMessage(), SmtpReply.Stage.MAIL_FROM));
            }
        }
        if (e instanceof SMTPSendFailedException f) {
            return outcome(SmtpReply.parse(f.getReturnCode(), f.getMessage(), SmtpReply.Stage.DATA));
        }
        if (e instanceof AuthenticationFailedException) {
            return new SendOutcome.SenderRefused(null, "authentication failed: " + e.getMessage());
        }
        if (e instanceof SendFailedException f
                && f.getInvalidAddresses() != null
                && f.getInvalidAddresses().length > 0) {
            return new SendOutcome.AddressRejected(null, f.getMessage());
        }
        // Connection refused or lost, timeouts, TLS trouble: the server, not the message.
        return new SendOutcome.Transient(
                null, e.getMessage() + (e.getCause() == null ? "" : " (" + e.getCause() + ")"));
    }

    private static SendOutcome outcome(SmtpReply reply) {
        return switch (reply.kind()) {
            case TRANSIENT -> new SendOutcome.Transient(reply.code(), reply.text());
            case RECIPIENT_DEFERRED -> new SendOutcome.RecipientDeferred(reply.code(), reply.text());
            case BAD_ADDRESS -> new SendOutcome.AddressRejected(reply.code(), reply.text());
            case SENDER_REFUSED -> new SendOutcome.SenderRefused(reply.code(), reply.text());
            case MESSAGE_REFUSED -> new SendOutcome.MessageRefused(reply.code(), reply.text());
        };
    }

    private MimeMessage message(InternetAddress to, RenderedEmail email, String messageId) throws MessagingException {
        MimeMessage message = new FixedIdMessage(session, messageId);
        message.setFrom(from);
        message.setRecipient(Message.RecipientType.TO, to);
        message.setSubject(email.subject(), StandardCharsets.UTF_8.name());
        message.setSentDate(new Date());
        MimeBodyPart text = new MimeBodyPart();
        text.setText(email.text(), StandardCharsets.UTF_8.name(), "plain");
        MimeBodyPart html = new MimeBodyPart();
        html.setText(email.html(), StandardCharsets.UTF_8.name(), "html");
        MimeMultipart alternative = new MimeMultipart("alternative");
        alternative.addBodyPart(text);
        alternative.addBodyPart(html);
        message.setContent(alternative);
        for (var header : email.headers().entrySet()) {
            message.setHeader(header.getKey(), header.getValue());
        }
        message.saveChanges();
        return message;
    }

    private SMTPTransport transport() throws MessagingException {
        if (transport == null || !transport.isConnected()) {
            SMTPTransport t = (SMTPTransport) session.getTransport();
            if (settings.user() != null) {
                t.connect(settings.host(), settings.port(), settings.user(), settings.password());
            } else {
                t.connect();
            }
            transport = t;
        }
        return transport;
    }

    private void closeTransport() {
        if (transport != null) {
            try {
                transport.close();
            } catch (MessagingException e) {
                LOG.debug("closing the SMTP connection failed", e);
            }
            transport = null;
        }
    }

    @Override
    public void close() {
        closeTransport();
    }

    /** A message whose Message-ID is ours, not the one Jakarta Mail would generate on every save. */
    private static final class FixedIdMessage extends MimeMessage {
        private final String messageId;

        FixedIdMessage(Session session, String messageId) {
            super(session);
            this.messageId = messageId;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", messageId);
        }
    }
}
