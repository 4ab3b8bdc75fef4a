package dev.hfc.core.topic;

import dev.hfc.core.event.CustomerEvent;
import dev.hfc.core.event.CustomerSegment;
import dev.hfc.core.event.EventCodecs;
import dev.hfc.core.event.SegmentKey;
import dev.hfc.core.event.SubscriptionInput;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The catalog of the pipeline's topics (§5). Every producer, consumer, topology and test takes names and
 * serdes from here; the prefix (default {@code hfc.}) is the only configurable part.
 */
public final class Topics {

    public static final String DEFAULT_PREFIX = "hfc.";

    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]*");
    private static final int LONGEST_SUFFIX = "subscription-events".length();

    private final String prefix;
    private final TopicSpec<String, SubscriptionInput> subscriptionEvents;
    private final TopicSpec<String, CustomerEvent> customers;
    private final TopicSpec<SegmentKey, CustomerSegment> customerSegments;
    private final TopicSpec<byte[], byte[]> dlq;

    public Topics(String prefix) {
        if (prefix == null || !LEGAL.matcher(prefix).matches()) {
            throw new IllegalArgumentException(
                    "topic prefix '" + prefix + "' may only contain letters, digits, '.', '_' and '-'");
        }
        if (prefix.length() + LONGEST_SUFFIX > 249) {
            throw new IllegalArgumentException("topic prefix is too long: topic names are limited to 249 characters");
        }
        this.prefix = prefix;
        this.subscriptionEvents = new TopicSpec<>(
                prefix + "subscription-events",
                Serdes.String(),
                new EventSerde<>(EventCodecs.SUBSCRIPTION_INPUT),
                false);
        this.customers =
                new TopicSpec<>(prefix + "customers", Serdes.String(), new EventSerde<>(EventCodecs.CUSTOMER), true);
        this.customerSegments = new TopicSpec<>(
                prefix + "customer-segments",
                new SegmentKeySerde(),
                new EventSerde<>(EventCodecs.CUSTOMER_SEGMENT),
                true);
        this.dlq = new TopicSpec<>(prefix + "dlq", Serdes.ByteArray(), Serdes.ByteArray(), false);
    }

    public static Topics withDefaultPrefix() {
        return new Topics(DEFAULT_PREFIX);
    }

    public String prefix() {
        return prefix;
    }

    /** {@code hfc.subscription-events}: key user_id, value a {@link SubscriptionInput} (change, customer snapshot, marker). */
    public TopicSpec<String, SubscriptionInput> subscriptionEvents() {
        return subscriptionEvents;
    }

    /** {@code hfc.customers} (compacted): key user_id, value {@link CustomerEvent}; tombstone on delete. */
    public TopicSpec<String, CustomerEvent> customers() {
        return customers;
    }

    /** {@code hfc.customer-segments} (compacted): key week:user_id, value {@link CustomerSegment}. */
    public TopicSpec<SegmentKey, CustomerSegment> customerSegments() {
        return customerSegments;
    }

    /** {@code hfc.dlq}: the original key and bytes, the reason in headers ({@link DeadLetters}). */
    public TopicSpec<byte[], byte[]> dlq() {
        return dlq;
    }

    public List<TopicSpec<?, ?>> all() {
        return List.of(subscriptionEvents, customers, customerSegments, dlq);
    }
}
