package dev.hfc.campaign.consent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class UnsubscribeTokensTest {

    private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final Instant T = Instant.parse("2026-11-28T09:00:00Z");

    private static UnsubscribeTokens tokens(byte[] secret, Instant now) {
        return new UnsubscribeTokens(secret, Duration.ofDays(90), Clock.fixed(now, ZoneOffset.UTC));
    }

    @Property(tries = 200)
    void aTokenNamesItsUserAndNothingElseDoes(@ForAll long hi, @ForAll long lo, @ForAll long otherHi) {
        UUID user = new UUID(hi, lo);
        UnsubscribeTokens t = tokens(SECRET, T);
        String token = t.issue(user);
        assertThat(t.verify(token)).contains(user);
        // Any changed character is refused.
        char[] chars = token.toCharArray();
        int i = (int) Math.floorMod(otherHi, (long) chars.length);
        chars[i] = chars[i] == 'A' ? 'B' : 'A';
        assertThat(t.verify(new String(chars))).isEmpty();
    }

    @Test
    void theUserIdIsNotInTheTokenInClearAndTwoTokensOfOneUserDiffer() {
        UUID user = UUID.fromString("11111111-2222-4333-8444-555555555555");
        UnsubscribeTokens t = tokens(SECRET, T);
        String token = t.issue(user);
        String decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.ISO_8859_1);
        assertThat(token).doesNotContain("11111111").doesNotContain(user.toString());
        assertThat(decoded)
                .doesNotContain(new String(new byte[] {0x11, 0x11, 0x11, 0x11}, StandardCharsets.ISO_8859_1));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            assertThat(seen.add(t.issue(user))).isTrue();
        }
    }

    @Test
    void aTokenOfAnotherSecretAnExpiredOneAndGarbageAreRefused() {
        UUID user = UUID.randomUUID();
        String token = tokens(SECRET, T).issue(user);
        byte[] other = SECRET.clone();
        other[0] ^= 1;
        assertThat(tokens(other, T).verify(token)).isEmpty();
        assertThat(tokens(SECRET, T.plus(Duration.ofDays(89))).verify(token)).contains(user);
        assertThat(tokens(SECRET, T.plus(Duration.ofDays(91))).verify(token)).isEmpty();
        assertThat(tokens(SECRET, T.minus(Duration.ofDays(1))).verify(token))
                .as("issued in the future")
                .isEmpty();
        for (String garbage : new String[] {null, "", "x", "%%%", "A".repeat(72), "A".repeat(10_000), token + "A"}) {
            assertThat(tokens(SECRET, T).verify(garbage)).isEmpty();
        }
    }

    @Test
    void aShortSecretIsRefused() {
        assertThatThrownBy(() -> tokens(new byte[16], T)).hasMessageContaining("at least 32 bytes");
    }
}
