package dev.hfc.campaign.delivery;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One negative answer of an SMTP server, and whose problem it is (RFC 5321 reply codes, RFC 3463 enhanced
 * status codes).
 *
 * <p>The distinction that matters to a sender of marketing mail is between an address that is bad (suppress
 * it, never try it again) and a server that will not take mail <em>from us</em> (relay denied, not
 * authenticated, our IP or domain blocklisted, DMARC): the latter says nothing about the recipient, and
 * suppressing on it would wipe out the customer base on the first misconfiguration. So only these suppress:
 * a 5xx to {@code RCPT TO} whose enhanced status is in the addressing class (5.1.x) or names a disabled
 * mailbox (5.2.1), or, where the server sends no enhanced status, whose text says the mailbox does not
 * exist. Everything permanent that is about policy or authentication (5.7.x, 530/535, relay or block
 * wording, any 5xx to {@code MAIL FROM}) is the sender's problem. Any other permanent answer refuses this
 * message only; it is reported and left unsent.
 *
 * @param code           the three-digit reply code
 * @param enhancedStatus e.g. {@code 5.1.1}, or null when the server sent none
 * @param text           the reply as the server wrote it (code included), for logs and reports
 */
public record SmtpReply(int code, String enhancedStatus, String text, Stage stage) {

    /** The command the server answered. */
    public enum Stage {
        CONNECT,
        MAIL_FROM,
        RCPT_TO,
        DATA
    }

    /** Whose problem a refusal is. */
    public enum Kind {
        /** 4xx about the server or the connection (421, a 4xx to MAIL FROM, 4.3.x system trouble): try again later. */
        TRANSIENT,
        /**
         * 4xx for this recipient alone, at RCPT TO or after DATA (mailbox full, greylisting, this recipient
         * receiving too fast): defer this row, try it later, send the others meanwhile.
         */
        RECIPIENT_DEFERRED,
        /** The recipient address is bad for good: suppress it. */
        BAD_ADDRESS,
        /** The server will not take mail from this sender (policy, authentication, relay): suppress nobody, stop. */
        SENDER_REFUSED,
        /** This message is refused for another permanent reason: report it, leave the row unsent. */
        MESSAGE_REFUSED
    }

    private static final Pattern REPLY = Pattern.compile("^\\s*(\\d{3})(?:[ -]+(\\d\\.\\d{1,3}\\.\\d{1,3}))?");
    private static final Pattern ENHANCED = Pattern.compile("\\b([245]\\.\\d{1,3}\\.\\d{1,3})\\b");

    /** Wording of servers that send no enhanced status code for a mailbox that does not exist. */
    private static final Pattern NO_SUCH_MAILBOX = Pattern.compile(
            "user unknown|unknown user|no such (user|mailbox|recipient)|mailbox (unavailable|not found|does not exist)"
                    + "|recipient (address )?(unknown|rejected: user unknown)|does not exist|invalid (recipient|mailbox|address)"
                    + "|address rejected: (user unknown|undeliverable)|bad destination mailbox|account (has been )?disabled");

    /** Wording of policy and authentication refusals, for servers that send no 5.7.x. */
    private static final Pattern SENDER_POLICY = Pattern.compile(
            "relay|authenticat|access denied|not permitted|not authori[sz]ed|block ?list|black ?list|blocked|spamhaus"
                    + "|listed (at|on|by)|policy|dmarc|spf|dkim|reputation|rate limit|sender (address )?rejected");

    /**
     * Parses a reply line as Jakarta Mail reports it ({@code "554 5.7.1 <x@y>: Relay access denied"}).
     *
     * @param fallbackCode the return code Jakarta Mail parsed, used when the text starts without one
     */
    public static SmtpReply parse(int fallbackCode, String text, Stage stage) {
        String line = text == null ? "" : text.strip();
        Matcher m = REPLY.matcher(line);
        int code = fallbackCode;
        String enhanced = null;
        if (m.find()) {
            code = Integer.parseInt(m.group(1));
            enhanced = m.group(2);
        }
        if (enhanced == null) {
            Matcher e = ENHANCED.matcher(line);
            if (e.find() && e.group(1).charAt(0) == Integer.toString(code).charAt(0)) {
                enhanced = e.group(1);
            }
        }
        String shown = line.startsWith(Integer.toString(code)) ? line : code + " " + line;
        return new SmtpReply(code, enhanced, shown, stage);
    }

    public Kind kind() {
        if (code < 500) {
            // Only a 4xx the server wrote about this recipient; no reply at all (the connection closed: Jakarta Mail's
            // -1 "[EOF]") is the connection's failure, retried at once like any other.
            boolean perRecipient = (stage == Stage.RCPT_TO || stage == Stage.DATA) && code >= 400 && code != 421;
            // 4.3.x (mail system full, not accepting) and 4.5.x (protocol) are the server's, whoever the recipient.
            boolean serverWide =
                    enhancedStatus != null && (enhancedStatus.startsWith("4.3.") || enhancedStatus.startsWith("4.5."));
            return perRecipient && !serverWide ? Kind.RECIPIENT_DEFERRED : Kind.TRANSIENT;
        }
        String lower = text.toLowerCase(Locale.ROOT);
        Optional<String> cls = Optional.ofNullable(enhancedStatus).map(s -> s.substring(s.indexOf('.') + 1));
        // Authentication and policy: the server does not want mail from us, whatever the recipient.
        if (cls.filter(c -> c.startsWith("7.")).isPresent()
                || code == 530
                || code == 535
                || code == 538
                || stage == Stage.CONNECT
                || stage == Stage.MAIL_FROM) {
            return Kind.SENDER_REFUSED;
        }
        if (stage == Stage.RCPT_TO) {
            if (cls.isPresent()) {
                String c = cls.get();
                if (c.equals("1.7") || c.equals("1.8")) {
                    return Kind.SENDER_REFUSED; // our own (sender) address is refused: Postfix answers this at RCPT
                }
                if (c.startsWith("1.") || c.equals("2.1")) {
                    return Kind.BAD_ADDRESS;
                }
                // 5.3.x (mail system), 5.5.x (protocol): the server or our dialogue, not the address.
                if (c.startsWith("3.") || c.startsWith("5.")) {
                    return Kind.SENDER_REFUSED;
                }
                return Kind.MESSAGE_REFUSED;
            }
            if (SENDER_POLICY.matcher(lower).find()) {
                return Kind.SENDER_REFUSED;
            }
            if (NO_SUCH_MAILBOX.matcher(lower).find()) {
                return Kind.BAD_ADDRESS;
            }
            return Kind.MESSAGE_REFUSED;
        }
        return cls.isEmpty() && SENDER_POLICY.matcher(lower).find() ? Kind.SENDER_REFUSED : Kind.MESSAGE_REFUSED;
    }
}
