package dev.hfc.service;

import dev.hfc.producer.cdc.CdcProducer;
import dev.hfc.producer.cdc.ProducerMetrics;
import dev.hfc.producer.cdc.SourceDatabase;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc producer}: the CDC producer (§2). */
@Command(
        name = "producer",
        mixinStandardHelpOptions = true,
        description = "Run the CDC producer: customer and subscription changes from PostgreSQL to Kafka.")
final class ProducerCommand implements Callable<Integer> {

    @Mixin
    KafkaOptions kafka;

    @Mixin
    DbOptions db;

    @Mixin
    TopicLayoutOptions layout;

    @Mixin
    OpsOptions ops;

    @Option(
            names = "--slot-name",
            paramLabel = "NAME",
            defaultValue = "${env:HFC_SLOT_NAME:-" + CdcProducer.Settings.DEFAULT_SLOT_NAME + "}",
            description = "Logical replication slot, created if missing (env HFC_SLOT_NAME; default ${DEFAULT-VALUE}).")
    String slotName;

    @Option(
            names = "--publication-name",
            paramLabel = "NAME",
            defaultValue = "${env:HFC_PUBLICATION_NAME:-" + CdcProducer.Settings.DEFAULT_PUBLICATION_NAME + "}",
            description =
                    "Publication of the two tables, created if missing (env HFC_PUBLICATION_NAME; default ${DEFAULT-VALUE}).")
    String publicationName;

    @Option(
            names = "--heartbeat-interval-ms",
            paramLabel = "MS",
            defaultValue =
                    "${env:HFC_HEARTBEAT_INTERVAL_MS:-" + CdcProducer.Settings.DEFAULT_HEARTBEAT_INTERVAL_MS + "}",
            description = "How often the slot's position is confirmed even when the tables are quiet "
                    + "(env HFC_HEARTBEAT_INTERVAL_MS; default ${DEFAULT-VALUE}).")
    long heartbeatIntervalMs;

    @Option(
            names = "--heartbeat-action-query",
            paramLabel = "SQL",
            defaultValue = "${env:HFC_HEARTBEAT_ACTION_QUERY}",
            description = "SQL run on every heartbeat, for a database whose other tables are busy but ours quiet "
                    + "(env HFC_HEARTBEAT_ACTION_QUERY; default none).")
    String heartbeatActionQuery;

    @Option(
            names = "--snapshot",
            paramLabel = "METHOD",
            defaultValue = "${env:HFC_PRODUCER_SNAPSHOT:-" + CdcProducer.Settings.DEFAULT_SNAPSHOT + "}",
            converter = SnapshotMethodConverter.class,
            description =
                    "Who reads the tables on the first start: copy (the producer, binary COPY in the slot's exported "
                            + "snapshot) or debezium (Debezium's own snapshot, slower) (env HFC_PRODUCER_SNAPSHOT; default ${DEFAULT-VALUE}).")
    CdcProducer.SnapshotMethod snapshot;

    /** copy / debezium, any case; anything else names the choices. */
    static final class SnapshotMethodConverter
            implements picocli.CommandLine.ITypeConverter<CdcProducer.SnapshotMethod> {
        @Override
        public CdcProducer.SnapshotMethod convert(String value) {
            for (CdcProducer.SnapshotMethod m : CdcProducer.SnapshotMethod.values()) {
                if (m.name().equalsIgnoreCase(value.trim())) {
                    return m;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not copy or debezium");
        }
    }

    @Option(
            names = "--snapshot-chunk",
            paramLabel = "N",
            defaultValue = "${env:HFC_SNAPSHOT_CHUNK:-" + CdcProducer.Settings.DEFAULT_SNAPSHOT_CHUNK + "}",
            description =
                    "Customers read per chunk of a re-snapshot (hfc snapshot): smaller chunks are read again less often "
                            + "under heavy writes, larger ones cost fewer round trips (env HFC_SNAPSHOT_CHUNK; default ${DEFAULT-VALUE}).")
    int snapshotChunk;

    @Option(
            names = "--drop-slot",
            description = "Drop the replication slot and the publication, then exit (decommissioning: a slot nobody "
                    + "reads pins WAL forever). Refuses while the slot is in use.")
    boolean dropSlot;

    /** The settings the flags (and their environment variables) give; every field is set from one. */
    CdcProducer.Settings settings(dev.hfc.core.config.DbSettings dbSettings) {
        return Cli.check(
                "--slot-name / --publication-name / --heartbeat-interval-ms / --snapshot-chunk",
                null,
                () -> new CdcProducer.Settings(
                        kafka.settings(),
                        kafka.topics(),
                        dbSettings,
                        slotName,
                        publicationName,
                        Duration.ofMillis(heartbeatIntervalMs),
                        heartbeatActionQuery,
                        layout.layout(),
                        snapshot,
                        snapshotChunk));
    }

    @Override
    public Integer call() throws Exception {
        var dbSettings = db.settings();
        if (dropSlot) {
            boolean dropped = SourceDatabase.dropSlot(
                    dbSettings,
                    Cli.check(
                            "--slot-name",
                            "HFC_SLOT_NAME",
                            () -> dev.hfc.core.config.SqlIdentifier.validate("slot name", slotName)),
                    Cli.check(
                            "--publication-name",
                            "HFC_PUBLICATION_NAME",
                            () -> dev.hfc.core.config.SqlIdentifier.validate("publication name", publicationName)));
            System.out.println(
                    dropped
                            ? "dropped replication slot " + slotName + " and publication " + publicationName
                            : "no replication slot " + slotName + "; publication " + publicationName
                                    + " dropped if it existed");
            return Hfc.OK;
        }
        var settings = settings(dbSettings);
        java.net.InetSocketAddress opsAddress = ops.address();
        var registry = ServiceRunner.registry("producer");
        CdcProducer producer;
        try {
            producer = CdcProducer.start(settings, new ProducerMetrics(registry));
        } catch (dev.hfc.producer.cdc.SourceTables.NotReadyException e) {
            throw Cli.usage("--db-url / --db-schema", "HFC_DB_URL / HFC_DB_SCHEMA", e.getMessage());
        }
        return ServiceRunner.run("producer", producer, registry, opsAddress);
    }
}
