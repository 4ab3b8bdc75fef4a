package dev.hfc.segmenter;

import dev.hfc.core.segment.Segment;
import dev.hfc.core.segment.SubscriptionStatus;
import dev.hfc.core.week.Week;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Compact, versioned binary form of {@link CustomerState} for the state store and its changelog. It is
 * internal to the segmenter (not a contract), so it favours size: a customer with ten weeks is ~350 bytes.
 */
final class CustomerStateSerde implements Serde<CustomerState> {

    private static final byte VERSION = 1;
    private static final byte NO_CUSTOMER = 0;
    private static final byte USABLE_CUSTOMER = 1;
    private static final byte UNUSABLE_CUSTOMER = 2;

    @Override
    public Serializer<CustomerState> serializer() {
        return (topic, state) -> state == null ? null : encode(state);
    }

    @Override
    public Deserializer<CustomerState> deserializer() {
        return (topic, bytes) -> bytes == null ? null : decode(bytes);
    }

    static byte[] encode(CustomerState s) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + 48 * (s.weeks().size() + s.emitted().size()));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            if (s.customer() == null) {
                out.writeByte(NO_CUSTOMER);
            } else if (s.customer().usable()) {
                out.writeByte(USABLE_CUSTOMER);
                out.writeUTF(s.customer().email());
            } else {
                out.writeByte(UNUSABLE_CUSTOMER);
            }
            out.writeLong(s.latestRecordMs());
            out.writeInt(s.weeks().size());
            for (Map.Entry<Week, CustomerState.WeekRow> e : s.weeks().entrySet()) {
                writeWeek(out, e.getKey());
                out.writeByte(e.getValue().status().ordinal());
                writeUuid(out, e.getValue().subscriptionId());
            }
            out.writeInt(s.emitted().size());
            for (Map.Entry<Week, CustomerState.Emitted> e : s.emitted().entrySet()) {
                writeWeek(out, e.getKey());
                out.writeByte(e.getValue().segment().ordinal());
                out.writeByte(e.getValue().pauseWeeks());
                writeUuid(out, e.getValue().subscriptionId());
                out.writeUTF(e.getValue().email());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static CustomerState decode(byte[] bytes) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new SerializationException("customer state version " + version + " is not " + VERSION);
            }
            CustomerState.CustomerRow customer = switch (in.readByte()) {
                case NO_CUSTOMER -> null;
                case USABLE_CUSTOMER -> new CustomerState.CustomerRow(in.readUTF());
                case UNUSABLE_CUSTOMER -> new CustomerState.CustomerRow(null);
                default -> throw new SerializationException("bad customer flag in customer state");
            };
            long latest = in.readLong();
            TreeMap<Week, CustomerState.WeekRow> weeks = new TreeMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                Week w = readWeek(in);
                weeks.put(w, new CustomerState.WeekRow(SubscriptionStatus.values()[in.readByte()], readUuid(in)));
            }
            TreeMap<Week, CustomerState.Emitted> emitted = new TreeMap<>();
            for (int i = in.readInt(); i > 0; i--) {
                Week w = readWeek(in);
                Segment segment = Segment.values()[in.readByte()];
                int pauseWeeks = in.readByte();
                emitted.put(w, new CustomerState.Emitted(segment, pauseWeeks, readUuid(in), in.readUTF()));
            }
            return CustomerState.of(customer, weeks, emitted, latest);
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("unreadable customer state (" + bytes.length + " bytes)", e);
        }
    }

    private static void writeWeek(DataOutputStream out, Week w) throws IOException {
        out.writeShort(w.year());
        out.writeByte(w.week());
    }

    private static Week readWeek(DataInputStream in) throws IOException {
        return Week.of(in.readShort(), in.readByte());
    }

    private static void writeUuid(DataOutputStream out, UUID u) throws IOException {
        out.writeLong(u.getMostSignificantBits());
        out.writeLong(u.getLeastSignificantBits());
    }

    private static UUID readUuid(DataInputStream in) throws IOException {
        return new UUID(in.readLong(), in.readLong());
    }
}
