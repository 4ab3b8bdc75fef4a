package dev.hfc.local.kafka;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real, single-node Apache Kafka broker (KRaft, combined broker and controller) running inside this
 * JVM, for tests, {@code hfc broker} and {@code hfc demo}. It supports transactions, so Kafka Streams can
 * run {@code exactly_once_v2} on it. Stopping and starting it again on the same data directory keeps the
 * data, like a real broker restart.
 */
public final class InProcessKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InProcessKafkaBroker.class);
    private static final String HOST = "127.0.0.1";

    private final KafkaRaftServer server;
    private final int port;
    private final Path dataDir;
    private boolean stopped;

    private InProcessKafkaBroker(KafkaRaftServer server, int port, Path dataDir) {
        this.server = server;
        this.port = port;
        this.dataDir = dataDir;
    }

    /**
     * Formats {@code dataDir} if it is new, then starts the broker listening on {@code port} (0 picks a
     * free port) of 127.0.0.1.
     */
    public static InProcessKafkaBroker start(int port, Path dataDir) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Kafka data directory " + dataDir, e);
        }
        int brokerPort = port == 0 ? freePort() : port;
        int controllerPort = freePort();
        Properties props = serverProperties(brokerPort, controllerPort, dataDir);
        format(props, dataDir);
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        long started = System.nanoTime();
        server.startup();
        LOG.info("Kafka broker up on {}:{} (data in {}) after {} ms", HOST, brokerPort, dataDir,
                (System.nanoTime() - started) / 1_000_000);
        return new InProcessKafkaBroker(server, brokerPort, dataDir);
    }

    /** The {@code bootstrap.servers} value for clients. */
    public String bootstrapServers() {
        return HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker and waits until it has shut down. Idempotent. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        server.shutdown();
        server.awaitShutdown();
        LOG.info("Kafka broker on port {} stopped", port);
    }

    static Properties serverProperties(int brokerPort, int controllerPort, Path dataDir) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dataDir.toAbsolutePath().toString());
        // One node: every internal topic has one replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // The default dedupe buffer takes 128 MiB of heap for the log cleaner; compaction here is small.
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
        p.put("num.partitions", "1");
        return p;
    }

    private static void format(Properties props, Path dataDir) {
        if (Files.exists(dataDir.resolve("meta.properties"))) {
            return; // formatted before: a restart keeps its cluster id and data
        }
        Path config = dataDir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(config)) {
            props.store(out, "in-process Kafka broker, written by hfc");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + config, e);
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        int exit;
        try (PrintStream ps = new PrintStream(output, true, StandardCharsets.UTF_8)) {
            exit = StorageTool.execute(new String[] {
                "format", "-t", Uuid.randomUuid().toString(), "-c", config.toString()
            }, ps);
        } catch (Exception e) {
            throw new IllegalStateException("cannot format Kafka data directory " + dataDir + ": " + e.getMessage(), e);
        }
        if (exit != 0) {
            throw new IllegalStateException("formatting Kafka data directory " + dataDir + " failed (exit " + exit
                    + "): " + output.toString(StandardCharsets.UTF_8).trim());
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free TCP port on " + HOST, e);
        }
    }
}
