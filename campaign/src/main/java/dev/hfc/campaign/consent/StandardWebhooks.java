package dev.hfc.campaign.consent;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies (and, for tests, demos and tools, makes) webhook signatures per the
 * <a href="https://www.standardwebhooks.com">Standard Webhooks</a> specification, symmetric scheme:
 *
 * <ul>
 *   <li>headers {@value #ID_HEADER}, {@value #TIMESTAMP_HEADER} (integer seconds since the epoch) and
 *       {@value #SIGNATURE_HEADER}, a space-delimited list of {@code v1,<base64 HMAC-SHA256>} entries; entries
 *       of other versions (e.g. {@code v1a}, asymmetric) are ignored, any one matching {@code v1} entry is
 *       enough (that is how senders rotate secrets);</li>
 *   <li>signed content {@code ${id}.${timestamp}.${body}}, the body as the raw bytes received;</li>
 *   <li>a timestamp further than the tolerance from this server's clock is refused before the signature is
 *       looked at (replay protection); signatures are compared in constant time.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe. The secret never appears in messages or {@link #toString()}.
 */
public final class StandardWebhooks {

    public static final String ID_HEADER = "webhook-id";
    public static final String TIMESTAMP_HEADER = "webhook-timestamp";
    public static final String SIGNATURE_HEADER = "webhook-signature";

    /** The specification's minimum for a symmetric secret (192 bits). */
    public static final int MIN_SECRET_BYTES = 24;
    /** The specification's (and reference libraries') tolerance for the timestamp. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

    /** Longest webhook-id accepted; ids are short opaque strings, anything longer is not a real sender. */
    public static final int MAX_ID_LENGTH = 255;

    private static final String SECRET_PREFIX = "whsec_";
    private static final String VERSION = "v1";
    private static final String HMAC = "HmacSHA256";

    /** Why a request was or was not accepted; {@link #describe()} is fit for a 401 response body. */
    public enum Verdict {
        VALID("the webhook signature is valid"),
        MISSING_HEADERS(ID_HEADER + ", " + TIMESTAMP_HEADER + " or " + SIGNATURE_HEADER + " missing or blank, or "
                + ID_HEADER + " longer than " + MAX_ID_LENGTH + " characters"),
        BAD_TIMESTAMP(TIMESTAMP_HEADER + " is not an integer number of seconds since the epoch"),
        OUTSIDE_TOLERANCE(TIMESTAMP_HEADER + " is too far away from this server's clock"),
        BAD_SIGNATURE("no " + VERSION + " entry of " + SIGNATURE_HEADER + " matches the message");

        private final String description;

        Verdict(String description) {
            this.description = description;
        }

        /** A short human explanation, without any request data in it. */
        public String describe() {
            return description;
        }
    }

    private final SecretKeySpec key;
    private final Duration tolerance;

    /**
     * @param secret    the shared secret, at least {@value #MIN_SECRET_BYTES} bytes (see {@link #secret(String)});
     *                  copied
     * @param tolerance how far the timestamp may be from the clock in either direction; positive
     */
    public StandardWebhooks(byte[] secret, Duration tolerance) {
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(tolerance, "tolerance");
        requireLength(secret.length, "");
        if (tolerance.isNegative() || tolerance.isZero()) {
            throw new IllegalArgumentException("the webhook timestamp tolerance must be positive, got " + tolerance);
        }
        this.key = new SecretKeySpec(secret, HMAC); // SecretKeySpec keeps its own copy
        this.tolerance = tolerance;
    }

    /**
     * Parses a configured secret: {@code whsec_<base64>} is the specification's serialisation and is decoded;
     * any other string is used as its UTF-8 bytes.
     *
     * @throws IllegalArgumentException when null or blank, when the base64 after {@code whsec_} is malformed, or
     *                                  when the secret has fewer than {@value #MIN_SECRET_BYTES} bytes; the
     *                                  message never contains the secret
     */
    public static byte[] secret(String configured) {
        if (configured == null || configured.isBlank()) {
            throw new IllegalArgumentException("the webhook secret is missing (null or blank); expected "
                    + SECRET_PREFIX + "<base64 of at least " + MIN_SECRET_BYTES + " bytes> or a string of at least "
                    + MIN_SECRET_BYTES + " UTF-8 bytes");
        }
        byte[] bytes;
        String form;
        if (configured.startsWith(SECRET_PREFIX)) {
            try {
                bytes = Base64.getDecoder().decode(configured.substring(SECRET_PREFIX.length()));
            } catch (IllegalArgumentException e) {
                // Not chained: the decoder's message quotes the offending character of the secret.
                throw new IllegalArgumentException("the webhook secret starts with '" + SECRET_PREFIX
                        + "' but what follows is not valid base64 (standard alphabet, with or without padding)");
            }
            form = " (decoded from base64 after '" + SECRET_PREFIX + "')";
        } else {
            bytes = configured.getBytes(StandardCharsets.UTF_8);
            form = " (taken as UTF-8, no '" + SECRET_PREFIX + "' prefix)";
        }
        requireLength(bytes.length, form);
        return bytes;
    }

    private static void requireLength(int length, String form) {
        if (length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException(
                    "the webhook secret must have at least " + MIN_SECRET_BYTES + " bytes, got " + length + form);
        }
    }

    public Duration tolerance() {
        return tolerance;
    }

    /**
     * Checks one request. The header values are as received (null when absent); {@code body} is the raw request
     * body, before any parsing.
     */
    public Verdict verify(String id, String timestamp, String signatureHeader, byte[] body, Instant now) {
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(now, "now");
        if (isBlank(id) || id.length() > MAX_ID_LENGTH || isBlank(timestamp) || isBlank(signatureHeader)) {
            return Verdict.MISSING_HEADERS;
        }
        long seconds;
        if (!timestamp.matches("-?[0-9]{1,19}")) {
            return Verdict.BAD_TIMESTAMP;
        }
        try {
            seconds = Long.parseLong(timestamp);
        } catch (NumberFormatException e) {
            return Verdict.BAD_TIMESTAMP;
        }
        if (!withinTolerance(seconds, now)) {
            return Verdict.OUTSIDE_TOLERANCE;
        }
        byte[] expected = mac(id, seconds, body);
        for (String entry : signatureHeader.split(" ")) {
            int comma = entry.indexOf(',');
            if (comma < 0 || !entry.substring(0, comma).equals(VERSION)) {
                continue;
            }
            byte[] given;
            try {
                given = Base64.getDecoder().decode(entry.substring(comma + 1));
            } catch (IllegalArgumentException e) {
                continue;
            }
            if (MessageDigest.isEqual(expected, given)) {
                return Verdict.VALID;
            }
        }
        return Verdict.BAD_SIGNATURE;
    }

    /** Like {@link Verdict#describe()}, with this instance's tolerance in the {@code OUTSIDE_TOLERANCE} text. */
    public String describe(Verdict verdict) {
        if (verdict == Verdict.OUTSIDE_TOLERANCE) {
            return TIMESTAMP_HEADER + " is more than " + tolerance.toSeconds() + " s away from this server's clock";
        }
        return verdict.describe();
    }

    /** @return the {@value #SIGNATURE_HEADER} value for this message: {@code v1,<base64>} */
    public String sign(String id, long timestampSeconds, byte[] body) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(body, "body");
        return VERSION + "," + Base64.getEncoder().encodeToString(mac(id, timestampSeconds, body));
    }

    private boolean withinTolerance(long seconds, Instant now) {
        Instant sent;
        try {
            sent = Instant.ofEpochSecond(seconds);
        } catch (DateTimeException e) {
            return false;
        }
        return Duration.between(sent, now).abs().compareTo(tolerance) <= 0;
    }

    private byte[] mac(String id, long seconds, byte[] body) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            mac.update((id + "." + seconds + ".").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(HMAC + " is missing from this JVM", e);
        }
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }

    @Override
    public String toString() {
        return "StandardWebhooks[tolerance=" + tolerance + "]";
    }
}
