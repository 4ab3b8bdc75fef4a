package dev.hfc.producer.cdc;

import dev.hfc.schema.Tables;
import java.util.Properties;

/**
 * The Debezium engine's configuration for the producer's settings: the Postgres connector over the two
 * source tables, offsets in a Kafka topic, heartbeats, and the batch latency of streaming.
 */
final class EngineConfig {

    private EngineConfig() {}

    static Properties of(CdcProducer.Settings s) {
        PostgresLocation where = PostgresLocation.of(s.db().url());
        Properties p = new Properties();
        // Pass-through Kafka client settings (TLS, SASL) reach the offset store's clients too.
        p.putAll(s.kafka().properties());
        p.setProperty("name", CdcProducer.ENGINE_NAME);
        p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        p.setProperty("plugin.name", "pgoutput");
        p.setProperty("slot.name", s.slotName());
        p.setProperty("publication.name", s.publicationName());
        p.setProperty("publication.autocreate.mode", "filtered");
        p.setProperty(
                "table.include.list",
                s.db().schema() + "." + Tables.CUSTOMER + "," + s.db().schema() + "." + Tables.SUBSCRIPTION);
        p.setProperty("topic.prefix", CdcProducer.LOGICAL_NAME);
        p.setProperty("database.hostname", where.host());
        p.setProperty("database.port", Integer.toString(where.port()));
        p.setProperty("database.dbname", where.database());
        p.setProperty("database.user", s.db().user());
        p.setProperty("database.password", s.db().password());
        p.setProperty("snapshot.mode", "initial");
        p.setProperty("tombstones.on.delete", "false");
        // How long the engine lets a batch of changes fill before handing it over: the CDC share of a live
        // change's latency (a snapshot fills its batches at once).
        p.setProperty("poll.interval.ms", "10");
        // Quiet tables must not pin WAL: heartbeats make the connector confirm positions regularly.
        p.setProperty(
                "heartbeat.interval.ms", Long.toString(s.heartbeatInterval().toMillis()));
        if (s.heartbeatActionQuery() != null && !s.heartbeatActionQuery().isBlank()) {
            p.setProperty("heartbeat.action.query", s.heartbeatActionQuery());
        }
        p.setProperty("offset.storage", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore");
        p.setProperty("offset.storage.topic", s.offsetsTopic());
        p.setProperty("offset.storage.partitions", "1");
        p.setProperty(
                "offset.storage.replication.factor",
                Short.toString(s.topicLayout().replicationFactor()));
        p.setProperty("offset.flush.interval.ms", "1000");
        p.setProperty("offset.flush.timeout.ms", "10000");
        p.setProperty("bootstrap.servers", s.kafka().bootstrapServers());
        p.setProperty("key.converter.schemas.enable", "false");
        p.setProperty("value.converter.schemas.enable", "false");
        p.setProperty("converter.schemas.enable", "false");
        p.setProperty("decimal.handling.mode", "string");
        p.setProperty("errors.max.retries", "-1");
        return p;
    }
}
