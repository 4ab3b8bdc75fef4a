package dev.hfc.campaign.delivery;

import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Where and how campaign emails are delivered. {@link #toString()} never shows the password.
 *
 * @param security         {@code none}, {@code starttls} (upgrade a plain connection, required) or {@code tls}
 *                         (TLS from the first byte, "SMTPS")
 * @param from             the sender, e.g. {@code "Meal kits <campaigns@shop.example>"}
 * @param messageIdDomain  the right-hand side of every Message-ID; the From address's domain when null
 * @param messagesPerSecond the highest send rate; 0 for no limit
 * @param retryTimeout     how long one message is retried while the server is unreachable or answers 4xx
 */
public record SmtpSettings(
        String host,
        int port,
        Security security,
        String user,
        String password,
        String from,
        String messageIdDomain,
        double messagesPerSecond,
        Duration timeout,
        Duration retryTimeout) {

    /** How the connection to the SMTP server is secured. */
    public enum Security {
        NONE,
        STARTTLS,
        TLS;

        public static Security parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("SMTP security must be none, starttls or tls, got '" + value + "'");
            }
        }
    }

    public SmtpSettings {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("SMTP host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("SMTP port must be 1..65535, got " + port);
        }
        Objects.requireNonNull(security, "security");
        user = user == null || user.isEmpty() ? null : user;
        password = password == null ? "" : password;
        InternetAddress sender = parseFrom(from);
        if (messageIdDomain == null || messageIdDomain.isBlank()) {
            String address = sender.getAddress();
            messageIdDomain = address.substring(address.lastIndexOf('@') + 1);
        }
        if (!messageIdDomain.matches("[A-Za-z0-9.-]+")) {
            throw new IllegalArgumentException("Message-ID domain must be a host name, got '" + messageIdDomain + "'");
        }
        if (!(messagesPerSecond >= 0) || Double.isInfinite(messagesPerSecond)) {
            throw new IllegalArgumentException(
                    "send rate must be 0 (no limit) or a positive number of messages per second, got "
                            + messagesPerSecond);
        }
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(retryTimeout, "retryTimeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("SMTP timeout must be positive, got " + timeout);
        }
        if (retryTimeout.isNegative()) {
            throw new IllegalArgumentException("SMTP retry timeout must not be negative, got " + retryTimeout);
        }
    }

    /** The parsed From address. */
    public InternetAddress fromAddress() {
        return parseFrom(from);
    }

    private static InternetAddress parseFrom(String from) {
        if (from == null || from.isBlank()) {
            throw new IllegalArgumentException("the From address must not be empty");
        }
        try {
            InternetAddress address = new InternetAddress(from, true);
            if (address.getAddress() == null || !address.getAddress().contains("@")) {
                throw new IllegalArgumentException("the From address needs a domain, got '" + from + "'");
            }
            return address;
        } catch (AddressException e) {
            throw new IllegalArgumentException("the From address '" + from + "' is not valid: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "SmtpSettings[host=" + host + ", port=" + port + ", security=" + security + ", user=" + user
                + ", password=" + (password.isEmpty() ? "(none)" : "[redacted]") + ", from=" + from
                + ", messageIdDomain=" + messageIdDomain + ", messagesPerSecond=" + messagesPerSecond
                + ", timeout=" + timeout + ", retryTimeout=" + retryTimeout + "]";
    }
}
