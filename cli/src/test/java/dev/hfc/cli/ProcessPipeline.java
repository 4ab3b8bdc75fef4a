package dev.hfc.cli;

import dev.hfc.core.config.DbSettings;
import dev.hfc.core.topic.Topics;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * What the process-level pipeline tests set up alike: the Kafka their services reach (one {@code hfc broker}
 * process, a bootstrap list of their own, or the in-JVM broker of a {@code KafkaExtension}), their topics (under a
 * fresh prefix, or ones already created), and the {@code HFC_*} environment every service process, replay and
 * snapshot of theirs is given. Immutable: {@link #with} returns another.
 */
final class ProcessPipeline {

    /** The Kafka bootstrap servers the services are given. */
    final String bootstrap;
    /** The topics: named under {@code <name>-<8 random hex digits>.} by {@link #on}, the given ones by {@link #of}. */
    final Topics topics;

    private final Map<String, String> env;

    private ProcessPipeline(String bootstrap, Topics topics, Map<String, String> env) {
        this.bootstrap = bootstrap;
        this.topics = topics;
        this.env = Map.copyOf(env);
    }

    /**
     * Services reaching Kafka at {@code bootstrap} and the database {@code db} (its URL, user, password and schema),
     * with topics named {@code <name>-<8 random hex digits>.} and created with {@code partitions} partitions.
     */
    static ProcessPipeline on(String bootstrap, String name, DbSettings db, int partitions) {
        Topics topics = new Topics(name + "-" + UUID.randomUUID().toString().substring(0, 8) + ".");
        return of(bootstrap, topics, db).with("HFC_TOPIC_PARTITIONS", Integer.toString(partitions));
    }

    /**
     * Services reaching Kafka at {@code bootstrap} and the database {@code db} (its URL, user, password and schema),
     * with the {@code topics} given (a {@code KafkaExtension}'s, created already). {@code HFC_TOPIC_PARTITIONS} is
     * not set (the services take their defaults) unless {@link #with} adds it.
     */
    static ProcessPipeline of(String bootstrap, Topics topics, DbSettings db) {
        return new ProcessPipeline(
                bootstrap,
                topics,
                Map.of(
                        "HFC_KAFKA_BOOTSTRAP",
                        bootstrap,
                        "HFC_TOPIC_PREFIX",
                        topics.prefix(),
                        "HFC_DB_URL",
                        db.url(),
                        "HFC_DB_USER",
                        db.user(),
                        "HFC_DB_PASSWORD",
                        db.password(),
                        "HFC_DB_SCHEMA",
                        db.schema()));
    }

    /**
     * Registers one {@code hfc broker} with {@code services} as {@code "broker"} (not started): on a free port of
     * 127.0.0.1, its data in {@code work/kafka}, awaited after each start until its stdout says {@code listening on};
     * and returns the pipeline {@link #on} it.
     */
    static ProcessPipeline withBroker(Supervisor services, Path work, String name, DbSettings db, int partitions)
            throws Exception {
        int port = PipelineDb.freePort();
        services.add(
                "broker",
                Map.of(),
                "listening on",
                "broker",
                "--port",
                Integer.toString(port),
                "--data-dir",
                work.resolve("kafka").toString());
        return on("127.0.0.1:" + port, name, db, partitions);
    }

    /** The same pipeline with {@code variable} set to {@code value} (added, or replacing the one there). */
    ProcessPipeline with(String variable, String value) {
        Map<String, String> more = new HashMap<>(env);
        more.put(variable, value);
        return new ProcessPipeline(bootstrap, topics, more);
    }

    /** The environment of the services (unmodifiable). */
    Map<String, String> env() {
        return env;
    }
}
