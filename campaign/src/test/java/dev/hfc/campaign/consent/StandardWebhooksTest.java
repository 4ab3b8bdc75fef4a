package dev.hfc.campaign.consent;

import static dev.hfc.campaign.consent.StandardWebhooks.Verdict.BAD_SIGNATURE;
import static dev.hfc.campaign.consent.StandardWebhooks.Verdict.BAD_TIMESTAMP;
import static dev.hfc.campaign.consent.StandardWebhooks.Verdict.MISSING_HEADERS;
import static dev.hfc.campaign.consent.StandardWebhooks.Verdict.OUTSIDE_TOLERANCE;
import static dev.hfc.campaign.consent.StandardWebhooks.Verdict.VALID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.campaign.consent.StandardWebhooks.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StandardWebhooksTest {

    // The published vector of the reference libraries (libraries/go/webhook_test.go TestWebhookSign and the
    // other languages' sign tests in github.com/standard-webhooks/standard-webhooks).
    private static final String REF_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String REF_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long REF_TS = 1614265330L;
    private static final byte[] REF_BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final String REF_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private static final byte[] SECRET = "a-test-secret-of-more-than-24-bytes".getBytes(StandardCharsets.UTF_8);
    private static final String ID = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
    private static final long TS = 1_674_087_231L;
    private static final Instant NOW = Instant.ofEpochSecond(TS);
    private static final byte[] BODY =
            "{\"type\":\"contact.created\",\"data\":{\"id\":\"1f81eb52\"}}".getBytes(StandardCharsets.UTF_8);

    private final StandardWebhooks webhooks = new StandardWebhooks(SECRET, StandardWebhooks.DEFAULT_TOLERANCE);
    private final String signature = webhooks.sign(ID, TS, BODY);

    /** Independent of the class under test: HMAC-SHA256 over id.timestamp.body, base64, "v1," prefix. */
    private static String oracle(byte[] secret, String id, long ts, byte[] body) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret, "HmacSHA256"));
        byte[] prefix = (id + "." + ts + ".").getBytes(StandardCharsets.UTF_8);
        byte[] content = Arrays.copyOf(prefix, prefix.length + body.length);
        System.arraycopy(body, 0, content, prefix.length, body.length);
        return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(content));
    }

    // ---- the reference vector

    @Test
    void signsTheReferenceVector() {
        StandardWebhooks ref =
                new StandardWebhooks(StandardWebhooks.secret(REF_SECRET), StandardWebhooks.DEFAULT_TOLERANCE);
        assertThat(ref.sign(REF_ID, REF_TS, REF_BODY)).isEqualTo(REF_SIGNATURE);
    }

    @Test
    void verifiesTheReferenceVector() {
        StandardWebhooks ref =
                new StandardWebhooks(StandardWebhooks.secret(REF_SECRET), StandardWebhooks.DEFAULT_TOLERANCE);
        assertThat(ref.verify(REF_ID, Long.toString(REF_TS), REF_SIGNATURE, REF_BODY, Instant.ofEpochSecond(REF_TS)))
                .isEqualTo(VALID);
    }

    @Test
    void referenceSecretIsExactlyTheMinimum() {
        assertThat(StandardWebhooks.secret(REF_SECRET)).hasSize(StandardWebhooks.MIN_SECRET_BYTES);
    }

    @Test
    void oracleAgreesWithTheReferenceVector() throws Exception {
        assertThat(oracle(StandardWebhooks.secret(REF_SECRET), REF_ID, REF_TS, REF_BODY))
                .isEqualTo(REF_SIGNATURE);
    }

    // ---- verdicts

    @Test
    void valid() throws Exception {
        assertThat(signature).isEqualTo(oracle(SECRET, ID, TS, BODY));
        assertThat(webhooks.verify(ID, Long.toString(TS), signature, BODY, NOW)).isEqualTo(VALID);
    }

    @Test
    void nowMayHaveNanoseconds() {
        assertThat(webhooks.verify(ID, Long.toString(TS), signature, BODY, NOW.plusMillis(1234)))
                .isEqualTo(VALID);
    }

    @Test
    void missingOrBlankHeaders() {
        String ts = Long.toString(TS);
        assertThat(webhooks.verify(null, ts, signature, BODY, NOW)).isEqualTo(MISSING_HEADERS);
        assertThat(webhooks.verify("", ts, signature, BODY, NOW)).isEqualTo(MISSING_HEADERS);
        assertThat(webhooks.verify(ID, null, signature, BODY, NOW)).isEqualTo(MISSING_HEADERS);
        assertThat(webhooks.verify(ID, " ", signature, BODY, NOW)).isEqualTo(MISSING_HEADERS);
        assertThat(webhooks.verify(ID, ts, null, BODY, NOW)).isEqualTo(MISSING_HEADERS);
        assertThat(webhooks.verify(ID, ts, "\t", BODY, NOW)).isEqualTo(MISSING_HEADERS);
    }

    @Test
    void idLongerThan255CharactersCountsAsMissing() {
        String ts = Long.toString(TS);
        String longest = "m".repeat(255);
        assertThat(webhooks.verify(longest, ts, webhooks.sign(longest, TS, BODY), BODY, NOW))
                .isEqualTo(VALID);
        String tooLong = "m".repeat(256);
        assertThat(webhooks.verify(tooLong, ts, webhooks.sign(tooLong, TS, BODY), BODY, NOW))
                .isEqualTo(MISSING_HEADERS);
        assertThat(MISSING_HEADERS.describe()).contains("webhook-id").contains("longer than 255 characters");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "abc",
                "1674087231.0",
                "1.674087231e9",
                "+1674087231",
                " 1674087231",
                "1674087231 ",
                "0x63C8A3BF",
                "-",
                "99999999999999999999",
                "9223372036854775808",
                "2023-01-19T00:13:51Z"
            })
    void nonIntegerTimestampIsBad(String timestamp) {
        assertThat(webhooks.verify(ID, timestamp, signature, BODY, NOW)).isEqualTo(BAD_TIMESTAMP);
    }

    @Test
    void timestampIsCheckedBeforeTheSignature() {
        assertThat(webhooks.verify(ID, "abc", "garbage", BODY, NOW)).isEqualTo(BAD_TIMESTAMP);
        assertThat(webhooks.verify(ID, Long.toString(TS - 301), "garbage", BODY, NOW))
                .isEqualTo(OUTSIDE_TOLERANCE);
    }

    @ParameterizedTest
    @ValueSource(longs = {-301, 301, -3600, 86_400, -TS})
    void outsideTolerance(long offset) {
        long ts = TS + offset;
        assertThat(webhooks.verify(ID, Long.toString(ts), webhooks.sign(ID, ts, BODY), BODY, NOW))
                .isEqualTo(OUTSIDE_TOLERANCE);
    }

    @ParameterizedTest
    @ValueSource(longs = {-300, -299, -1, 0, 1, 299, 300})
    void withinTolerance(long offset) {
        long ts = TS + offset;
        assertThat(webhooks.verify(ID, Long.toString(ts), webhooks.sign(ID, ts, BODY), BODY, NOW))
                .isEqualTo(VALID);
    }

    @Test
    void toleranceBoundaryIsInclusiveToTheNanosecond() {
        String ts = Long.toString(TS);
        assertThat(webhooks.verify(ID, ts, signature, BODY, NOW.plusSeconds(300)))
                .isEqualTo(VALID);
        assertThat(webhooks.verify(ID, ts, signature, BODY, NOW.plusSeconds(300).plusNanos(1)))
                .isEqualTo(OUTSIDE_TOLERANCE);
        assertThat(webhooks.verify(
                        ID, ts, signature, BODY, NOW.minusSeconds(300).minusNanos(1)))
                .isEqualTo(OUTSIDE_TOLERANCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"-9223372036854775808", "9223372036854775807", "-1", "0"})
    void extremeTimestampsAreOutsideToleranceNotErrors(String timestamp) {
        assertThat(webhooks.verify(ID, timestamp, signature, BODY, NOW)).isEqualTo(OUTSIDE_TOLERANCE);
    }

    @Test
    void customTolerance() {
        StandardWebhooks strict = new StandardWebhooks(SECRET, Duration.ofSeconds(30));
        assertThat(strict.verify(ID, Long.toString(TS), signature, BODY, NOW.plusSeconds(30)))
                .isEqualTo(VALID);
        assertThat(strict.verify(ID, Long.toString(TS), signature, BODY, NOW.plusSeconds(31)))
                .isEqualTo(OUTSIDE_TOLERANCE);
        assertThat(strict.describe(OUTSIDE_TOLERANCE))
                .isEqualTo("webhook-timestamp is more than 30 s away from this server's clock");
    }

    @Test
    void wrongSignature() {
        assertThat(webhooks.verify(ID, Long.toString(TS), "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", BODY, NOW))
                .isEqualTo(BAD_SIGNATURE);
    }

    @Test
    void oneWrongAndOneRightEntryIsValid() {
        String header = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= " + signature;
        assertThat(webhooks.verify(ID, Long.toString(TS), header, BODY, NOW)).isEqualTo(VALID);
        String reversed = signature + " v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
        assertThat(webhooks.verify(ID, Long.toString(TS), reversed, BODY, NOW)).isEqualTo(VALID);
    }

    @Test
    void referenceMultiSignatureHeaderIsValid() {
        String bad = "Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";
        String header = "v1," + bad + " v2," + bad + " " + signature + " v1," + bad;
        assertThat(webhooks.verify(ID, Long.toString(TS), header, BODY, NOW)).isEqualTo(VALID);
    }

    @Test
    void otherVersionsAreIgnoredEvenWithTheRightMac() {
        String mac = signature.substring("v1,".length());
        for (String version : new String[] {"v2", "v1a", "V1", "v0", "", "v1 "}) {
            assertThat(webhooks.verify(ID, Long.toString(TS), version + "," + mac, BODY, NOW))
                    .as(version)
                    .isEqualTo(BAD_SIGNATURE);
        }
        assertThat(webhooks.verify(ID, Long.toString(TS), "v2," + mac + " " + signature, BODY, NOW))
                .isEqualTo(VALID);
    }

    @ParameterizedTest
    @ValueSource(strings = {"v1", "v1,", "v1,!!!!", "v1,not base64 at all", ",", "v1,,", "v1,AAAA", "garbage"})
    void malformedEntriesJustDoNotMatch(String entry) {
        assertThat(webhooks.verify(ID, Long.toString(TS), entry, BODY, NOW)).isEqualTo(BAD_SIGNATURE);
        assertThat(webhooks.verify(ID, Long.toString(TS), entry + " " + signature, BODY, NOW))
                .isEqualTo(VALID);
        assertThat(webhooks.verify(ID, Long.toString(TS), signature + "  " + entry, BODY, NOW))
                .isEqualTo(VALID);
    }

    @Test
    void unpaddedBase64IsAccepted() {
        String unpadded = signature.replace("=", "");
        assertThat(unpadded).isNotEqualTo(signature);
        assertThat(webhooks.verify(ID, Long.toString(TS), unpadded, BODY, NOW)).isEqualTo(VALID);
    }

    @Test
    void truncatedMacDoesNotMatch() {
        byte[] mac = Base64.getDecoder().decode(signature.substring(3));
        String truncated = "v1," + Base64.getEncoder().encodeToString(Arrays.copyOf(mac, 16));
        assertThat(webhooks.verify(ID, Long.toString(TS), truncated, BODY, NOW)).isEqualTo(BAD_SIGNATURE);
    }

    @Test
    void bodyChangedByOneByte() {
        byte[] changed = BODY.clone();
        changed[changed.length / 2] ^= 1;
        assertThat(webhooks.verify(ID, Long.toString(TS), signature, changed, NOW))
                .isEqualTo(BAD_SIGNATURE);
        assertThat(webhooks.verify(ID, Long.toString(TS), signature, Arrays.copyOf(BODY, BODY.length + 1), NOW))
                .isEqualTo(BAD_SIGNATURE);
        assertThat(webhooks.verify(ID, Long.toString(TS), signature, Arrays.copyOf(BODY, BODY.length - 1), NOW))
                .isEqualTo(BAD_SIGNATURE);
    }

    @Test
    void replayUnderAnotherIdOrTimestamp() {
        assertThat(webhooks.verify(ID + "x", Long.toString(TS), signature, BODY, NOW))
                .isEqualTo(BAD_SIGNATURE);
        assertThat(webhooks.verify(ID, Long.toString(TS + 1), signature, BODY, NOW))
                .isEqualTo(BAD_SIGNATURE);
    }

    @Test
    void anotherSecretDoesNotMatch() {
        StandardWebhooks other = new StandardWebhooks(
                "b-test-secret-of-more-than-24-bytes".getBytes(StandardCharsets.UTF_8),
                StandardWebhooks.DEFAULT_TOLERANCE);
        assertThat(other.verify(ID, Long.toString(TS), signature, BODY, NOW)).isEqualTo(BAD_SIGNATURE);
    }

    @Test
    void emptyBodyIsSignedToo() throws Exception {
        String sig = webhooks.sign(ID, TS, new byte[0]);
        assertThat(sig).isEqualTo(oracle(SECRET, ID, TS, new byte[0]));
        assertThat(webhooks.verify(ID, Long.toString(TS), sig, new byte[0], NOW))
                .isEqualTo(VALID);
    }

    @Test
    void timestampWithLeadingZerosIsTheSameNumber() {
        // As in the reference libraries, the timestamp is parsed and signed as the number it denotes.
        assertThat(webhooks.verify(ID, "0" + TS, signature, BODY, NOW)).isEqualTo(VALID);
    }

    @Test
    void everyVerdictDescribesItselfWithoutRequestData() {
        for (Verdict v : Verdict.values()) {
            assertThat(v.describe()).isNotBlank().doesNotContain(ID);
            assertThat(webhooks.describe(v)).isNotBlank();
        }
        assertThat(webhooks.describe(OUTSIDE_TOLERANCE))
                .isEqualTo("webhook-timestamp is more than 300 s away from this server's clock");
        assertThat(BAD_TIMESTAMP.describe()).contains("webhook-timestamp");
        assertThat(BAD_SIGNATURE.describe()).contains("webhook-signature");
    }

    @Test
    void headerNames() {
        assertThat(StandardWebhooks.ID_HEADER).isEqualTo("webhook-id");
        assertThat(StandardWebhooks.TIMESTAMP_HEADER).isEqualTo("webhook-timestamp");
        assertThat(StandardWebhooks.SIGNATURE_HEADER).isEqualTo("webhook-signature");
    }

    // ---- secrets

    @Test
    void whsecPrefixIsBase64Decoded() {
        byte[] raw = new byte[32];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (i * 7 - 100);
        }
        assertThat(StandardWebhooks.secret("whsec_" + Base64.getEncoder().encodeToString(raw)))
                .isEqualTo(raw);
        assertThat(StandardWebhooks.secret(
                        "whsec_" + Base64.getEncoder().withoutPadding().encodeToString(raw)))
                .isEqualTo(raw);
    }

    @Test
    void otherStringsAreTheirUtf8Bytes() {
        String configured = "ünïcödé-secret-long-enough-for-it";
        assertThat(StandardWebhooks.secret(configured)).isEqualTo(configured.getBytes(StandardCharsets.UTF_8));
        assertThat(StandardWebhooks.secret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
                .isEqualTo("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".getBytes(StandardCharsets.US_ASCII));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t\n"})
    void blankSecretIsRejected(String configured) {
        assertThatThrownBy(() -> StandardWebhooks.secret(configured))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the webhook secret is missing (null or blank)");
    }

    @Test
    void nullSecretIsRejected() {
        assertThatThrownBy(() -> StandardWebhooks.secret(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("the webhook secret is missing (null or blank)");
    }

    @Test
    void shortRawSecretIsRejectedWithoutEchoingIt() {
        String configured = "hunter2-is-short";
        assertThatThrownBy(() -> StandardWebhooks.secret(configured))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "the webhook secret must have at least 24 bytes, got 16 (taken as UTF-8, no 'whsec_' prefix)")
                .satisfies(e ->
                        assertThat(e.getMessage()).doesNotContain(configured).doesNotContain("hunter"));
    }

    @Test
    void shortDecodedSecretIsRejectedWithoutEchoingIt() {
        String encoded = Base64.getEncoder().encodeToString("twenty-three bytes long".getBytes(StandardCharsets.UTF_8));
        String configured = "whsec_" + encoded;
        assertThatThrownBy(() -> StandardWebhooks.secret(configured))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "the webhook secret must have at least 24 bytes, got 23 (decoded from base64 after 'whsec_')")
                .satisfies(
                        e -> assertThat(e.getMessage()).doesNotContain(encoded).doesNotContain("twenty"));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS!",
                "whsec_MfKQ9r8GKYqrTwjUPD8I LPZIo2LaLaSw",
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
                "whsec_MfKQ9r8G-YqrTwjUPD8ILPZIo2LaLaSw",
                "whsec_M"
            })
    void malformedBase64IsRejectedWithoutEchoingIt(String configured) {
        assertThatThrownBy(() -> StandardWebhooks.secret(configured))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the webhook secret starts with 'whsec_' but what follows is not valid base64"
                        + " (standard alphabet, with or without padding)")
                .hasNoCause()
                .satisfies(
                        e -> assertThat(e.getMessage()).doesNotContain("MfKQ").doesNotContain(configured.substring(6)));
    }

    @Test
    void whsecWithNothingAfterItIsShort() {
        assertThatThrownBy(() -> StandardWebhooks.secret("whsec_"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "the webhook secret must have at least 24 bytes, got 0 (decoded from base64 after 'whsec_')");
    }

    @Test
    void constructorRejectsShortSecretsAndBadTolerances() {
        assertThatThrownBy(() -> new StandardWebhooks(new byte[23], StandardWebhooks.DEFAULT_TOLERANCE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the webhook secret must have at least 24 bytes, got 23");
        assertThatThrownBy(() -> new StandardWebhooks(SECRET, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> new StandardWebhooks(SECRET, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> new StandardWebhooks(null, StandardWebhooks.DEFAULT_TOLERANCE))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void constructorCopiesTheSecret() {
        byte[] secret = SECRET.clone();
        StandardWebhooks copy = new StandardWebhooks(secret, StandardWebhooks.DEFAULT_TOLERANCE);
        Arrays.fill(secret, (byte) 0);
        assertThat(copy.verify(ID, Long.toString(TS), signature, BODY, NOW)).isEqualTo(VALID);
    }

    @Test
    void toStringHidesTheSecret() {
        assertThat(webhooks.toString())
                .doesNotContain(new String(SECRET, StandardCharsets.UTF_8))
                .contains("PT5M");
    }

    // ---- properties

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.strings()
                .ofMinLength(1)
                .ofMaxLength(StandardWebhooks.MAX_ID_LENGTH)
                .filter(s -> !s.isBlank());
    }

    @Property(tries = 500)
    void signThenVerifyAgreesWithTheOracle(
            @ForAll("ids") String id,
            @ForAll @LongRange(min = 0, max = 4_000_000_000L) long ts,
            @ForAll @Size(max = 2000) byte[] body,
            @ForAll @IntRange(min = -300, max = 300) int skew)
            throws Exception {
        String sig = webhooks.sign(id, ts, body);
        assertThat(sig).isEqualTo(oracle(SECRET, id, ts, body));
        assertThat(webhooks.verify(id, Long.toString(ts), sig, body, Instant.ofEpochSecond(ts + skew)))
                .isEqualTo(VALID);
    }

    @Property(tries = 500)
    void anySingleBitFlipInTheBodyIsCaught(
            @ForAll @Size(min = 1, max = 500) byte[] body,
            @ForAll int where,
            @ForAll @IntRange(min = 0, max = 7) int bit) {
        String sig = webhooks.sign(ID, TS, body);
        byte[] changed = body.clone();
        changed[Math.floorMod(where, changed.length)] ^= (byte) (1 << bit);
        assertThat(webhooks.verify(ID, Long.toString(TS), sig, changed, NOW)).isEqualTo(BAD_SIGNATURE);
    }

    @Property(tries = 500)
    void arbitraryHeadersNeverThrowAndAreNeverValid(
            @ForAll @StringLength(max = 300) String id,
            @ForAll @StringLength(max = 25) String timestamp,
            @ForAll @StringLength(max = 200) String signatureHeader) {
        Verdict verdict = webhooks.verify(id, timestamp, signatureHeader, BODY, NOW);
        assertThat(verdict).isNotEqualTo(VALID);
    }
}
