package dev.hfc.cli;

import dev.hfc.local.kafka.InProcessKafkaBroker;
import dev.hfc.service.Cli;
import dev.hfc.service.Hfc;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code hfc broker}: a Kafka broker for local use, until stopped (§9): a single node, or, with {@code --voters},
 * one node of a local cluster (each node its own process, every node a voter and a broker), as the cluster
 * tests run it.
 */
@Command(
        name = "broker",
        mixinStandardHelpOptions = true,
        description = "Run an in-process Apache Kafka broker (KRaft) until stopped: a single node, or one node of a "
                + "local cluster with --node-id, --voters and --cluster-id.")
final class BrokerCommand implements Callable<Integer> {

    @Option(
            names = "--port",
            paramLabel = "PORT",
            defaultValue = "9092",
            description = "Client port on 127.0.0.1 (default ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--data-dir",
            paramLabel = "DIR",
            defaultValue = "data/kafka",
            description = "Where the broker keeps its logs; reused across restarts (default ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(
            names = "--node-id",
            paramLabel = "ID",
            description = "This node's id in a local cluster; one of the ids in --voters.")
    Integer nodeId;

    @Option(
            names = "--voters",
            paramLabel = "ID@127.0.0.1:PORT",
            split = ",",
            description = "The cluster's KRaft quorum, every node (this one included) with its controller port: "
                    + "1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097. Topics then get three replicas and "
                    + "min.insync.replicas=2.")
    List<String> voters;

    @Option(
            names = "--cluster-id",
            paramLabel = "ID",
            description = "The cluster id every node is formatted with (kafka-storage.sh random-uuid prints one).")
    String clusterId;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 1 || port > 65535) {
            throw Cli.usage("--port", null, "port " + port + " is outside 1..65535");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        InProcessKafkaBroker broker = voters == null ? single() : member();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            broker.close();
                            stopped.countDown();
                        },
                        "hfc-broker-shutdown"));
        System.out.println("Kafka broker listening on " + broker.bootstrapServers() + " (data in "
                + dataDir.toAbsolutePath() + "); stop with Ctrl-C or SIGTERM");
        System.out.flush();
        stopped.await();
        return Hfc.OK;
    }

    private InProcessKafkaBroker single() {
        if (nodeId != null || clusterId != null) {
            throw Cli.usage(
                    nodeId != null ? "--node-id" : "--cluster-id",
                    null,
                    "is for a node of a cluster: give --voters too");
        }
        return InProcessKafkaBroker.start(port, dataDir);
    }

    private InProcessKafkaBroker member() {
        if (nodeId == null || clusterId == null) {
            throw Cli.usage(nodeId == null ? "--node-id" : "--cluster-id", null, "is required with --voters");
        }
        List<InProcessKafkaBroker.Voter> quorum = Cli.check(
                "--voters",
                null,
                () -> voters.stream().map(InProcessKafkaBroker.Voter::parse).toList());
        return Cli.check(
                "--node-id / --voters / --cluster-id",
                null,
                () -> InProcessKafkaBroker.startMember(nodeId, port, quorum, clusterId, dataDir));
    }
}
