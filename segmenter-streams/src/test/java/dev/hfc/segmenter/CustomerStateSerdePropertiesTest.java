package dev.hfc.segmenter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The state's bytes are DataOutputStream's (the format states already on disk and in changelogs were written in),
 * byte for byte, for any state: emails with U+0000, non-ASCII and lone surrogates included.
 */
class CustomerStateSerdePropertiesTest {

    @Property(tries = 500)
    void encodesExactlyAsDataOutputStreamAndReadsBack(@ForAll("states") CustomerState state) throws IOException {
        byte[] reference = dataOutputStreamEncoding(state);

        assertThat(CustomerStateSerde.encode(state)).isEqualTo(reference);
        assertThat(CustomerStateSerde.decode(reference)).isEqualTo(state);
    }

    @Property(tries = 300)
    void anyCutOfAStateIsRefusedAsUnreadable(@ForAll("states") CustomerState state, @ForAll("cuts") double at) {
        byte[] bytes = CustomerStateSerde.encode(state);
        int length = (int) (at * (bytes.length - 1));
        byte[] cut = java.util.Arrays.copyOf(bytes, length);
        assertThatThrownBy(() -> CustomerStateSerde.decode(cut))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("customer state");
    }

    @Provide
    Arbitrary<Double> cuts() {
        return Arbitraries.doubles().between(0, 1);
    }

    @Provide
    Arbitrary<CustomerState> states() {
        Arbitrary<String> emails = Arbitraries.oneOf(
                Arbitraries.strings().ascii().ofMaxLength(60),
                Arbitraries.strings().all().ofMaxLength(60), // every char, surrogates and U+0000 among them
                Arbitraries.strings()
                        .withChars('ü', 'ß', '\u0000', '\u20ac', '\ud83d', '\ude00', '@', 'a')
                        .ofMaxLength(30));
        Arbitrary<CustomerState.CustomerRow> customers = Arbitraries.oneOf(
                Arbitraries.just(null),
                Arbitraries.just(new CustomerState.CustomerRow(null)),
                emails.map(CustomerState.CustomerRow::new));
        Arbitrary<Week> weeks =
                Arbitraries.integers().between(0, 600).map(n -> Week.of(2020, 1).plus(n));
        Arbitrary<UUID> uuids = Arbitraries.longs().tuple2().map(t -> new UUID(t.get1(), t.get2()));
        Arbitrary<Map<Week, CustomerState.WeekRow>> weekRows = Arbitraries.maps(
                        weeks,
                        Combinators.combine(Arbitraries.of(SubscriptionStatus.class), uuids)
                                .as(CustomerState.WeekRow::new))
                .ofMaxSize(14);
        Arbitrary<Map<Week, CustomerState.Emitted>> emitted = Arbitraries.maps(
                        weeks,
                        Combinators.combine(
                                        Arbitraries.of(Segment.class),
                                        Arbitraries.integers().between(1, 127),
                                        uuids,
                                        emails)
                                .as(CustomerState.Emitted::new))
                .ofMaxSize(6);
        return Combinators.combine(customers, weekRows, emitted, Arbitraries.longs())
                .as((c, w, e, latest) -> CustomerState.of(c, w, e, latest));
    }

    /** The format as first written, with java.io: the definition the fast encoder must keep. */
    private static byte[] dataOutputStreamEncoding(CustomerState s) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1);
            if (s.customer() == null) {
                out.writeByte(0);
            } else if (s.customer().usable()) {
                out.writeByte(1);
                out.writeUTF(s.customer().email());
            } else {
                out.writeByte(2);
            }
            out.writeLong(s.latestRecordMs());
            out.writeInt(s.weeks().size());
            for (var e : new TreeMap<>(s.weeks()).entrySet()) {
                out.writeShort(e.getKey().year());
                out.writeByte(e.getKey().week());
                out.writeByte(e.getValue().status().ordinal());
                out.writeLong(e.getValue().subscriptionId().getMostSignificantBits());
                out.writeLong(e.getValue().subscriptionId().getLeastSignificantBits());
            }
            out.writeInt(s.emitted().size());
            for (var e : new TreeMap<>(s.emitted()).entrySet()) {
                out.writeShort(e.getKey().year());
                out.writeByte(e.getKey().week());
                out.writeByte(e.getValue().segment().ordinal());
                out.writeByte(e.getValue().pauseWeeks());
                out.writeLong(e.getValue().subscriptionId().getMostSignificantBits());
                out.writeLong(e.getValue().subscriptionId().getLeastSignificantBits());
                out.writeUTF(e.getValue().email());
            }
        }
        return bytes.toByteArray();
    }
}
