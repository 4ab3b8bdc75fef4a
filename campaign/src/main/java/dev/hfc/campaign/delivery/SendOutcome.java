package dev.hfc.campaign.delivery;

/** What the mail server did with one message. */
public sealed interface SendOutcome {

    /** The server accepted the message for delivery. */
    record Accepted() implements SendOutcome {}

    /**
     * The recipient address is unusable for good: not a valid address, or the server said the mailbox or
     * address is bad (5.1.x). It is recorded and not tried again.
     */
    record AddressRejected(Integer smtpCode, String reason) implements SendOutcome {}

    /**
     * The server will not take mail from this sender: relay denied, not authenticated, blocklisted, DMARC
     * (5.7.x and the like). Says nothing about the recipient: nobody is suppressed, the row stays unsent.
     */
    record SenderRefused(Integer smtpCode, String reason) implements SendOutcome {}

    /** The server refused the message itself for good (5xx not about the recipient); reported, not retried now. */
    record MessageRefused(Integer smtpCode, String reason) implements SendOutcome {}

    /**
     * This server cannot take the address in any form (a non-ASCII local part, and no {@code SMTPUTF8}).
     * Not the address's fault: it is reported and left unsent, never suppressed, since another relay may take it.
     */
    record AddressUnsupported(String reason) implements SendOutcome {}

    /**
     * The server answered 4xx for this recipient alone (mailbox full, greylisting): this row is deferred and
     * tried again later; the campaign goes on.
     */
    record RecipientDeferred(Integer smtpCode, String reason) implements SendOutcome {}

    /** The server could not be reached or answered 4xx for the connection or the sender: worth trying again after a pause. */
    record Transient(Integer smtpCode, String reason) implements SendOutcome {}
}
