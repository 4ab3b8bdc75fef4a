package dev.hfc.harness.generate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.hfc.core.event.EmailAddress;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SourceDataGeneratorTest {

    private static final Week CURRENT = Week.parse("2026-W52"); // the horizon crosses into 2027 over W53

    @Test
    void sameSeedSameRowsAndDifferentSeedDifferentRows() {
        var a = new SourceDataGenerator(7, CURRENT);
        var b = new SourceDataGenerator(7, CURRENT);
        var c = new SourceDataGenerator(8, CURRENT);
        for (int i = 0; i < 100; i++) {
            assertThat(a.customer(i)).isEqualTo(b.customer(i));
        }
        assertThat(a.customer(0)).isNotEqualTo(c.customer(0));
    }

    @Test
    void rowsLookLikeTheBusiness() {
        var g = new SourceDataGenerator(42, CURRENT);
        int n = 20_000;
        int pausingNextWeek = 0;
        int[] runLengths = new int[12];
        int cancelled = 0;
        int plus = 0;
        int apostrophes = 0;
        int nonAscii = 0;
        int upper = 0;
        Set<String> emails = new HashSet<>();
        for (int i = 0; i < n; i++) {
            var rows = g.customer(i);
            String email = rows.customer().email();
            assertThat(EmailAddress.isUsable(email)).as(email).isTrue();
            assertThat(emails.add(email)).as("unique email").isTrue();
            plus += email.contains("+") ? 1 : 0;
            apostrophes += email.contains("'") ? 1 : 0;
            nonAscii += email.chars().anyMatch(ch -> ch > 127) ? 1 : 0;
            upper += email.chars().anyMatch(Character::isUpperCase) ? 1 : 0;
            assertThat(rows.subscriptions()).hasSize(11);
            assertThat(rows.subscriptions().get(0).week()).isEqualTo(CURRENT.minus(2));
            assertThat(rows.subscriptions().get(10).week()).isEqualTo(CURRENT.plus(8));
            var target = rows.subscriptions().get(3);
            assertThat(target.week()).isEqualTo(CURRENT.plus(1));
            if (target.status() == SubscriptionStatus.PAUSED) {
                pausingNextWeek++;
                int run = 0;
                for (int w = 3; w < 11 && rows.subscriptions().get(w).status() == SubscriptionStatus.PAUSED; w++) {
                    run++;
                }
                runLengths[run]++;
            }
            if (rows.subscriptions().stream().anyMatch(s -> s.status() == SubscriptionStatus.CANCELLED)) {
                cancelled++;
            }
        }
        double share = pausingNextWeek / (double) n;
        assertThat(share).as("share pausing next week").isBetween(0.10, 0.20);
        assertThat(runLengths[1]).as("one-week pauses are the most common").isGreaterThan(runLengths[2]);
        assertThat(runLengths[2]).isGreaterThan(runLengths[4]);
        assertThat(runLengths[4] + runLengths[5] + runLengths[6] + runLengths[7] + runLengths[8])
                .isPositive();
        assertThat(cancelled).isBetween(n / 100, n / 20);
        assertThat(plus).isPositive();
        assertThat(apostrophes).isPositive();
        assertThat(nonAscii).isPositive();
        assertThat(upper).isPositive();
    }
}
