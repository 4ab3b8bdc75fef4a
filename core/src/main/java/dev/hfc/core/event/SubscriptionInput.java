package dev.hfc.core.event;

/**
 * A value of {@code hfc.subscription-events} (§5): one week's change of a customer's subscription
 * ({@link SubscriptionEvent}), every week of one customer at one moment ({@link CustomerSnapshot}), or the
 * begin or end of a snapshot of all customers, written once into every partition ({@link SnapshotMarker}).
 * The {@code op} field tells them apart.
 */
public sealed interface SubscriptionInput permits SubscriptionEvent, CustomerSnapshot, SnapshotMarker {

    /** The moment the source had this state (commit time of a change; read time of a snapshot). */
    long sourceTsMs();
}
