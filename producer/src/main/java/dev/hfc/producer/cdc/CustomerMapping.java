package dev.hfc.producer.cdc;

import static dev.hfc.producer.cdc.ChangeFields.text;
import static dev.hfc.producer.cdc.ChangeFields.uuid;

import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.EmailAddress;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.RejectReason;
import dev.hfc.core.event.Rejection;
import dev.hfc.producer.cdc.ChangeFields.Fields;
import dev.hfc.producer.cdc.ChangeFields.Refused;
import dev.hfc.producer.cdc.ChangeMapper.Output;
import dev.hfc.producer.cdc.ChangeMapper.Table;
import dev.hfc.producer.cdc.ChangeMapper.Target;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Maps a change of the {@code customer} table to a customer event or a tombstone, dead-lettering an unusable
 * email ({@link ChangeMapper}'s customer part).
 */
final class CustomerMapping {

    private CustomerMapping() {}

    static List<Output> customer(
            String op,
            Fields before,
            Fields after,
            long ts,
            Supplier<Fields> key,
            Supplier<String> value,
            Supplier<String> deadKey) {
        switch (op) {
            case "c", "r", "u" -> {
                if (after == null) {
                    throw new Refused(RejectReason.MISSING_FIELD, "customer change has no new row");
                }
                UUID userId = uuid(after, "user_id");
                String email = text(after, "email");
                String status = text(after, "status");
                Optional<Rejection> problem = EmailAddress.check(email);
                Output event = Output.publish(
                        Target.CUSTOMERS,
                        userId,
                        EventCodecs.CUSTOMER.encode(
                                new CustomerEvent(userId, problem.isPresent() ? null : email, status)),
                        ts,
                        "customer",
                        op);
                if (problem.isEmpty()) {
                    return List.of(event);
                }
                Rejection r = problem.get();
                return List.of(
                        ChangeMapper.dead(
                                Table.CUSTOMER,
                                deadKey.get(),
                                value,
                                r.reason(),
                                "customer " + userId + ": " + r.detail()),
                        event);
            }
            case "d" -> {
                UUID userId = before != null ? uuid(before, "user_id") : uuidFromKey(key);
                return List.of(Output.publish(Target.CUSTOMERS, userId, null, ts, "customer", "d"));
            }
            default -> throw new Refused(RejectReason.UNKNOWN_OP, "unknown change operation '" + op + "'");
        }
    }

    private static UUID uuidFromKey(Supplier<Fields> key) {
        Fields k = key.get();
        if (k == null) {
            throw new Refused(RejectReason.INVALID_USER_ID, "delete without a user_id");
        }
        return uuid(k, "user_id");
    }
}
