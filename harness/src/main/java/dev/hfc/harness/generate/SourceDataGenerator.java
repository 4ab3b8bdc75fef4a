package dev.hfc.harness.generate;

import dev.hfc.core.event.EmailAddress;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Realistic synthetic source data, deterministic for a seed: customers and their subscription rows from two
 * weeks before the current week to eight weeks after it (11 weeks). Most weeks are {@code active}; about
 * 12% of customers pause the target week (next week), with pause runs whose length falls off (one week most
 * common, four or more rare); other weeks are paused now and then; a few customers cancel from some week
 * on. Emails include plus-addressing, apostrophes, mixed case and non-ASCII letters, and are all usable.
 */
public final class SourceDataGenerator {

    public static final int WEEKS_BEFORE = 2;
    public static final int WEEKS_AFTER = 8;

    private static final String[] FIRST = {
        "anna",
        "Ben",
        "chloé",
        "dara",
        "Émile",
        "fatima",
        "georg",
        "hana",
        "Ingrid",
        "jürgen",
        "kofi",
        "lena",
        "mateo",
        "nadia",
        "o'brien",
        "priya",
        "quinn",
        "rosa",
        "søren",
        "tomás",
        "ulla",
        "vikram",
        "wen",
        "xenia",
        "yusuf",
        "zoë",
        "d'angelo",
        "ÅSA",
        "mei",
        "noah"
    };
    private static final String[] LAST = {
        "smith",
        "Müller",
        "garcía",
        "o'neil",
        "nowak",
        "rossi",
        "dubois",
        "jensen",
        "kowalski",
        "Åberg",
        "silva",
        "yılmaz",
        "novák",
        "brown",
        "lindqvist",
        "papadopoulos"
    };
    private static final String[] DOMAINS = {
        "example.com", "mail.example.org", "Example.NET", "bücher.de", "post.example.co.uk", "correo.example.es"
    };

    /** One customer row. */
    public record Customer(UUID userId, String email, String status, LocalDate dateCreated) {}

    /** One subscription row. */
    public record Subscription(UUID subscriptionId, Week week, UUID userId, SubscriptionStatus status) {}

    /** A customer and its rows. */
    public record CustomerRows(Customer customer, List<Subscription> subscriptions) {}

    private final long seed;
    private final Week current;

    /** @param current the current week: the target week is the one after it */
    public SourceDataGenerator(long seed, Week current) {
        this.seed = seed;
        this.current = current;
    }

    /** Customer number {@code index} (0-based): the same index and seed always give the same rows. */
    public CustomerRows customer(long index) {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
        UUID userId = timeOrdered(index, 0, r);
        String email = email(r, index);
        LocalDate created = current.monday().minusDays(30 + r.nextInt(1500));
        Customer customer = new Customer(userId, email, r.nextInt(50) == 0 ? "inactive" : "active", created);

        int weeks = WEEKS_BEFORE + 1 + WEEKS_AFTER;
        SubscriptionStatus[] status = new SubscriptionStatus[weeks];
        java.util.Arrays.fill(status, SubscriptionStatus.ACTIVE);
        // Occasional pauses anywhere.
        for (int i = 0; i < weeks; i++) {
            if (r.nextInt(100) < 6) {
                status[i] = SubscriptionStatus.PAUSED;
            }
        }
        int target = WEEKS_BEFORE + 1;
        if (r.nextInt(100) < 12) { // pauses next week
            int length = pauseLength(r);
            for (int i = target; i < Math.min(weeks, target + length); i++) {
                status[i] = SubscriptionStatus.PAUSED;
            }
            if (target + length < weeks) {
                status[target + length] = SubscriptionStatus.ACTIVE; // the run ends where it says
            }
        }
        if (r.nextInt(100) < 2) { // cancels from some week on
            for (int i = 1 + r.nextInt(weeks - 1); i < weeks; i++) {
                status[i] = SubscriptionStatus.CANCELLED;
            }
        }
        List<Subscription> subs = new ArrayList<>(weeks);
        Week first = current.minus(WEEKS_BEFORE);
        for (int i = 0; i < weeks; i++) {
            subs.add(new Subscription(timeOrdered(index, i + 1, r), first.plus(i), userId, status[i]));
        }
        return new CustomerRows(customer, subs);
    }

    /**
     * A version-7-shaped UUID whose 48-bit time part grows with the customer index: ids come out in creation
     * order, like a modern source system's, so bulk loads append to the indexes instead of scattering over
     * them. Deterministic for the seed; the random part keeps them unique across seeds.
     */
    private UUID timeOrdered(long index, int serial, SplittableRandom r) {
        long millis = 1_700_000_000_000L + (seed & 0xFFFF) * 100_000_000L + index;
        long msb = (millis << 16) | 0x7000L | (serial & 0xFFF);
        long lsb = (r.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }

    /** 1 week about half the time, then falling off: 2 ~25%, 3 ~13%, 4 or more ~12%. */
    static int pauseLength(SplittableRandom r) {
        int p = r.nextInt(100);
        if (p < 50) {
            return 1;
        }
        if (p < 75) {
            return 2;
        }
        if (p < 88) {
            return 3;
        }
        return 4 + r.nextInt(4);
    }

    static String email(SplittableRandom r, long index) {
        String first = FIRST[r.nextInt(FIRST.length)];
        String last = LAST[r.nextInt(LAST.length)];
        String domain = DOMAINS[r.nextInt(DOMAINS.length)];
        String local = switch (r.nextInt(5)) {
            case 0 -> first + "." + last;
            case 1 -> first + "+box" + r.nextInt(100);
            case 2 -> last + "." + first.charAt(0);
            case 3 -> first + last;
            default -> first + "_" + last + "+meals";
        };
        // The index keeps addresses unique; the whole address stays within the 64-character column.
        String email = local + "." + Long.toString(index, 36) + "@" + domain;
        if (!EmailAddress.isUsable(email)) {
            throw new IllegalStateException("generator made an unusable address: " + email);
        }
        return email;
    }
}
