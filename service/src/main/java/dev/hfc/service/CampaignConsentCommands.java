package dev.hfc.service;

import dev.hfc.campaign.consent.ConsentStore;
import dev.hfc.core.config.DbSettings;
import dev.hfc.schema.SchemaMigrator;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code hfc campaign unsubscribe} and {@code resubscribe}: consent that arrived another way than the one-click link. */
final class CampaignConsentCommands {

    private CampaignConsentCommands() {}

    /** Whose consent a command changes: a customer, an address, or both. */
    static final class ConsentTarget {
        @Option(names = "--email", paramLabel = "ADDRESS", description = "The address.")
        String email;

        @Option(names = "--user-id", paramLabel = "UUID", description = "The customer.")
        String userId;

        java.util.UUID user() {
            return userId == null
                    ? null
                    : dev.hfc.core.event.UserIds.parse(userId.trim())
                            .orElseThrow(() -> Cli.usage("--user-id", null, "'" + userId + "' is not a UUID"));
        }

        String address() {
            return email == null || email.isBlank() ? null : email.trim();
        }

        /** The store of the database named by {@code db}, once the target names someone. */
        ConsentStore store(DbOptions db) {
            if (user() == null && address() == null) {
                throw Cli.usage("--email / --user-id", null, "name the address or the customer");
            }
            return migrated(db);
        }

        static ConsentStore migrated(DbOptions db) {
            DbSettings dbSettings = db.settings();
            SchemaMigrator.migrate(dbSettings, false);
            return new ConsentStore(dbSettings);
        }
    }

    @Command(
            name = "unsubscribe",
            mixinStandardHelpOptions = true,
            description =
                    "Record an opt-out that arrived another way: a mail to the --unsubscribe-mailto address (give its "
                            + "subject's token with --token), a support request (--email or --user-id). The customer gets no campaign "
                            + "email from the next message on.")
    static final class Unsubscribe implements Callable<Integer> {
        @Mixin
        DbOptions db;

        @Mixin
        ConsentTarget target;

        @Mixin
        UnsubscribeTokenOptions keys;

        @Option(
                names = "--token",
                paramLabel = "TOKEN",
                description =
                        "The token of an unsubscribe mail: the subject's word after 'unsubscribe' (how = mailto).")
        String token;

        @Option(
                names = "--how",
                paramLabel = "mailto|operator|webhook",
                description = "How the opt-out arrived (default: mailto with --token, operator otherwise).")
        String how;

        @Override
        public Integer call() throws Exception {
            if (token != null) {
                if (target.user() != null || target.address() != null) {
                    throw Cli.usage("--token", null, "names the customer itself: give it without --email or --user-id");
                }
                var h = how == null
                        ? ConsentStore.How.MAILTO
                        : Cli.check("--how", null, () -> ConsentStore.How.parse(how));
                ConsentStore store = ConsentTarget.migrated(db);
                String t = token.trim();
                if (t.regionMatches(
                        true,
                        0,
                        dev.hfc.campaign.consent.Unsubscribe.MAILTO_SUBJECT_PREFIX,
                        0,
                        dev.hfc.campaign.consent.Unsubscribe.MAILTO_SUBJECT_PREFIX.length())) {
                    t = t.substring(dev.hfc.campaign.consent.Unsubscribe.MAILTO_SUBJECT_PREFIX.length())
                            .trim();
                }
                java.util.UUID user = keys.tokens(db.settings())
                        .verify(t)
                        .orElseThrow(
                                () -> Cli.usage(
                                        "--token",
                                        null,
                                        "not a valid unsubscribe token of this campaign (damaged, foreign, or older than --unsubscribe-token-days)"));
                boolean isNew = store.optOut(user, null, h, "hfc campaign unsubscribe --token");
                System.out.println(
                        (isNew ? "opted out: user " : "already opted out: user ") + user + " (" + h.wire() + ")");
                return Hfc.OK;
            }
            var h = Cli.check("--how", null, () -> ConsentStore.How.parse(how == null ? "operator" : how));
            var store = Cli.check("--email", null, () -> target.store(db));
            java.util.UUID user = target.user();
            String address = target.address();
            boolean isNew = Cli.check("--email", null, () -> {
                try {
                    return user != null
                            ? store.optOut(user, address, h, "hfc campaign unsubscribe")
                            : store.optOut(address, h, "hfc campaign unsubscribe");
                } catch (java.sql.SQLException e) {
                    throw new IllegalStateException("cannot record the opt-out: " + e.getMessage(), e);
                }
            });
            System.out.println((isNew ? "opted out: " : "already opted out: ") + (user != null ? "user " + user : "")
                    + (address != null ? (user != null ? ", " : "") + "<" + address + ">" : "") + " (" + h.wire()
                    + ")");
            return Hfc.OK;
        }
    }

    @Command(
            name = "resubscribe",
            mixinStandardHelpOptions = true,
            description =
                    "Remove the opt-outs of a customer or an address, e.g. after they asked to get the emails again. "
                            + "Suppressions (bounces) are not touched.")
    static final class Resubscribe implements Callable<Integer> {
        @Mixin
        DbOptions db;

        @Mixin
        ConsentTarget target;

        @Override
        public Integer call() throws Exception {
            int removed = target.store(db).resubscribe(target.user(), target.address());
            System.out.println("removed " + removed + " opt-out(s)");
            return Hfc.OK;
        }
    }
}
