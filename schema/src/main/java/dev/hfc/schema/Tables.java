package dev.hfc.schema;

import java.util.List;
import java.util.stream.Stream;

/**
 * The catalog of the persistent tables hfc knows, as {@link dev.hfc.core.topic.Topics} is of its topics: code that
 * names a table takes the name from here (qualified with the configured schema by {@link
 * dev.hfc.core.config.DbSettings#qualified}), so that a table's users are found by its constant. Two exceptions
 * spell names out: the migrations, which are history and keep the names they were written with, and the testkit,
 * on which this module's tests depend. The migrations ({@code db/output}, {@code db/source}) create exactly these
 * tables; {@code SchemaMigratorIT} keeps the two equal. Not here: Flyway's history tables (named by {@link
 * SchemaMigrator}) and session temporary tables (the sink's staging tables, in its {@code SinkSql}).
 */
public final class Tables {

    // The output tables (db/output, always migrated).

    /** The campaign targets, one row per (week, customer): written by the sink, marked sent by the campaign sender. */
    public static final String CAMPAIGN_TARGETS = "rec_campaigns_weekly";

    /** The sink's next offset per (group, topic, partition): written by the sink with the rows they cover. */
    public static final String SINK_OFFSETS = "hfc_sink_offsets";

    /** How far behind each sink consumer is: upserted by the sink, read by the campaign sender's freshness guard. */
    public static final String SINK_PROGRESS = "hfc_sink_progress";

    /** The segments topic's partition count each sink group was built on: recorded by the sink on its first start. */
    public static final String SINK_LAYOUT = "hfc_sink_layout";

    /** How targets ended (the end reasons of the segmenter's tombstones): written by the sink, read by the report. */
    public static final String CAMPAIGN_OUTCOMES = "hfc_campaign_outcomes";

    /** The messages the mail server accepted, per (week, customer): written by the campaign sender. */
    public static final String CAMPAIGN_DELIVERIES = "hfc_campaign_deliveries";

    /** Addresses that cannot receive mail: written by the campaign sender (refusals) and its bounce webhook. */
    public static final String CAMPAIGN_SUPPRESSIONS = "hfc_campaign_suppressions";

    /** Who asked not to get the campaign (consent), by customer or address: written by the campaign's unsubscribes. */
    public static final String CAMPAIGN_OPTOUTS = "hfc_campaign_optouts";

    /** Bounces and complaints reported after the send: written by the campaign's bounce webhook. */
    public static final String CAMPAIGN_BOUNCES = "hfc_campaign_bounces";

    /** Secrets the campaign sender generated for itself (the unsubscribe token key): written by the campaign sender. */
    public static final String CAMPAIGN_SECRETS = "hfc_campaign_secrets";

    /** The control group, the targets held back per (week, customer): written by the campaign sender. */
    public static final String CAMPAIGN_CONTROL = "hfc_campaign_control";

    /** Recipients whose mail server deferred them (4xx), with their next attempt: written by the campaign sender. */
    public static final String CAMPAIGN_DEFERRALS = "hfc_campaign_deferrals";

    /** The targets a run claimed to email (the treatment arm): written by the campaign sender with the claim. */
    public static final String CAMPAIGN_ASSIGNMENTS = "hfc_campaign_assignments";

    /** The message ids of the bounce webhook's requests already applied: written by the campaign's bounce webhook. */
    public static final String CAMPAIGN_WEBHOOK_EVENTS = "hfc_campaign_webhook_events";

    // The source tables (db/source, only with --with-source-tables: in production they are the subscription system's).

    /** The subscription system's customers: read by the producer; hfc writes it only for demo, tests, benchmarks. */
    public static final String CUSTOMER = "customer";

    /** The subscription system's subscriptions per (customer, week): read by the producer, written as customers are. */
    public static final String SUBSCRIPTION = "subscription";

    private static final List<String> OUTPUT = List.of(
            CAMPAIGN_TARGETS,
            SINK_OFFSETS,
            SINK_PROGRESS,
            SINK_LAYOUT,
            CAMPAIGN_OUTCOMES,
            CAMPAIGN_DELIVERIES,
            CAMPAIGN_SUPPRESSIONS,
            CAMPAIGN_OPTOUTS,
            CAMPAIGN_BOUNCES,
            CAMPAIGN_SECRETS,
            CAMPAIGN_CONTROL,
            CAMPAIGN_DEFERRALS,
            CAMPAIGN_ASSIGNMENTS,
            CAMPAIGN_WEBHOOK_EVENTS);

    private static final List<String> SOURCE = List.of(CUSTOMER, SUBSCRIPTION);

    private Tables() {}

    /** The tables the output migrations create ({@code db/output}). */
    public static List<String> output() {
        return OUTPUT;
    }

    /** The tables the source migrations create ({@code db/source}, {@code --with-source-tables}). */
    public static List<String> source() {
        return SOURCE;
    }

    /** Every table of the catalog: the output tables, then the source tables. */
    public static List<String> all() {
        return Stream.concat(OUTPUT.stream(), SOURCE.stream()).toList();
    }
}
