package dev.hfc.service;

import dev.hfc.core.event.UserIds;
import dev.hfc.producer.cdc.CdcProducer;
import dev.hfc.producer.cdc.SnapshotRequests;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code hfc snapshot}: asks the running producer to re-publish customer snapshots, for all customers or the
 * given ones, while it keeps streaming (README, Rebuild). The request travels through the database's change
 * stream, so the producer may run anywhere; this command needs only the database.
 */
@Command(
        name = "snapshot",
        mixinStandardHelpOptions = true,
        description =
                "Ask the running producer for customer snapshots of all customers (a rebuild past the input's "
                        + "retention, a suspected divergence) or of --users, published without stopping or reordering the stream.")
final class SnapshotCommand implements Callable<Integer> {

    @Mixin
    DbOptions db;

    @Option(
            names = "--slot-name",
            paramLabel = "NAME",
            defaultValue = "${env:HFC_SLOT_NAME:-" + CdcProducer.Settings.DEFAULT_SLOT_NAME + "}",
            description =
                    "The replication slot of the producer that must act (env HFC_SLOT_NAME; default ${DEFAULT-VALUE}).")
    String slotName;

    @Option(
            names = "--users",
            paramLabel = "UUID",
            split = ",",
            description =
                    "Only these customers (comma-separated user ids); a customer without subscription rows gets an "
                            + "empty snapshot. Default: all customers.")
    List<String> users;

    @Override
    public Integer call() throws Exception {
        Cli.check(
                "--slot-name",
                "HFC_SLOT_NAME",
                () -> dev.hfc.core.config.SqlIdentifier.validate("slot name", slotName));
        List<UUID> ids = new ArrayList<>();
        if (users != null) {
            for (String u : users) {
                ids.add(UserIds.parse(u.trim())
                        .orElseThrow(() -> Cli.usage("--users", null, "'" + u + "' is not a user id (a UUID)")));
            }
        }
        SnapshotRequests.request(db.settings(), slotName, ids);
        System.out.println("requested snapshots of " + (ids.isEmpty() ? "all customers" : ids.size() + " customer(s)")
                + " from the producer of slot " + slotName + "; its log says when they are published");
        return Hfc.OK;
    }
}
