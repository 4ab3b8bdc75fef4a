package dev.hfc.core.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** {@link UserIds#parse} against the grammar it implements, written the slow and obvious way. */
class UserIdsPropertiesTest {

    private static final Pattern CANONICAL =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    private static Optional<UUID> oracle(String text) {
        return text != null && CANONICAL.matcher(text).matches()
                ? Optional.of(UUID.fromString(text))
                : Optional.empty();
    }

    @Property(tries = 3000)
    void agreesWithTheGrammarOnCanonicalIdsInAnyCase(@ForAll("canonical") String text) {
        assertThat(UserIds.parse(text)).isEqualTo(oracle(text)).isPresent();
        assertThat(UserIds.parse(text).orElseThrow().toString()).isEqualToIgnoringCase(text);
    }

    @Property(tries = 5000)
    void agreesWithTheGrammarOnOneCharacterChanged(
            @ForAll("canonical") String text, @ForAll("positions") int at, @ForAll("anyChar") char c) {
        String changed = text.substring(0, at) + c + text.substring(at + 1);
        assertThat(UserIds.parse(changed)).isEqualTo(oracle(changed));
    }

    @Property(tries = 2000)
    void agreesWithTheGrammarOnOtherLengths(@ForAll("canonical") String text, @ForAll("positions") int cut) {
        assertThat(UserIds.parse(text.substring(0, cut))).isEmpty();
        assertThat(UserIds.parse(text + text.charAt(cut))).isEmpty();
        assertThat(UserIds.parse(text.substring(0, cut) + text.substring(cut + 1)))
                .isEmpty();
    }

    @Test
    void refusesWhatUuidFromStringWouldTake() {
        assertThat(UUID.fromString("1-2-3-4-5")).isNotNull();
        assertThat(UserIds.parse("1-2-3-4-5")).isEmpty();
        assertThat(UserIds.parse(null)).isEmpty();
        // Digits of other scripts are digits to Character.digit, not to the canonical form.
        assertThat(UserIds.parse("０1234567-89ab-cdef-0123-456789abcdef")).isEmpty();
        assertThat(UserIds.parse("01234567-89ab-cdef-0123-456789abcdeg")).isEmpty();
        assertThat(UserIds.parse("ffffffff-ffff-ffff-ffff-ffffffffffff")).contains(new UUID(-1L, -1L));
        assertThat(UserIds.parse("00000000-0000-0000-0000-000000000000")).contains(new UUID(0L, 0L));
    }

    @Provide
    Arbitrary<String> canonical() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.longs(), Arbitraries.longs())
                .as((most, least, caseMask) -> {
                    char[] chars = new UUID(most, least).toString().toCharArray();
                    for (int i = 0; i < chars.length; i++) {
                        if ((caseMask >>> (i % 64) & 1) == 1) {
                            chars[i] = Character.toUpperCase(chars[i]);
                        }
                    }
                    return new String(chars);
                });
    }

    @Provide
    Arbitrary<Integer> positions() {
        return Arbitraries.integers().between(0, 35);
    }

    @Provide
    Arbitrary<Character> anyChar() {
        return Arbitraries.oneOf(
                Arbitraries.chars().range('\u0000', '\u00ff'),
                Arbitraries.chars().range('\uff00', '\uff5f'),
                Arbitraries.of('-', 'g', 'G', 'x', ' ', '0', 'F'));
    }
}
