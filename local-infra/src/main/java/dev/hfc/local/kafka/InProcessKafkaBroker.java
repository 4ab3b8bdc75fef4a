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
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apache Kafka broker (KRaft, combined broker and controller) running inside this JVM, for tests,
 * {@code hfc broker} and {@code hfc demo}. It supports transactions, so Kafka Streams can run
 * {@code exactly_once_v2} on it. Stopping and starting it again on the same data directory keeps the data,
 * like a real broker restart.
 *
 * <p>Alone ({@link #start(int, Path)}) it is a single node whose internal topics have one replica. As one
 * member of a cluster ({@link #startMember}), one JVM per node, the nodes form a static KRaft quorum of
 * every member and the cluster is set up as production clusters are: internal topics and created topics
 * with three replicas (fewer only when there are fewer members) and {@code min.insync.replicas=2}.
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
        List<Voter> alone = List.of(new Voter(1, controllerPort));
        return start(
                serverProperties(1, brokerPort, controllerPort, alone, dataDir),
                brokerPort,
                Uuid.randomUuid().toString(),
                dataDir);
    }

    /** A voter of the KRaft quorum: a node's id and its controller listener on 127.0.0.1. */
    public record Voter(int nodeId, int controllerPort) {
        public Voter {
            if (nodeId < 0) {
                throw new IllegalArgumentException("node id " + nodeId + " is negative");
            }
            if (controllerPort < 1 || controllerPort > 65535) {
                throw new IllegalArgumentException(
                        "controller port " + controllerPort + " of node " + nodeId + " is outside 1..65535");
            }
        }

        /** Parses {@code ID@127.0.0.1:PORT}, one entry of {@code controller.quorum.voters}. */
        public static Voter parse(String voter) {
            String[] idAndAddress = voter.trim().split("@", 2);
            String expected = "voter '" + voter + "' is not ID@" + HOST + ":PORT";
            if (idAndAddress.length != 2 || !idAndAddress[1].startsWith(HOST + ":")) {
                throw new IllegalArgumentException(expected);
            }
            try {
                return new Voter(
                        Integer.parseInt(idAndAddress[0]),
                        Integer.parseInt(idAndAddress[1].substring(HOST.length() + 1)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(expected, e);
            }
        }

        @Override
        public String toString() {
            return nodeId + "@" + HOST + ":" + controllerPort;
        }
    }

    /**
     * Starts node {@code nodeId}, one member of a cluster whose KRaft quorum is {@code voters} (every node, this
     * one among them, is a voter and a broker), serving clients on {@code brokerPort}; formats {@code dataDir}
     * with {@code clusterId} if it is new. Every member must be started with the same voters and cluster id.
     */
    public static InProcessKafkaBroker startMember(
            int nodeId, int brokerPort, List<Voter> voters, String clusterId, Path dataDir) {
        if (voters.stream().map(Voter::nodeId).distinct().count() != voters.size()) {
            throw new IllegalArgumentException("two voters share a node id: " + voters);
        }
        Voter self = voters.stream()
                .filter(v -> v.nodeId() == nodeId)
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("node " + nodeId + " is not among the voters " + voters));
        try {
            Uuid.fromString(clusterId);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "cluster id '" + clusterId + "' is not a Kafka cluster id (22 characters of "
                            + "base64, as kafka-storage.sh random-uuid prints)",
                    e);
        }
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Kafka data directory " + dataDir, e);
        }
        return start(
                serverProperties(nodeId, brokerPort, self.controllerPort(), voters, dataDir),
                brokerPort,
                clusterId,
                dataDir);
    }

    private static InProcessKafkaBroker start(Properties props, int brokerPort, String clusterId, Path dataDir) {
        format(props, clusterId, dataDir);
        KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        long started = System.nanoTime();
        server.startup();
        LOG.info(
                "Kafka broker up on {}:{} (data in {}) after {} ms",
                HOST,
                brokerPort,
                dataDir,
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

    static Properties serverProperties(
            int nodeId, int brokerPort, int controllerPort, List<Voter> voters, Path dataDir) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(nodeId));
        p.put("controller.quorum.voters", voters.stream().map(Voter::toString).collect(Collectors.joining(",")));
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dataDir.toAbsolutePath().toString());
        // Alone: every internal topic has one replica. In a cluster: three (as production), and a write needs two.
        String replicas = Integer.toString(Math.min(3, voters.size()));
        String minIsr = Integer.toString(Math.min(2, voters.size()));
        p.put("offsets.topic.replication.factor", replicas);
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", replicas);
        p.put("transaction.state.log.min.isr", minIsr);
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", replicas);
        p.put("share.coordinator.state.topic.min.isr", minIsr);
        p.put("default.replication.factor", replicas);
        p.put("min.insync.replicas", minIsr);
        p.put("group.initial.rebalance.delay.ms", "0");
        // The default dedupe buffer takes 128 MiB of heap for the log cleaner; compaction here is small.
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 * 1024 * 1024));
        p.put("num.partitions", "1");
        return p;
    }

    private static void format(Properties props, String clusterId, Path dataDir) {
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
            exit = StorageTool.execute(new String[] {"format", "-t", clusterId, "-c", config.toString()}, ps);
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
